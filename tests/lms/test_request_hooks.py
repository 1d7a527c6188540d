"""What every request goes through still does its job after being made cheap:
security headers, the session cookie, CSRF, rate limits, locale and the
database session's teardown (see ``lms.security``)."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, abort, g, jsonify, session
from flask_login import LoginManager, current_user, login_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from lms.accounts.models import User
from lms.db import db
from lms.extensions import csrf, limiter
from lms.i18n import browser_language, select_locale
from lms.permissions import public
from lms.security import (
    CSP,
    add_raw_headers,
    guard_csrf_hook,
    guard_rate_limit_hooks,
    guard_remember_cookie_hook,
)
from lms.testing import csrf_token

SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
)


@pytest.fixture()
def sample_app(make_app, app):
    """An app with views that set their own headers, use the session or skip CSRF."""
    application = make_app()
    bp = Blueprint("hooks_sample", __name__, url_prefix="/hooks-sample")

    @bp.route("/own-headers")
    @public
    def own_headers():
        response = application.response_class("<p>framed</p>", mimetype="text/html")
        response.headers["Content-Security-Policy"] = "default-src 'none'"
        response.headers["Cache-Control"] = "private, max-age=60"
        return response

    @bp.route("/data")
    @public
    def data():
        return jsonify(answer=42)

    @bp.route("/remember", methods=["GET", "POST"])
    @public
    def remember():
        session["colour"] = "green"
        return "remembered"

    @bp.route("/recall")
    @public
    def recall():
        return session.get("colour", "nothing")

    @bp.route("/remember-me/<int:user_id>")
    @public
    def remember_me(user_id):
        login_user(db.session.get(User, user_id), remember=True)
        return "signed in"

    @bp.route("/hook", methods=["POST"])
    @public
    @csrf.exempt
    def hook():
        return "accepted"

    application.register_blueprint(bp)
    return application


def test_health_probe_leaves_the_session_alone(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    for name in SECURITY_HEADERS:
        assert len(response.headers.getlist(name)) == 1, name
    assert "Cache-Control" not in response.headers  # JSON, not a page


def test_a_view_keeps_its_own_security_headers(sample_app):
    response = sample_app.test_client().get("/hooks-sample/own-headers")
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert response.headers.getlist("Cache-Control") == ["private, max-age=60"]
    assert response.headers["X-Frame-Options"] == "DENY"  # the defaults it did not set


def test_pages_not_data_are_kept_out_of_caches(sample_app):
    client = sample_app.test_client()
    assert client.get("/account/login").headers.getlist("Cache-Control") == ["no-store"]
    data = client.get("/hooks-sample/data")
    assert data.get_json() == {"answer": 42}
    assert "Cache-Control" not in data.headers
    assert data.headers["Content-Security-Policy"] == CSP


def test_session_cookie_is_set_only_when_the_session_changes(sample_app):
    client = sample_app.test_client()
    assert "Set-Cookie" not in client.get("/hooks-sample/recall").headers
    remembered = client.get("/hooks-sample/remember")
    assert remembered.headers["Set-Cookie"].startswith("lms_session=")
    recalled = client.get("/hooks-sample/recall")
    assert recalled.get_data(as_text=True) == "green"
    assert "Set-Cookie" not in recalled.headers  # read, not changed
    assert "Cookie" in recalled.headers["Vary"]  # the answer depends on the cookie


def test_signed_in_pages_do_not_rewrite_the_cookie(client, make_user, login):
    login(make_user(), client)
    client.get("/account/profile")  # shows, and so removes, the "You are logged in." message
    response = client.get("/account/profile")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_a_new_secret_key_ends_old_sessions_unless_kept_as_fallback(sample_app):
    client = sample_app.test_client()
    client.get("/hooks-sample/remember")
    old_key = sample_app.secret_key
    sample_app.secret_key = "another-secret-key-that-is-long-enough-0123456789"
    assert client.get("/hooks-sample/recall").get_data(as_text=True) == "nothing"
    sample_app.config["SECRET_KEY_FALLBACKS"] = [old_key]
    assert client.get("/hooks-sample/recall").get_data(as_text=True) == "green"


def test_csrf_is_checked_on_posts_and_exemptions_hold(sample_app):
    client = sample_app.test_client()
    assert client.post("/hooks-sample/remember").status_code == 400
    assert client.post("/hooks-sample/hook").get_data(as_text=True) == "accepted"
    assert client.get("/hooks-sample/remember").status_code == 200


def test_remember_me_still_sets_its_cookie(sample_app, make_user):
    user_id = make_user().id
    response = sample_app.test_client().get(f"/hooks-sample/remember-me/{user_id}")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") for c in cookies)
    assert any(c.startswith("lms_session=") for c in cookies)


def test_a_used_database_session_is_closed_after_the_request(client, make_user, login):
    login(make_user(), client)
    assert client.get("/account/profile").status_code == 200  # loads the user
    db.session.remove()  # the test body's own session
    assert db.engine.pool.checkedout() == 0


def test_rate_limit_headers_come_with_limited_requests_only(make_app, app):
    client = make_app({"RATELIMIT_ENABLED": True}).test_client()
    probe = client.get("/healthz")
    assert not [name for name in probe.headers.keys() if name.startswith("X-RateLimit")]  # noqa: SIM118
    form = {
        "email": "a@example.org",
        "password": "wrong",
        "csrf_token": csrf_token(client, "/account/login"),
    }
    attempt = client.post("/account/login", data=form)
    assert attempt.status_code == 200
    assert int(attempt.headers["X-RateLimit-Remaining"]) < int(attempt.headers["X-RateLimit-Limit"])


def test_default_limits_still_apply_to_every_page(make_app, app):
    limited = make_app({"RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "2 per minute"})
    client = limited.test_client()
    try:
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 429
        assert client.get("/healthz").status_code == 200
    finally:
        # The limiter is one object per process and keeps default limits once set.
        limiter.limit_manager.set_default_limits([])


def test_a_blueprint_limited_after_start_up_is_limited(make_app, app):
    limited = make_app({"RATELIMIT_ENABLED": True})
    bp = Blueprint("hooks_limited", __name__, url_prefix="/hooks-limited")

    @bp.route("/")
    @public
    def page():
        return "page"

    limiter.limit("1 per minute")(bp)
    limited.register_blueprint(bp)
    client = limited.test_client()
    try:
        assert client.get("/hooks-limited/").status_code == 200
        assert client.get("/hooks-limited/").status_code == 429
        assert client.get("/").status_code == 200  # other pages are not
    finally:
        limiter.limit_manager._blueprint_limits.pop("hooks_limited", None)


def test_guards_refuse_hooks_they_do_not_know():
    bare = Flask(__name__)
    bare.config["RATELIMIT_ENABLED"] = True
    with pytest.raises(RuntimeError, match="Flask-Limiter"):
        guard_rate_limit_hooks(bare, limiter)
    with pytest.raises(RuntimeError, match="Flask-Login"):
        guard_remember_cookie_hook(bare, LoginManager())
    with pytest.raises(RuntimeError, match="Flask-WTF"):
        guard_csrf_hook(bare)


def test_one_language_needs_no_user(make_app):
    one = make_app({"LMS_LANGUAGES": "en"})
    with one.test_request_context("/", headers={"Accept-Language": "de"}):
        assert select_locale() == "en"
        assert "_login_user" not in g  # Flask-Login did not load anyone


def test_several_languages_follow_the_browser(make_app, app, pseudo_translations):
    two = make_app({"LMS_LANGUAGES": "en,de",
                    "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("de")})
    with two.test_request_context("/", headers={"Accept-Language": "de"}):
        assert select_locale() == "de"


def test_a_request_without_cookies_is_anonymous_and_still_varies_by_cookie(app):
    with app.test_request_context("/"):
        assert not current_user.is_authenticated
        assert session.accessed  # the answer depends on cookies: Vary: Cookie
    anonymous = app.test_client().get("/")
    assert "Log in" in anonymous.get_data(as_text=True)
    assert "Cookie" in anonymous.headers["Vary"]


def test_a_request_with_cookies_still_loads_who_is_signed_in(client, make_user, login):
    user = make_user(name="Ada Signed-In")
    login(user, client)
    assert "Ada Signed-In" in client.get("/").get_data(as_text=True)
    client.set_cookie("unrelated", "1")  # any cookie: Flask-Login looks as before
    assert "Ada Signed-In" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("header", [
    "ur", "ur-PK,ur;q=0.9,en;q=0.8", "pl;q=0.5, gu", "fr-FR,fr;q=0.9", "de, *;q=0.1", "en-GB",
    "gu;q=0, pl", " ", "xx-invalid;;q=abc",
])
def test_the_browsers_language_is_what_werkzeug_would_choose(header):
    languages = ("en", "ur", "pl", "gu")
    expected = parse_accept_header(header, LanguageAccept).best_match(languages) or "en"
    assert browser_language(header, languages) == expected


def test_raw_headers_reach_the_response_and_its_error_page(make_app, app):
    application = make_app()

    @application.get("/raw-headers/<int:status>")
    @public
    def raw_headers(status: int):
        add_raw_headers([("X-Sample-Count", "7")])
        add_raw_headers([("X-Sample-Other", "8")])
        if status != 200:
            abort(status)
        return "ok"

    client = application.test_client()
    ok = client.get("/raw-headers/200")
    assert (ok.headers["X-Sample-Count"], ok.headers["X-Sample-Other"]) == ("7", "8")
    assert ok.headers["X-Frame-Options"] == "DENY"  # the middleware's own headers stay
    refused = client.get("/raw-headers/429")
    assert refused.status_code == 429 and refused.headers["X-Sample-Count"] == "7"
    assert "X-Sample-Count" not in client.get("/healthz").headers
