"""The shared pytest fixtures of ``lms.testing`` behave like production requests."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from lms.accounts.operations import create_user


def test_clients_do_not_share_the_signed_in_user(app, make_user, login):
    login(make_user())
    anonymous = app.test_client()
    assert anonymous.get("/account/profile").status_code == 302


def test_requests_see_what_the_test_set_up(app, db, login):
    user = create_user("uncommitted@example.org", "Set Up", "correct horse battery")
    client = login(user)  # the request's own session sees the test's row
    assert "Set Up" in client.get("/account/profile").get_data(as_text=True)


def test_with_client_keeps_the_request_context(client, make_user, login):
    login(make_user(name="Kept Context"), client)
    with client:
        client.get("/account/profile")
        assert request.path == "/account/profile"
        assert current_user.display_name == "Kept Context"
