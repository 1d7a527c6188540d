"""The factory only wires; ``/healthz`` reports on the database."""

from __future__ import annotations

from lms import create_app

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"


def test_factory_opens_no_database(app_config, tmp_path):
    path = tmp_path / "never-opened.sqlite3"
    app = create_app({**app_config, "LMS_DATABASE_URL": f"sqlite:///{path}"})
    assert "lms.home" in app.view_functions
    assert not path.exists()  # SQLite creates the file on the first connection


def test_unreachable_database_still_builds_and_healthz_says_503(app_config):
    app = create_app({**app_config, "LMS_DATABASE_URL": UNREACHABLE})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["database"] == "unreachable"
    assert body["reason"] == "OperationalError"
    assert "nobody" not in response.get_data(as_text=True)  # no connection details leak


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_health_is_never_rate_limited(make_app):
    from lms.extensions import limiter

    limited = make_app({"RATELIMIT_ENABLED": True, "RATELIMIT_APPLICATION": "1 per minute"})
    client = limited.test_client()
    try:
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 429
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
    finally:
        # The limiter is one object per process and keeps application limits once set.
        limiter.limit_manager.set_application_limits([])
