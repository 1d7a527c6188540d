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
