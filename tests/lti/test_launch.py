"""The Centre as an LTI 1.3 tool, against a platform simulated with real signed id_tokens."""

from __future__ import annotations

import time

import jwt
import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.db import db
from lms.lti.models import LtiAccount

from .conftest import CLAIM, DL, ISSUER


def _launch(client, platform, **claims):
    state, nonce = platform.login(client, "http://localhost/courses/co-op-basics")
    token = platform.id_token(nonce, **claims)
    return client.post("/lti/launch", data={"id_token": token, "state": state}), token, state


def _consent(client):
    page = client.get("/lti/link")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "University VLE" in html and "pat@university.example" in html
    from lms.testing import csrf_token

    return client.post("/lti/link", data={"csrf_token": csrf_token(client, "/lti/link")})


def test_first_launch_links_with_consent_then_lands_in_the_course(
    app, client, platform, make_course
):
    make_course()
    response, _token, _state = _launch(client, platform)
    assert response.status_code == 303 and response.location.endswith("/lti/link")
    assert db.session.scalar(select(LtiAccount)) is None  # nothing before consent
    done = _consent(client)
    assert done.status_code == 303 and done.location.endswith("/courses/co-op-basics")
    user = db.session.scalar(select(User).where(User.email == "pat@university.example"))
    assert user is not None and user.display_name == "Pat Platform"
    page = client.get("/courses/co-op-basics")
    assert "Log out" in page.get_data(as_text=True)
    # The next launch signs straight in, in a fresh browser.
    other = app.test_client()
    again, _, _ = _launch(other, platform)
    assert again.status_code == 303 and again.location.endswith("/courses/co-op-basics")
    assert "Log out" in other.get("/courses/co-op-basics").get_data(as_text=True)


def test_a_launched_name_loses_its_text_direction_controls(client, platform, make_course):
    """The platform's name claim becomes the account's name: an override in it would show
    the name in another order here (the forms refuse one; a claim cannot be asked again)."""
    make_course()
    response, _token, _state = _launch(client, platform, name="Pat\u202e \u2067Platform\u2069")
    assert response.status_code == 303
    assert _consent(client).status_code == 303
    user = db.session.scalar(select(User).where(User.email == "pat@university.example"))
    assert user.display_name == "Pat Platform"


def test_a_replayed_launch_is_refused(client, platform, make_course):
    make_course()
    first, token, state = _launch(client, platform)
    assert first.status_code == 303
    replay = client.post("/lti/launch", data={"id_token": token, "state": state})
    assert replay.status_code == 400
    assert "This launch was refused" in replay.get_data(as_text=True)


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "someone-else"},
        {"exp": int(time.time()) - 60, "iat": int(time.time()) - 600},
        {CLAIM + "deployment_id": "unknown-deployment"},
        {"iss": "https://impostor.example.org"},
        {CLAIM + "version": None},
    ],
    ids=["audience", "expired", "deployment", "issuer", "no-version"],
)
def test_a_launch_that_fails_a_check_is_refused(client, platform, changes):
    response, _, _ = _launch(client, platform, **changes)
    assert response.status_code == 400
    assert "This launch was refused" in response.get_data(as_text=True)
    assert db.session.scalar(select(LtiAccount)) is None


def test_a_tampered_launch_is_refused(client, platform):
    state, nonce = platform.login(client, "http://localhost/courses/co-op-basics")
    header, body, signature = platform.id_token(nonce).split(".")
    forged = jwt.encode({"sub": "admin"}, "x", algorithm="HS256").split(".")[1]
    response = client.post("/lti/launch",
                           data={"id_token": f"{header}.{forged}.{signature}", "state": state})
    assert response.status_code == 400
    # Signed by another key: refused too.
    other_state, other_nonce = platform.login(client, "http://localhost/")
    from .conftest import Platform

    stranger = Platform()
    token = stranger.id_token(other_nonce)
    assert client.post("/lti/launch",
                       data={"id_token": token, "state": other_state}).status_code == 400


def test_a_launch_without_the_login_state_is_refused(app, platform):
    browser = app.test_client()
    state, nonce = platform.login(browser, "http://localhost/")
    elsewhere = app.test_client()  # another browser: no state cookie
    response = elsewhere.post("/lti/launch",
                              data={"id_token": platform.id_token(nonce), "state": state})
    assert response.status_code == 400


