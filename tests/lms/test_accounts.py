"""Registering, logging in and out, sessions, passwords and the profile."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms.accounts.models import User
from lms.accounts.operations import find_user_by_email
from lms.audit import AuditEvent
from lms.testing import TEST_PASSWORD, csrf_token

from .conftest import html_of

NEW_PASSWORD = "a brand new passphrase"
WRONG_LOGIN = "The email address or password is not correct."


def register(client, **fields):
    data = {
        "display_name": "Ada Lovelace",
        "email": "ada@example.org",
        "password": "analytical engine",
        "confirm": "analytical engine",
        "csrf_token": csrf_token(client, "/account/register"),
        **fields,
    }
    return client.post("/account/register", data=data)


def post_login(client, email, password=TEST_PASSWORD, headers=None, **extra):
    token = csrf_token(client, "/account/login")
    return client.post(
        "/account/login",
        data={"email": email, "password": password, "csrf_token": token, **extra},
        headers=headers,
    )


def is_logged_in(client) -> bool:
    response = client.get("/account/profile")
    if response.status_code == 302:
        assert urlsplit(response.location).path == "/account/login"
        return False
    assert response.status_code == 200
    return True


def test_register_creates_a_learner_and_logs_in(client, db):
    response = register(client, email="  Ada@Example.ORG ")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/"
    user = db.session.scalar(select(User))
    assert user.email == "ada@example.org"  # normalised
    assert user.role_names == {"learner"}
    assert user.password_hash.startswith("$argon2id$")
    assert "analytical" not in user.password_hash
    assert "Welcome, Ada Lovelace" in html_of(client.get("/"))
    assert db.session.scalar(select(AuditEvent.action)) == "lms.user.registered"


@pytest.mark.parametrize(
    ("fields", "messages"),
    [
        (
            {"display_name": "", "email": "", "password": "", "confirm": ""},
            ["Enter your name.", "Enter your email address.", "Choose a password."],
        ),
        ({"email": "not-an-email"}, ["Enter an email address like name@example.org."]),
        ({"password": "short", "confirm": "short"}, ["Use at least 10 characters."]),
        ({"confirm": "something else"}, ["The two passwords do not match."]),
    ],
)
def test_register_validation_messages(client, db, fields, messages):
    response = register(client, **fields)
    assert response.status_code == 200
    html = html_of(response)
    for message in messages:
        assert message in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(User)) is None


BIDI_MESSAGE = "Remove the invisible text-direction characters from the name"


@pytest.mark.parametrize("name", ["Ada\u202e Lovelace", "\u202aAda\u202c", "\u2066Ada\u2069"])
def test_register_refuses_text_direction_controls_in_the_name(client, db, name):
    response = register(client, display_name=name)
    assert response.status_code == 200
    assert BIDI_MESSAGE in html_of(response)
    assert db.session.scalar(select(User)) is None


@pytest.mark.parametrize("name", ["مریم خان", "אדה לאבלייס", "Ada \u200fLovelace"])
def test_register_accepts_right_to_left_names(client, db, name):
    assert register(client, display_name=name).status_code == 302
    assert db.session.scalar(select(User.display_name)) == name


def test_register_duplicate_email_any_case(client, make_user, db):
    make_user(email="taken@example.org")
    response = register(client, email="TAKEN@example.org")
    assert response.status_code == 200
    assert "An account with this email address already exists." in html_of(response)
    assert len(db.session.scalars(select(User)).all()) == 1


def test_login_with_any_case_of_email(client, make_user):
    user = make_user(email="case@example.org")
    response = post_login(client, "CASE@Example.org")
    assert response.status_code == 302
    assert is_logged_in(client)
    assert find_user_by_email(user.email).last_login_dt is not None


# "zoë" typed two ways: one precomposed "ë" (NFC, most keyboards) or "e" plus a combining
# diaeresis (NFD, some macOS and mobile keyboards, text copied from a PDF).
ZOE_NFC = "zo\u00eb@example.org"
ZOE_NFD = "zoe\u0308@example.org"


def test_normalise_email_is_one_form_for_every_way_of_typing_an_address():
    from lms.accounts.operations import normalise_email

    assert normalise_email(ZOE_NFD) == normalise_email(ZOE_NFC) == ZOE_NFC
    assert normalise_email("  ZO\u00cb@Example.ORG ") == ZOE_NFC
    assert normalise_email("ZOE\u0308@example.org") == ZOE_NFC


def test_an_address_typed_decomposed_is_kept_composed_and_signs_in_either_way(client, db):
    assert register(client, email=ZOE_NFD).status_code == 302
    assert db.session.scalar(select(User.email)) == ZOE_NFC
    other = client.application.test_client()
    assert post_login(other, ZOE_NFC, "analytical engine").status_code == 302


def test_an_account_registered_composed_is_found_when_typed_decomposed(client, make_user, db):
    user = make_user(email=ZOE_NFC)
    assert post_login(client, ZOE_NFD).status_code == 302
    assert find_user_by_email(ZOE_NFD).id == user.id
    response = register(client.application.test_client(), email=ZOE_NFD.upper())
    assert "An account with this email address already exists." in html_of(response)
    assert len(db.session.scalars(select(User)).all()) == 1


def test_signing_in_speaks_the_accounts_language_from_the_first_message(client, db, make_user):
    """The login request chose English (the browser's) before anyone was signed in: the
    "logged in" message was flashed in English to someone whose account says Polish."""
    user = make_user(email="polish@example.org")
    user.locale = "pl"
    db.session.commit()
    response = post_login(client, "polish@example.org", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    page = html_of(client.get(response.location, headers={"Accept-Language": "en"}))
    assert "Zalogowano." in page and "You are logged in." not in page


def test_same_message_for_unknown_email_and_wrong_password(app, make_user):
    make_user(email="known@example.org")
    unknown = html_of(post_login(app.test_client(), "nobody@example.org"))
    wrong = html_of(post_login(app.test_client(), "known@example.org", "wrong password!"))
    assert WRONG_LOGIN in unknown
    assert WRONG_LOGIN in wrong

    def error_part(html):
        part = html[html.index('<div class="error-summary"') : html.index("</form>")]
        return re.sub(r'value="[^"]*"', "", part)

    assert error_part(unknown) == error_part(wrong)


def test_next_with_a_control_character_is_refused(client, make_user):
    # Control characters never reach the view (lms.input_guard): the page says why.
    response = client.get("/account/login", query_string={"next": "/\tevil"})
    assert response.status_code == 400
    assert "control characters" in html_of(response)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.com",
        "https://evil.com",
        "/\\evil.com",
        "\\\\evil.com",
        "javascript:alert(1)",
        "http:/evil.com",
        "evil.com",
    ],
)
def test_next_only_goes_to_local_paths(client, make_user, target):
    user = make_user()
    page = html_of(client.get("/account/login", query_string={"next": target}))
    assert 'name="next" type="hidden" value=""' in page
    response = post_login(client, user.email, next=target)
    assert response.status_code == 302
    location = urlsplit(response.location)
    assert location.netloc in ("", "localhost")
    assert location.path == "/"


def test_next_to_a_local_path_is_followed(client, make_user):
    user = make_user()
    page = client.get("/account/profile")
    assert page.status_code == 302
    assert urlsplit(page.location).query == "next=/account/profile"
    form = html_of(client.get(page.location))
    assert 'name="next" type="hidden" value="/account/profile"' in form
    response = post_login(client, user.email, next="/account/profile")
    assert response.location == "/account/profile"


def test_session_is_renewed_at_login(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "before login"
    post_login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.session_token}"


def session_cookie(client) -> str:
    return client.get_cookie("lms_session").value


def replay(app, cookie: str):
    """A fresh client that presents a copied session cookie."""
    other = app.test_client()
    other.set_cookie("lms_session", cookie)
    return other


def test_logout_ends_every_session(app, make_user, login):
    user = make_user()
    first = login(user)
    second = login(user, app.test_client())
    copied = session_cookie(first)
    token = csrf_token(first, "/")
    response = first.post("/account/logout", data={"logout-csrf_token": token})
    assert response.status_code == 302
    assert not is_logged_in(first)
    assert not is_logged_in(second)  # other devices are logged out too
    assert not is_logged_in(replay(app, copied))  # an old cookie is refused


def test_logout_needs_post_and_csrf(client, make_user, login):
    login(make_user(), client)
    assert client.get("/account/logout").status_code == 405
    assert is_logged_in(client)
    response = client.post("/account/logout", data={})
    assert response.status_code == 400
    assert is_logged_in(client)


def test_change_password_ends_other_sessions(app, db, make_user, login):
    user = make_user()
    mine = login(user)
    other = login(user, app.test_client())
    copied = session_cookie(other)
    token = csrf_token(mine, "/account/password")
    wrong = mine.post(
        "/account/password",
        data={
            "current": "not my password",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert "Your current password is not correct." in html_of(wrong)
    response = mine.post(
        "/account/password",
        data={
            "current": TEST_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert is_logged_in(mine)  # this device stays logged in, on a new session
    assert not is_logged_in(other)
    assert not is_logged_in(replay(app, copied))
    assert post_login(app.test_client(), user.email).status_code == 200  # old password
    assert post_login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "lms.user.password_changed" in actions



def test_an_account_without_a_password_is_offered_one_not_asked_for_it(app, db, make_user,
                                                                       login):
    """Signed in by a learning platform or an emailed link, the account has no password: the
    page says so and offers to set one; a form sent anyway (an old page) changes nothing."""
    user = make_user()
    client = login(user)
    token = csrf_token(client, "/account/password")
    user.password_hash = None  # as an account made by a launch or an invitation has
    db.session.commit()
    page = html_of(client.get("/account/password"))
    assert "Your account has no password" in page
    assert 'href="/account/reset"' in page and 'name="current"' not in page
    assert 'href="/account/password">Set a password</a>' in html_of(client.get("/account/profile"))
    response = client.post("/account/password", data={
        "current": "anything", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf_token": token})
    assert response.status_code == 303 and response.location.endswith("/account/password")
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None
    assert "not correct" not in html_of(client.get(response.location))
    assert is_logged_in(client)
    # With a password, the page asks for it as before.
    assert 'name="current"' in html_of(login(make_user()).get("/account/password"))

def test_pages_need_login(client):
    for path in ("/account/profile", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302
        assert urlsplit(response.location).path == "/account/login"


def test_profile_edit(client, db, make_user, login):
    user = make_user(name="Old Name")
    login(user, client)
    page = html_of(client.get("/account/profile"))
    assert "Old Name" in page
    token = csrf_token(client, "/account/profile")
    response = client.post(
        "/account/profile",
        data={
            "profile-display_name": "  New Name ",
            "profile-locale": "en",
            "profile-csrf_token": token,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(User, user.id)
    assert (changed.display_name, changed.locale) == ("New Name", "en")
    invalid = client.post(
        "/account/profile",
        data={"profile-display_name": "", "profile-locale": "xx", "profile-csrf_token": token},
    )
    assert "Enter your name." in html_of(invalid)
    assert "Not a valid choice" in html_of(invalid)
    overridden = client.post(
        "/account/profile",
        data={"profile-display_name": "New\u202e Name", "profile-locale": "en",
              "profile-csrf_token": token},
    )
    assert BIDI_MESSAGE in html_of(overridden)
    db.session.expire_all()
    assert db.session.get(User, user.id).display_name == "New Name"


def test_email_change_needs_the_password(client, db, make_user, login):
    user = make_user(email="old@example.org")
    make_user(email="taken@example.org")
    login(user, client)
    token = csrf_token(client, "/account/profile")

    def change(email, password):
        return client.post(
            "/account/profile",
            data={"email-email": email, "email-password": password, "email-csrf_token": token},
        )

    assert "Your current password is not correct." in html_of(
        change("new@example.org", "wrong password")
    )
    assert "already exists" in html_of(change("Taken@example.org", TEST_PASSWORD))
    assert change("New@Example.org", TEST_PASSWORD).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "new@example.org"
    assert post_login(client.application.test_client(), "new@example.org").status_code == 302


def test_login_upgrades_an_outdated_hash(db, make_app, make_user):
    user = make_user()
    assert ",t=1," in user.password_hash
    stronger = make_app({"LMS_ARGON2_TIME_COST": 2})
    assert post_login(stronger.test_client(), user.email).status_code == 302
    db.session.expire_all()
    upgraded = db.session.get(User, user.id).password_hash
    assert upgraded.startswith("$argon2id$")
    assert ",t=2," in upgraded
