"""Login and reset attempts are limited per account and per address."""

from __future__ import annotations

import pytest
import redis

from lms.testing import csrf_token

from .conftest import html_of

REDIS_URL = "redis://127.0.0.1:6379/15"
LIMITS = {
    "RATELIMIT_ENABLED": True,
    "LMS_LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
    "LMS_LOGIN_LIMIT_PER_ADDRESS": "5 per minute",
    "LMS_RESET_LIMIT_PER_ADDRESS": "2 per minute",
}


def attempt(client, email, address="10.0.0.1"):
    token = csrf_token(client, "/account/login")
    return client.post(
        "/account/login",
        data={"email": email, "password": "wrong password", "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def assert_limited(response):
    assert response.status_code == 429
    html = html_of(response)
    assert "Too many attempts" in html
    assert '<main id="main"' in html
    assert "Error code 429" in html


def test_per_account_limit_holds_across_addresses(app, make_app):
    limited = make_app(LIMITS)
    client = limited.test_client()
    for n in range(3):
        assert attempt(client, "victim@example.org", f"10.0.0.{n}").status_code == 200
    assert_limited(attempt(client, "Victim@Example.org ", "10.0.0.99"))  # same account
    assert attempt(client, "someone-else@example.org", "10.0.0.99").status_code == 200


def test_per_account_limit_counts_an_address_however_its_letters_were_typed(app, make_app):
    # "zoë" with a precomposed ë, then with "e" and a combining diaeresis: one account.
    limited = make_app(LIMITS)
    client = limited.test_client()
    for n in range(3):
        assert attempt(client, "zo\u00eb@example.org", f"10.0.0.{n}").status_code == 200
    assert_limited(attempt(client, "ZOE\u0308@example.org", "10.0.0.99"))


def test_per_address_limit_holds_across_accounts(app, make_app):
    limited = make_app(LIMITS)
    client = limited.test_client()
    for n in range(5):
        assert attempt(client, f"person{n}@example.org", "10.0.0.7").status_code == 200
    assert_limited(attempt(client, "fresh@example.org", "10.0.0.7"))
    assert attempt(client, "fresh@example.org", "10.0.0.8").status_code == 200


def test_reset_requests_are_limited(app, make_app):
    limited = make_app(LIMITS)
    client = limited.test_client()
    form = {"email": "a@example.org", "csrf_token": csrf_token(client, "/account/reset")}
    for _ in range(2):
        assert client.post("/account/reset", data=form).status_code == 302
    assert_limited(client.post("/account/reset", data=form))


def test_pages_themselves_are_not_limited(app, make_app):
    client = make_app(LIMITS).test_client()
    for _ in range(8):
        assert client.get("/account/login").status_code == 200


@pytest.fixture()
def redis_db():
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def test_limits_are_shared_through_redis(app, make_app, redis_db):
    settings = {**LIMITS, "LMS_REDIS_URL": REDIS_URL}
    first = make_app(settings)
    for n in range(3):
        assert attempt(first.test_client(), "shared@example.org", f"10.1.0.{n}").status_code == 200
    assert redis_db.dbsize() > 0  # the counters live in Redis
    # A second process's app: its own storage connection, the same counters.
    second = make_app(settings)
    assert_limited(attempt(second.test_client(), "shared@example.org", "10.1.0.50"))


def sign_in(client, email, password, address):
    token = csrf_token(client, "/account/login")
    return client.post(
        "/account/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_a_password_guesser_cannot_lock_the_owner_out(app, make_app, make_user):
    from lms.testing import TEST_PASSWORD

    owner = make_user(email="owner@example.org")
    limited = make_app(LIMITS)
    home = "192.0.2.10"
    assert sign_in(limited.test_client(), owner.email, TEST_PASSWORD, home).status_code == 302
    attacker = limited.test_client()
    for n in range(2):  # the owner's first sign-in (a new address then) was the first of 3
        assert attempt(attacker, owner.email, f"203.0.113.{n}").status_code == 200
    refused = attempt(attacker, owner.email, "203.0.113.99")
    assert_limited(refused)
    assert "you can still sign in from a device you have used before" in html_of(refused)
    # The owner, from where they signed in before, is not counted by the account's limit:
    # a mistyped password, then the right one.
    owner_client = limited.test_client()
    assert sign_in(owner_client, owner.email, "mistyped", home).status_code == 200
    assert sign_in(owner_client, owner.email, TEST_PASSWORD, home).status_code == 302
    # The attacker, still: 429, from any address that never signed in to this account.
    assert_limited(attempt(limited.test_client(), owner.email, "198.51.100.7"))


def test_known_addresses_are_kept_as_digests(app, make_app, make_user, db):
    from sqlalchemy import select

    from lms.accounts.models import KnownAddress
    from lms.testing import TEST_PASSWORD

    owner = make_user()
    limited = make_app(LIMITS)
    for _ in range(2):  # twice from one address: one row
        response = sign_in(limited.test_client(), owner.email, TEST_PASSWORD, "192.0.2.44")
        assert response.status_code == 302
    db.session.expire_all()
    rows = db.session.scalars(select(KnownAddress)).all()
    assert [r.user_id for r in rows] == [owner.id]
    assert "192.0.2.44" not in rows[0].address_digest and len(rows[0].address_digest) == 64


def test_the_owner_still_meets_the_per_address_limit(app, make_app, make_user):
    from lms.testing import TEST_PASSWORD

    owner = make_user()
    limited = make_app(LIMITS)
    home = "192.0.2.20"
    assert sign_in(limited.test_client(), owner.email, TEST_PASSWORD, home).status_code == 302
    client = limited.test_client()
    for _ in range(4):  # the first sign-in was the first of five this minute
        assert sign_in(client, owner.email, "wrong", home).status_code == 200
    assert_limited(sign_in(client, owner.email, "wrong", home))