def test_deep_linking_returns_a_signed_course_choice(client, platform, make_course):
    make_course(slug="co-op-basics", title="Co-op Basics")
    state, nonce = platform.login(client, "http://localhost/lti/launch")
    token = platform.id_token(nonce, deep_link=True, sub="teacher-1")
    launched = client.post("/lti/launch", data={"id_token": token, "state": state})
    assert launched.status_code == 303 and launched.location.endswith("/lti/link")
    linked = _consent(client)
    assert linked.location.endswith("/lti/deep-link")
    from lms.testing import csrf_token

    picker = client.get("/lti/deep-link").get_data(as_text=True)
    assert "Co-op Basics" in picker
    answer = client.post("/lti/deep-link", data={
        "csrf_token": csrf_token(client, "/lti/deep-link"), "target": "/courses/co-op-basics",
    })
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert f'action="{ISSUER}/deep-link-return"' in html
    response_jwt = html.split('name="JWT" value="', 1)[1].split('"', 1)[0]
    keys = client.get("/lti/jwks.json").get_json()
    public = jwt.algorithms.RSAAlgorithm.from_jwk(keys["keys"][0])
    claims = jwt.decode(response_jwt, public, algorithms=["RS256"], audience=ISSUER)
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["url"] == "http://localhost/courses/co-op-basics"
    assert claims[DL + "data"] == "platform-opaque-data"


def test_the_key_set_is_stable(client):
    first = client.get("/lti/jwks.json").get_json()
    assert first == client.get("/lti/jwks.json").get_json()
    assert first["keys"][0]["kty"] == "RSA" and "d" not in first["keys"][0]


def test_an_admin_registers_a_platform(app, make_user, login):
    from lms.lti.models import LtiPlatform
    from lms.testing import csrf_token

    admin = login(make_user(roles=("learner", "admin")))
    page = admin.get("/admin/lti/")
    assert page.status_code == 200 and "/lti/jwks.json" in page.get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(admin, "/admin/lti/"), "name": "Moodle",
        "issuer": "https://moodle.example.org", "client_id": "abc",
        "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
        "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
        "key_set_url": "https://moodle.example.org/mod/lti/certs.php",
        "deployment_ids": "1  2",
    }
    assert admin.post("/admin/lti/", data=data).status_code == 303
    assert admin.post("/admin/lti/", data=data).status_code == 400  # registered already
    row = db.session.scalar(select(LtiPlatform).where(LtiPlatform.client_id == "abc"))
    assert row.deployment_ids == "1 2"
    learner = login(make_user())
    assert learner.get("/admin/lti/").status_code == 403


def _register(admin, **changes):
    from lms.testing import csrf_token

    data = {
        "csrf_token": csrf_token(admin, "/admin/lti/"), "name": "Moodle",
        "issuer": "https://moodle.example.org", "client_id": "abc",
        "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
        "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
        "key_set_url": "https://moodle.example.org/mod/lti/certs.php",
        "deployment_ids": "1",
        **changes,
    }
    return admin.post("/admin/lti/", data=data)


@pytest.mark.parametrize("field, value, message", [
    ("issuer", "javascript:alert(1)", "Enter a full address starting with https://"),
    ("issuer", "moodle.example.org", "Enter a full address starting with https://"),
    ("issuer", "http://moodle.example.org", "Use an https:// address"),
    ("auth_login_url", "http://moodle.example.org/auth", "Use an https:// address"),
    ("auth_token_url", "file:///etc/passwd", "Enter a full address starting with https://"),
    ("key_set_url", "http://10.0.0.5/jwks", "Use an https:// address"),
    ("key_set_url", "https://moodle.example.org/" + "x" * 500, "longer than 500 characters"),
])
def test_a_platform_needs_https_addresses(app, make_user, login, field, value, message):
    from lms.lti.models import LtiPlatform

    admin = login(make_user(roles=("learner", "admin")))
    response = _register(admin, **{field: value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "Invalid URL" not in html
    assert db.session.scalar(select(LtiPlatform)) is None


@pytest.mark.parametrize("host", ["localhost:8080", "127.0.0.1", "[::1]:8000"])
def test_a_platform_on_this_computer_may_use_http(app, make_user, login, host):
    admin = login(make_user(roles=("learner", "admin")))
    response = _register(admin, issuer=f"http://{host}", auth_login_url=f"http://{host}/auth",
                         auth_token_url=f"http://{host}/token", key_set_url=f"http://{host}/jwks")
    assert response.status_code == 303


def test_an_admin_removes_a_platform_after_confirming(app, client, platform, make_course,
                                                       make_user, login):
    from lms.audit import AuditEvent
    from lms.lti.models import LtiPlatform
    from lms.testing import csrf_token

    make_course()
    _launch(client, platform)
    _consent(client)  # one account linked to the platform
    platform_id = db.session.scalar(select(LtiPlatform.id))
    admin = login(make_user(roles=("learner", "admin")))
    path = f"/admin/lti/{platform_id}/remove"
    assert path in admin.get("/admin/lti/").get_data(as_text=True)
    page = admin.get(path)
    assert page.status_code == 200 and "1 account linked to it" in page.get_data(as_text=True)
    assert db.session.scalar(select(LtiPlatform)) is not None  # the GET only asks
    assert admin.post(path, data={}).status_code == 400  # no CSRF token: nothing removed
    assert db.session.scalar(select(LtiPlatform)) is not None
    done = admin.post(path, data={"csrf_token": csrf_token(admin, path)})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(LtiPlatform)) is None
    assert db.session.scalar(select(LtiAccount)) is None
    assert db.session.scalar(select(User).where(User.email == "pat@university.example"))
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "lms.lti.platform_removed"))
    assert event.subject_id == str(platform_id) and event.data["issuer"] == ISSUER
    assert admin.get(path).status_code == 404
    learner = login(make_user())
    assert learner.get(path).status_code == 403


