"""Tokens authenticate, are scoped, expire, are revoked and rate limited; errors keep one shape."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from lms.api.models import ApiToken
from lms.api.tokens import digest
from lms.audit import AuditEvent
from lms.db import db, utcnow

from .conftest import bearer


def _error_shape(response, status, code):
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()
    assert body["status"] == status
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_me_answers_the_token_owner(client, make_user, make_token):
    user = make_user(roles=("learner",), name="Ada")
    secret = make_token(user, ["lms:profile:read"])
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json() == {
        "id": user.id, "display_name": "Ada", "roles": ["learner"], "scopes": ["lms:profile:read"]
    }


def test_no_token_bad_token_and_missing_scope(client, make_user, make_token):
    user = make_user()
    _error_shape(client.get("/api/v1/me"), 401, "unauthorized")
    _error_shape(client.get("/api/v1/me", headers=bearer("lmsat_nope")), 401, "invalid_token")
    _error_shape(client.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}), 401,
                 "unauthorized")
    secret = make_token(user, ["courses:catalogue:read"])
    body = _error_shape(client.get("/api/v1/me", headers=bearer(secret)), 403,
                        "insufficient_scope")
    assert "lms:profile:read" in body["message"]


def test_a_session_cookie_does_not_open_the_api(client, make_user, login):
    user = make_user()
    signed_in = login(user)
    _error_shape(signed_in.get("/api/v1/me"), 401, "unauthorized")


def test_unknown_path_and_bad_arguments_answer_json(client, make_user, make_token):
    user = make_user()
    secret = make_token(user)
    _error_shape(client.get("/api/v1/nothing-here"), 404, "not_found")
    body = _error_shape(
        client.get("/api/v1/courses/?limit=0", headers=bearer(secret)), 422, "invalid_request"
    )
    assert "limit" in body["errors"]["query"]
    _error_shape(client.post("/api/v1/me", headers=bearer(secret)), 405, "method_not_allowed")



def test_limit_takes_ascii_digits_only(client, make_user, make_token):
    """Python's int() also reads other scripts' digits, a sign, spaces and underscores: each
    is refused as any bad value is; plain digits work, leading zeros too."""
    secret = make_token(make_user())
    for raw in ("５", "٥", "+5", "-5", " 5", "5 ", "5_0", "1e2", "0x5", "", "9" * 5000):
        body = _error_shape(client.get("/api/v1/courses/", query_string={"limit": raw},
                                       headers=bearer(secret)), 422, "invalid_request")
        assert list(body["errors"]["query"]) == ["limit"], raw
    for raw in ("5", "005", "100"):
        response = client.get("/api/v1/courses/", query_string={"limit": raw},
                              headers=bearer(secret))
        assert response.status_code == 200, raw
    body = _error_shape(client.get("/api/v1/courses/?limit=12345678901234567890",
                                   headers=bearer(secret)), 422, "invalid_request")
    assert body["errors"]["query"]["limit"] == [
        "Must be greater than or equal to 1 and less than or equal to 100."]

def test_the_token_is_stored_hashed(app, make_user, make_token):
    user = make_user()
    secret = make_token(user)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert secret.startswith("lmsat_") and len(secret) > 40
    assert row.token_hash == digest(secret) and secret not in (row.token_hash, row.prefix)


def test_expired_and_switched_off_tokens_stop_working(client, make_user, make_token):
    user = make_user()
    secret = make_token(user)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    row.created_dt = utcnow() - dt.timedelta(days=40)
    row.expires_dt = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    _error_shape(client.get("/api/v1/me", headers=bearer(secret)), 401, "invalid_token")
    other = make_user()
    secret = make_token(other)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    other.is_active_account = False
    db.session.commit()
    _error_shape(client.get("/api/v1/me", headers=bearer(secret)), 401, "invalid_token")


def test_tokens_stop_while_the_account_is_being_closed_and_work_again_if_cancelled(
    client, make_user, make_token, login
):
    """The close page says the person is signed out everywhere: their tokens too, for
    the grace period; signing in cancels the closure, and the same token works again."""
    from lms.personal_data.models import DataRequest
    from lms.testing import TEST_PASSWORD, csrf_token

    user = make_user(email="tess@example.org")
    secret = make_token(user)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    browser = login(user)
    closed = browser.post("/account/close", data={
        "csrf_token": csrf_token(browser, "/account/close"), "password": TEST_PASSWORD})
    assert closed.status_code == 302
    body = _error_shape(client.get("/api/v1/me", headers=bearer(secret)), 401,
                        "account_closing")
    assert "being closed" in body["message"]
    assert client.get("/api/v1/courses/", headers=bearer(secret)).status_code == 401
    login(user)  # signing in cancels the closure
    assert db.session.scalar(select(DataRequest.state)) == "cancelled"
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200



def test_the_closing_check_writes_its_values_into_the_sql_as_the_partial_index_has_them(app):
    """Bound, SQLite would prepare the token lookup again at every API request (a bound
    value that may match a partial index's WHERE expires the statement when bound anew);
    inline, the planner still picks the partial index of pending closures."""
    from lms.api.tokens import _LOOKUP

    dialect = db.engine.dialect
    compiled = _LOOKUP.statement.compile(dialect=dialect)
    sql = str(compiled)
    assert "lms_data_request.kind = 'closure'" in sql
    assert "lms_data_request.state = 'pending'" in sql
    assert not {"closure", "pending"} & set(map(str, compiled.params.values()))
    if dialect.name == "sqlite":
        raw = db.session.connection().connection.dbapi_connection
        plan = raw.execute("EXPLAIN QUERY PLAN " + sql, [None] * len(compiled.positiontup))
        steps = [row[-1] for row in plan]
        assert any("uq_lms_data_request_pending_closure" in step for step in steps), steps

def test_rate_limit_per_token(make_app, make_user):
    from lms.api import state_of
    from lms.api.tokens import create_token
    from lms.extensions import limiter

    app = make_app({"RATELIMIT_ENABLED": True, "LMS_API_RATE_LIMIT": "3 per minute"})
    with app.app_context():
        limiter.reset()
        user = make_user()
        known = set(state_of(app).scopes)
        _, secret = create_token(user, "t", sorted(known), 7, known_scopes=known)
        _, second = create_token(user, "u", sorted(known), 7, known_scopes=known)
        db.session.commit()
        client = app.test_client()
        codes = [client.get("/api/v1/me", headers=bearer(secret)).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        body = client.get("/api/v1/me", headers=bearer(secret)).get_json()
        assert body["code"] == "rate_limited"
        # Counted per token: another token of the same person is not affected.
        assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200
        limiter.reset()


def test_account_page_makes_shows_once_and_revokes(app, make_user, login):
    user = make_user()
    browser = login(user)
    page = browser.get("/account/tokens/")
    assert page.status_code == 200 and b"Make a token" in page.data
    from lms.testing import csrf_token

    token = csrf_token(browser, "/account/tokens/")
    made = browser.post(
        "/account/tokens/",
        data={"csrf_token": token, "name": "CRM sync", "scopes": ["courses:catalogue:read"],
              "days": "30"},
    )
    assert made.status_code == 200
    secret = re.search(r'value="(lmsat_[A-Za-z0-9_-]+)"', made.get_data(as_text=True))[1]
    listing = browser.get("/account/tokens/").get_data(as_text=True)
    assert "CRM sync" in listing and secret not in listing
    api = app.test_client()
    assert api.get("/api/v1/courses/", headers=bearer(secret)).status_code == 200
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    revoked = browser.post(f"/account/tokens/{row.id}/revoke",
                           data={"csrf_token": csrf_token(browser, "/account/tokens/")})
    assert revoked.status_code == 303
    assert api.get("/api/v1/courses/", headers=bearer(secret)).status_code == 401
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject_type == "api_token")
    ).all()
    assert actions == ["lms.api_token.created", "lms.api_token.revoked"]


def test_account_page_refuses_bad_input_and_others_tokens(app, make_user, login, make_token):
    from lms.testing import csrf_token

    owner = make_user()
    make_token(owner)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == owner.id))
    intruder = login(make_user())
    token = csrf_token(intruder, "/account/tokens/")
    refused = intruder.post(
        "/account/tokens/",
        data={"csrf_token": token, "name": "x", "scopes": ["lms:admin:everything"], "days": "30"},
    )
    assert refused.status_code == 400
    none = intruder.post("/account/tokens/", data={"csrf_token": token, "name": "x", "days": "9"})
    assert none.status_code == 400
    assert b"Choose at least one scope" in none.data
    assert intruder.post(f"/account/tokens/{row.id}/revoke",
                         data={"csrf_token": token}).status_code == 404
    db.session.refresh(row)
    assert row.revoked_dt is None
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id != owner.id)) is None


def test_openapi_document_and_reference(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    doc = spec.get_json()
    assert doc["openapi"] == "3.1.0"
    assert "/api/v1/courses/" in doc["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "GET /api/v1/courses/my/enrolments" in html and "<script" not in html
    assert "courses:progress:read" in html


def test_the_reference_in_another_language_says_it_is_in_english(make_app, tmp_path_factory):
    """Its English (the document's) is marked and laid out left to right, and the page says
    first that the reference is in English; an English page needs no such note."""
    from tests.fresh_catalogues import fresh_pseudo_translations

    app = make_app({"LMS_LANGUAGES": "en,ur", "BABEL_TRANSLATION_DIRECTORIES":
                    fresh_pseudo_translations(tmp_path_factory, "ur")})
    with app.app_context():
        client = app.test_client()
        html = client.get("/api/v1/docs", headers={"Accept-Language": "ur"}).get_data(
            as_text=True)
        assert ('<p class="notice notice-info" role="note">⟦This reference is in English, as '
                "the API's names, descriptions and messages are.⟧</p>") in html
        assert re.search(r'<p lang="en" dir="ltr">\w', html)  # the document's description
        assert ' lang="en">' not in html  # every English part has its direction too
        english = client.get("/api/v1/docs").get_data(as_text=True)
        assert "This reference is in English" not in english

def test_tokens_are_exported_without_their_secret_and_erased(app, make_user, make_token):
    from lms.personal_data import ErasureSubject
    from lms.personal_data.core import erase, export

    user = make_user()
    secret = make_token(user, ["lms:profile:read"])
    [section] = [s for s in export(user.id) if s.key == "api_tokens"]
    assert section.rows[0]["scopes"] == "lms:profile:read"
    assert secret not in str(section.rows) and digest(secret) not in str(section.rows)
    erase(ErasureSubject(user_id=user.id, email=user.email, display_name=user.display_name,
                         pseudonym="Former learner", now=utcnow()))
    assert db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id)) is None


def test_every_error_code_is_documented():
    """docs/api.md § Errors names every code a program may get: the status codes'
    (``lms.api.errors.CODES``) and every ``ApiError`` raised in the packages."""
    from pathlib import Path

    from lms.api.errors import CODES

    root = Path(__file__).resolve().parents[2]
    errors = root.joinpath("docs", "api.md").read_text().split("## Errors", 1)[1]
    errors = errors.split("\n## ", 1)[0]
    raised = set()
    for package in ("lms", "courses", "certificates", "governance"):
        for source in root.joinpath(package).rglob("*.py"):
            raised |= set(re.findall(r'ApiError\(\s*\d+,\s*"([a-z_]+)"', source.read_text()))
    missing = {code for code in {*CODES.values(), *raised} if f"`{code}`" not in errors}
    assert missing == set()


def test_a_control_character_is_a_bad_request(client, make_user, make_token):
    secret = make_token(make_user())
    body = _error_shape(client.get("/api/v1/courses/?after=%C2%85", headers=bearer(secret)),
                        400, "bad_request")
    assert "control characters" in body["message"]


def test_invalid_list_arguments_are_explained_in_the_request_language(
    make_app, make_user, tmp_path
):
    """The 422's field messages are in the language of its ``message``, not always English."""
    from lms.api import state_of
    from lms.api.tokens import create_token
    from lms.testing import PSEUDO_OPEN
    from tests.fresh_catalogues import catalogues_with

    folder = catalogues_with(tmp_path, "pl", "lms/api/__init__.py")
    app = make_app({"LMS_LANGUAGES": "en,pl", "BABEL_TRANSLATION_DIRECTORIES": folder})
    with app.app_context():
        known = set(state_of(app).scopes)
        _, secret = create_token(make_user(), "t", sorted(known), 7, known_scopes=known)
        db.session.commit()
        client = app.test_client()
        polish = {**bearer(secret), "Accept-Language": "pl"}
        for query, field in (("limit=0", "limit"), ("limit=many", "limit"),
                             ("after=" + "x" * 1001, "after")):
            body = _error_shape(client.get(f"/api/v1/courses/?{query}", headers=polish), 422,
                                "invalid_request")
            assert body["message"].startswith(PSEUDO_OPEN)
            [message] = body["errors"]["query"][field]
            assert message.startswith(PSEUDO_OPEN), (query, message)
        english = _error_shape(client.get("/api/v1/courses/?limit=0", headers=bearer(secret)),
                               422, "invalid_request")
        assert english["errors"]["query"]["limit"] == [
            "Must be greater than or equal to 1 and less than or equal to 100."]


def test_a_tokens_name_leaves_the_audit_log_with_the_account(app, make_user):
    """A token's name is the person's own words ("Zed Quorvil's laptop"): the audit entries
    of making and revoking it keep it among the erasable personal details, and the chain
    still verifies once the account is erased."""
    from lms import audit
    from lms.api.tokens import create_token, revoke_token
    from lms.personal_data.drive import erase_user
    from tests.lms.personal_data.helpers import find_text

    user = make_user(name="Zed Quorvil")
    token, _ = create_token(user, "Zed Quorvil's laptop", ["lms:profile:read"], 30,
                            known_scopes={"lms:profile:read"})
    revoke_token(user, token.id)
    db.session.commit()
    entries = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.in_(("lms.api_token.created", "lms.api_token.revoked")))).all()
    assert len(entries) == 2
    assert all(e.personal["fields"] == {"name": "Zed Quorvil's laptop"} for e in entries)
    assert "Quorvil" not in str([e.data for e in entries])

    erase_user(user.id)
    db.session.commit()
    assert find_text(app, "Quorvil") == set()
    assert audit.verify_chain().ok
