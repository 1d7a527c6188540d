"""The verification page's lookups: each one counted, the facts read, the pages kept."""

from __future__ import annotations

import datetime as dt

import pytest
import redis
from limits.strategies import FixedWindowRateLimiter

from certificates.views.public import _PUBLIC_FACTS, public_facts
from lms.db import db as _db
from lms.extensions import limiter

REDIS_URL = "redis://127.0.0.1:6379/14"
HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


@pytest.fixture()
def cert(app, make_user, complete):
    return complete(make_user(name="Owner Person"))


def limited(make_app, limit: str, **settings):
    return make_app({"RATELIMIT_ENABLED": True, "CERTIFICATES_VERIFY_LIMIT": limit, **settings})


def lookup(client, code: str, headers=None, address="10.0.0.1"):
    return client.get(
        f"/certificates/verify/{code}", headers=headers, environ_base={"REMOTE_ADDR": address}
    )


def test_every_lookup_counts_until_the_limit_answers_429(make_app, cert):
    client = limited(make_app, "3 per minute").test_client()
    answers = [
        lookup(client, cert.code),
        lookup(client, "ZZZZ-ZZZZ-ZZZZ"),  # not found counts too
        lookup(client, cert.code.lower(), JSON),
    ]
    assert [r.status_code for r in answers] == [200, 404, 200]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["2", "1", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in answers} == {"3"}
    over = lookup(client, cert.code)
    assert over.status_code == 429
    html = over.get_data(as_text=True)
    assert "Too many attempts" in html and "Owner Person" not in html
    assert 0 < int(over.headers["Retry-After"]) <= 60
    assert int(over.headers["X-RateLimit-Reset"]) > dt.datetime.now(dt.UTC).timestamp()
    assert lookup(client, cert.code, JSON).get_json()["error"] == "Too many attempts"
    # The limit is per address.
    assert lookup(client, cert.code, address="10.0.0.2").status_code == 200


def test_the_longest_window_limits_too(make_app, cert):
    client = limited(make_app, "10 per minute; 2 per hour").test_client()
    assert [lookup(client, cert.code).status_code for _ in range(3)] == [200, 200, 429]
    over = lookup(client, cert.code)
    assert over.status_code == 429 and over.headers["X-RateLimit-Limit"] == "2"


@pytest.mark.parametrize("strategy", ["moving-window", "sliding-window-counter"])
def test_other_strategies_count_and_answer_as_the_fixed_window(make_app, cert, strategy):
    kept = limiter._strategy
    limiter._strategy = None  # the limiter is one per process and keeps its first strategy
    try:
        client = limited(make_app, "2 per minute", RATELIMIT_STRATEGY=strategy).test_client()
        assert not isinstance(limiter.limiter, FixedWindowRateLimiter)
        answers = [lookup(client, cert.code) for _ in range(3)]
    finally:
        limiter._strategy = kept
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in answers] == ["1", "0", "0"]
    assert {r.headers["X-RateLimit-Limit"] for r in answers} == {"2"}
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 60


@pytest.mark.parametrize(("accept", "wants_json"), [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),  # a browser
    ("application/json", True),
    ("application/json, text/html;q=0.5", True),
    ("application/*", True),
    ("text/html, application/json", False),  # a tie: HTML first
    ("*/*", False),
    ("image/png", False),
])
def test_json_is_the_answer_only_when_preferred_to_html(app, cert, accept, wants_json):
    client = app.test_client()
    for _ in range(2):  # the header's answer is kept: the second asks again
        response = lookup(client, cert.code, {"Accept": accept})
        assert response.status_code == 200
        assert (response.mimetype == "application/json") is wants_json, response.mimetype


def test_lookups_are_counted_through_redis_for_every_process(make_app, cert):
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    try:
        first = limited(make_app, "2 per minute", LMS_REDIS_URL=REDIS_URL)
        assert [lookup(first.test_client(), cert.code).status_code for _ in range(2)] == [200, 200]
        assert connection.dbsize() > 0
        second = limited(make_app, "2 per minute", LMS_REDIS_URL=REDIS_URL)
        assert lookup(second.test_client(), cert.code).status_code == 429
    finally:
        connection.flushdb()
        connection.close()


def test_without_the_limiter_nothing_is_counted(app, cert):
    client = app.test_client()  # the test settings turn rate limiting off
    answers = [lookup(client, cert.code) for _ in range(5)]
    assert {r.status_code for r in answers} == {200}
    assert not [h for h in answers[0].headers.keys() if h.startswith("X-RateLimit")]  # noqa: SIM118


def pooled_autocommit() -> bool:
    connection = _db.engine.raw_connection()
    try:
        return _db.engine.dialect.detect_autocommit_setting(connection.dbapi_connection)
    finally:
        connection.close()


def test_public_facts_are_what_sqlalchemy_reads(app, cert):
    cert.valid_until = cert.issued_dt + dt.timedelta(days=365)
    cert.revoked_dt = cert.issued_dt + dt.timedelta(days=2)
    _db.session.commit()
    core = _db.session.execute(_PUBLIC_FACTS, {"code": cert.code}).one()
    _db.session.remove()
    autocommit_before = pooled_autocommit()
    facts = public_facts(core.code)
    # The connection went back to the pool as it was (PostgreSQL's out of autocommit).
    assert _db.engine.pool.checkedout() == 0 and pooled_autocommit() == autocommit_before
    assert tuple(facts) == tuple(core) and facts.valid_until == core.valid_until
    assert facts.revoked_dt.tzinfo is not None and facts.issued_dt.tzinfo is not None
    assert public_facts("ZZZZ-ZZZZ-ZZZZ") is None


def test_kept_pages_vary_by_cookie_and_pending_messages_are_shown(app, cert):
    path = f"/certificates/verify/{cert.code}"
    visitor = app.test_client()
    kept = visitor.get(path)
    assert kept.status_code == 200 and "Cookie" in kept.headers["Vary"]
    flashed = app.test_client()
    with flashed.session_transaction() as session:
        session["_flashes"] = [("message", "A message for this visitor")]
    assert "A message for this visitor" in flashed.get(path).get_data(as_text=True)
    assert visitor.get(path).get_data(as_text=True) == kept.get_data(as_text=True)


def test_the_not_found_page_is_kept_and_still_404(app):
    client = app.test_client()
    first = client.get("/certificates/verify/ZZZZ-ZZZZ-ZZZZ", headers=HTML)
    second = client.get("/certificates/verify/YYYY-YYYY-YYYY", headers=HTML)
    assert first.status_code == second.status_code == 404
    assert "Not found" in first.get_data(as_text=True)
    assert first.get_data() == second.get_data() and "Cookie" in second.headers["Vary"]