@pytest.mark.parametrize(
    ("claims", "name", "email"),
    [
        ({"email": ["pat@university.example"]}, "Pat Platform", ""),
        ({"email": "not-an-email"}, "Pat Platform", ""),
        ({"email": "a" * 400 + "@x.org"}, "Pat Platform", ""),
        ({"email": {"address": "pat@university.example"}}, "Pat Platform", ""),
        ({"name": {"a": 1}}, "", "pat@university.example"),
        ({"name": ["Pat", "Platform"], "given_name": "Pat"}, "Pat", "pat@university.example"),
        ({"name": "P" * 121}, "", "pat@university.example"),
        ({"name": "  \u202e "}, "", "pat@university.example"),
        ({"email": "  Pat@University.example "}, "Pat Platform", "pat@university.example"),
    ],
    ids=["email-list", "email-text", "email-too-long", "email-object", "name-object",
         "name-list-given-name", "name-too-long", "name-only-controls", "email-spaced"],
)
def test_a_claim_that_is_not_one_valid_value_is_not_given(client, platform, make_course,
                                                          claims, name, email):
    """A platform's name or email claim becomes an account's only if it is one string the
    registration form would take: anything else is treated as not given (never stored as
    the text of a list, never cut to fit)."""
    from lms.lti.views import PENDING_COOKIE, _serializer

    make_course()
    response, _token, _state = _launch(client, platform, **claims)
    assert response.status_code == 303 and response.location.endswith("/lti/link")
    cookie = client.get_cookie(PENDING_COOKIE)
    pending = _serializer().loads(cookie.value)
    assert (pending["name"], pending["email"]) == (name, email)
    page = client.get("/lti/link").get_data(as_text=True)
    assert "[" not in page.split("Your email address there", 1)[1].split("</dd>", 1)[0]
    from lms.testing import csrf_token

    linked = client.post("/lti/link", data={"csrf_token": csrf_token(client, "/lti/link")})
    if not email:
        # No address: no account is made; the person signs in to link their own.
        assert linked.status_code == 400
        assert db.session.scalar(select(User)) is None
        assert "did not share one" in page
    else:
        user = db.session.scalar(select(User))
        assert (user.email, user.display_name) == (email, name or email)


def test_an_account_is_never_made_with_an_invalid_address(app):
    """The one rule for every account's address, in the operation itself."""
    from lms.accounts import operations as accounts

    with app.test_request_context(method="POST"):
        for bad in ("not-an-email", "a" * 400 + "@x.org", "two@@example.org", ""):
            with pytest.raises(accounts.AccountError, match="Enter an email address"):
                accounts.create_user(bad, "Some One", None)
        with pytest.raises(accounts.AccountError, match="Enter an email address"):
            accounts.create_invited_users([("ok@example.org", "Ok"), ("nope", "Nope")])
    assert db.session.scalar(select(User)) is None


