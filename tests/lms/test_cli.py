"""``flask lms init`` and ``flask lms create-admin``."""

from __future__ import annotations

from flask import has_app_context
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.accounts.operations import find_user_by_email
from lms.cli import DEMO_ACCOUNTS
from lms.db import db as _db


def invoke(app, *args):
    """Run a command in its own app context, as the real CLI does.

    The test body's transaction ends first: on SQLite it may hold the write lock.
    """
    if has_app_context() and _db.session().in_transaction():
        _db.session.commit()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        _db.session.remove()
    return result


def test_create_admin_makes_a_new_administrator(app, db):
    result = invoke(
        app,
        "lms",
        "create-admin",
        "--email",
        "Boss@Example.org",
        "--name",
        "The Boss",
        "--password",
        "a long admin password",
    )
    assert result.exit_code == 0, result.output
    assert "created administrator boss@example.org" in result.output
    user = find_user_by_email("boss@example.org")
    assert user.role_names == {"learner", "admin"}
    assert user.display_name == "The Boss"


def test_create_admin_promotes_an_existing_account(app, db, make_user):
    user = make_user(email="member@example.org")
    args = (
        "lms",
        "create-admin",
        "--email",
        "member@example.org",
        "--name",
        "x",
        "--password",
        "irrelevant here",
    )
    result = invoke(app, *args)
    assert result.exit_code == 0, result.output
    assert "member@example.org is now an administrator" in result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).role_names == {"learner", "admin"}
    assert "is already an administrator" in invoke(app, *args).output


def test_create_admin_prompts(app, db):
    result = app.test_cli_runner().invoke(
        args=["lms", "create-admin"],
        input="prompted@example.org\nPrompted Person\nprompted password\nprompted password\n",
    )
    assert result.exit_code == 0, result.output
    assert find_user_by_email("prompted@example.org").has_role("admin")


def test_create_admin_refuses_bad_email_and_short_password(app, db):
    bad_email = invoke(
        app,
        "lms",
        "create-admin",
        "--email",
        "not an email",
        "--name",
        "X",
        "--password",
        "a long admin password",
    )
    assert bad_email.exit_code == 2
    assert "Invalid value for --email" in bad_email.output
    short = invoke(
        app,
        "lms",
        "create-admin",
        "--email",
        "short@example.org",
        "--name",
        "X",
        "--password",
        "short",
    )
    assert short.exit_code == 2
    assert "use at least 10 characters" in short.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_init_migrates_and_is_safe_twice(fresh_database_url, make_app):
    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    first = invoke(app, "lms", "init", "--demo")
    assert first.exit_code == 0, first.output
    for email, _name, _roles in DEMO_ACCOUNTS:
        assert f"demo account {email}  password: " in first.output
    assert first.output.rstrip().endswith("database ready")
    # Each step says what it is doing, in order, so a first run is never silent.
    steps = ["migrating the database", "creating the demo accounts...", "setting up courses...",
             "importing the ", "imported ", "setting up the demo group..."]
    positions = [first.output.index(step) for step in steps]
    assert positions == sorted(positions)
    second = invoke(app, "lms", "init", "--demo")
    assert second.exit_code == 0, second.output
    assert "demo accounts already exist" in second.output
    with app.app_context():
        emails = set(_db.session.scalars(select(User.email)))
        admin = find_user_by_email("admin@example.org")
        assert admin.has_role("admin")
        _db.session.remove()
    assert emails == {email for email, _name, _roles in DEMO_ACCOUNTS}


def test_demo_password_works(fresh_database_url, make_app):
    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    output = invoke(app, "lms", "init", "--demo").output
    line = next(li for li in output.splitlines() if li.startswith("demo account tutor@"))
    password = line.rsplit(" ", 1)[1]
    from lms.testing import csrf_token

    client = app.test_client()
    response = client.post(
        "/account/login",
        data={
            "email": "tutor@example.org",
            "password": password,
            "csrf_token": csrf_token(client, "/account/login"),
        },
    )
    assert response.status_code == 302
    # The demo tutor finds the demo group (the courses plugin seeds it with --demo).
    groups = client.get("/courses/cohorts/").get_data(as_text=True)
    assert "Demo group" in groups
