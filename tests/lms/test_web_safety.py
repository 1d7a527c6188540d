"""CSRF, security headers, cookies, size limits and error pages."""

from __future__ import annotations

import pytest
from flask import Blueprint, abort

from lms.permissions import public
from lms.testing import csrf_token

from .conftest import html_of

LONG_SECRET = "p" * 48


def assert_in_layout(response, code: int):
    html = html_of(response)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert html.startswith("<!doctype html>")
    assert '<main id="main"' in html
    assert f"Error code {code}" in html
    assert "Traceback" not in html
    assert 'href="#main"' in html  # the skip link of the layout
    return html


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_post_without_csrf_is_a_400_page(client, make_user):
    user = make_user()
    response = client.post("/account/login", data={"email": user.email, "password": "x" * 12})
    html = assert_in_layout(response, 400)
    assert "This form has expired or was sent from another site." in html
    assert_security_headers(response)
    bad_token = client.post("/account/register", data={"csrf_token": "forged"})
    assert_in_layout(bad_token, 400)


def test_csrf_token_from_another_session_is_refused(app, make_user):
    stranger = app.test_client()
    token = csrf_token(stranger, "/account/login")
    victim = app.test_client()
    victim.get("/account/login")
    response = victim.post("/account/reset", data={"email": "a@example.org", "csrf_token": token})
    assert response.status_code == 400


def test_get_never_changes_state(client, make_user, login):
    login(make_user(), client)
    response = client.get("/account/logout")
    assert_in_layout(response, 405)
    assert "POST" in response.headers["Allow"]
    assert "GET" not in response.headers["Allow"]
    assert client.get("/account/profile").status_code == 200  # still logged in


@pytest.mark.parametrize("path", ["/", "/account/login", "/account/register", "/healthz"])
def test_security_headers_on_pages(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(response)
    assert "Strict-Transport-Security" not in response.headers


def test_html_pages_are_not_cached(client):
    assert client.get("/account/login").headers["Cache-Control"] == "no-store"


def test_no_inline_script_in_pages(client, make_user, login):
    login(make_user(roles=("learner", "admin")), client)
    for path in ("/", "/account/profile", "/admin/", "/admin/audit"):
        html = html_of(client.get(path))
        assert "<script>" not in html
        assert " onclick=" not in html
        assert "style=" not in html


def test_session_cookie_flags(client, make_user):
    user = make_user()
    token = csrf_token(client, "/account/login")
    response = client.post(
        "/account/login",
        data={"email": user.email, "password": "correct horse battery", "csrf_token": token},
    )
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lms_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development and tests run over plain http


def test_production_cookies_are_secure(make_app):
    app = make_app({"LMS_ENV": "production", "LMS_SECRET_KEY": LONG_SECRET})
    assert app.config["TESTING"] is False
    response = app.test_client().get("/account/login")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_request_size_limit(make_app, app):
    small = make_app({"LMS_MAX_UPLOAD_BYTES": 2048})
    client = small.test_client()
    token = csrf_token(client, "/account/login")
    response = client.post(
        "/account/login", data={"email": "a" * 5000, "password": "x", "csrf_token": token}
    )
    html = assert_in_layout(response, 413)
    assert "larger than we accept" in html
    assert_security_headers(response)


@pytest.fixture()
def failing_app(make_app, app):
    """An app with routes that fail in each way, and exceptions not propagated."""
    application = make_app({"PROPAGATE_EXCEPTIONS": False})
    bp = Blueprint("test_errors", __name__, url_prefix="/test-errors")

    @bp.route("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    @bp.route("/<int:code>")
    @public
    def fail(code):
        abort(code)

    application.register_blueprint(bp)
    return application


@pytest.mark.parametrize(
    ("code", "text"),
    [
        (400, "We could not understand that request."),
        (403, "Your account does not have permission to see this page."),
        (404, "We could not find that page."),
        (429, "Please wait a minute before trying again."),
    ],
)
def test_error_pages_in_layout(failing_app, code, text):
    response = failing_app.test_client().get(f"/test-errors/{code}")
    html = assert_in_layout(response, code)
    assert text in html
    assert_security_headers(response)


def test_unknown_page_and_wrong_method(client):
    assert "We could not find that page." in assert_in_layout(client.get("/no/such/page"), 404)
    assert_in_layout(client.put("/account/login"), 405)


def test_500_page_shows_no_traceback(failing_app, caplog):
    response = failing_app.test_client().get("/test-errors/boom")
    html = assert_in_layout(response, 500)
    assert "Something went wrong on our side." in html
    assert "hunter2" not in html
    assert "RuntimeError" not in html
    assert_security_headers(response)
    assert "unhandled error on GET /test-errors/boom" in caplog.text  # but it is logged


def test_errors_answer_json_to_json_clients(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Page not found"