def test_a_launch_during_the_closure_grace_period_cancels_the_closure(
    app, client, platform, make_course, outbox
):
    """Signing in by a launch is signing in: the closure's pages and receipt promise that
    signing in before the date calls it off, whichever way the person signs in."""
    from lms.personal_data.models import DataRequest
    from lms.testing import csrf_token

    make_course()
    _launch(client, platform)
    assert _consent(client).status_code == 303
    user = db.session.scalar(select(User))
    from lms.personal_data import operations as data_ops

    with app.test_request_context(method="POST"):
        data_ops.record_closure(
            user, requested_by=_admin(), channel="email", note="asked by email",
            revoke_certificates=False)
    db.session.commit()
    other = app.test_client()
    response, _, _ = _launch(other, platform)
    assert response.status_code == 303 and response.location.endswith("/courses/co-op-basics")
    request = db.session.scalar(select(DataRequest))
    db.session.refresh(request)
    assert request.state == "cancelled"
    page = other.get("/courses/co-op-basics").get_data(as_text=True)
    assert "Welcome back: your account will not be closed." in page
    assert "Your account is being closed" not in other.get("/account/close").get_data(
        as_text=True)
    assert csrf_token(other, "/account/close")  # signed in, the close page offers to close


def _admin():
    from lms.accounts import operations as accounts

    return accounts.create_user("admin.a@example.org", "Admin A", "correct horse battery",
                                roles=("learner", "admin"))


def test_an_account_made_by_a_launch_is_not_erased_as_never_used(app, client, platform,
                                                                  make_course):
    """An account made at a first launch has no password: signing in by launches is its use,
    so the retention rule for invitations nobody took up leaves it alone."""
    import datetime as dt

    from sqlalchemy import update

    from lms.db import utcnow
    from lms.personal_data import operations as data_ops

    make_course()
    _launch(client, platform)
    _consent(client)
    long_ago = utcnow() - dt.timedelta(days=400)
    db.session.execute(update(User).values(created_dt=long_ago))
    db.session.commit()
    with app.test_request_context(method="POST"):
        data_ops.run_retention()
    db.session.commit()
    user = db.session.scalar(select(User))
    assert user.email == "pat@university.example" and user.last_login_dt is not None


def test_an_account_made_by_a_launch_is_offered_a_password_before_closing(
    client, platform, make_course, outbox
):
    """It has no password, so the close page cannot be confirmed with one: it says so and
    sends the person to set one (the emailed link proves the address is theirs)."""
    from lms.personal_data.models import DataRequest
    from lms.testing import csrf_token

    make_course()
    _launch(client, platform)
    _consent(client)
    page = client.get("/account/close").get_data(as_text=True)
    assert "Your account has no password" in page
    assert 'href="/account/reset"' in page and 'name="password"' not in page
    # The page to ask for the link knows who is asking.
    assert 'value="pat@university.example"' in client.get("/account/reset").get_data(
        as_text=True)
    # A form sent anyway (an old page, a script) is refused with the same advice.
    refused = client.post("/account/close", data={
        "csrf_token": csrf_token(client, "/account/data"), "password": "anything at all"},
        follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert "Your account has no password yet." in html and "not correct" not in html
    assert db.session.scalar(select(DataRequest)) is None and outbox() == []


def test_a_login_for_an_unregistered_client_id_is_refused(client, platform):
    """Never sent on to the platform with the registered client's id instead."""
    response = client.get("/lti/login", query_string={
        "iss": ISSUER, "login_hint": "user-1", "target_link_uri": "http://localhost/",
        "client_id": "nope"})
    assert response.status_code == 400
    assert "client ID the Centre has not registered" in response.get_data(as_text=True)
    # Without a client id (it is optional) the issuer's one registration is found.
    without = client.get("/lti/login", query_string={
        "iss": ISSUER, "login_hint": "user-1", "target_link_uri": "http://localhost/"})
    assert without.status_code == 302 and "client_id=centre-tool" in without.location


def test_two_registrations_of_one_issuer_are_told_apart_by_client_id(client, platform):
    from lms.lti.models import LtiPlatform

    from .conftest import CLIENT_ID

    db.session.add(LtiPlatform(
        name="Second tool", issuer=ISSUER, client_id="second-tool",
        auth_login_url=f"{ISSUER}/auth2", auth_token_url=f"{ISSUER}/token",
        key_set_url=f"{ISSUER}/jwks", deployment_ids="deployment-2"))
    db.session.commit()
    for client_id, auth in ((CLIENT_ID, "/auth?"), ("second-tool", "/auth2?")):
        response = client.get("/lti/login", query_string={
            "iss": ISSUER, "login_hint": "u", "target_link_uri": "http://localhost/",
            "client_id": client_id})
        assert response.status_code == 302 and auth in response.location
        assert f"client_id={client_id}" in response.location
    assert client.get("/lti/login", query_string={
        "iss": ISSUER, "login_hint": "u", "client_id": "nope"}).status_code == 400
