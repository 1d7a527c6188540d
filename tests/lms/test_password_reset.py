"""Password reset through an emailed single-use link, and real SMTP delivery."""

from __future__ import annotations

import datetime as dt
import email
import re
import socket
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update

from lms.testing import csrf_token
from lms.tokens import OneTimeToken

from .conftest import html_of

NEW_PASSWORD = "reset to something new"


def request_reset(client, address):
    token = csrf_token(client, "/account/reset")
    return client.post("/account/reset", data={"email": address, "csrf_token": token})


def link_path(body: str) -> str:
    match = re.search(r"http://localhost(/account/reset/\S+)", body)
    assert match, body
    return match.group(1)


def choose_password(client, path, form_page=None):
    token = csrf_token(client, form_page or path)
    return client.post(
        path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
    )


def test_reset_by_emailed_link_once(app, client, make_user, login, outbox):
    user = make_user(email="forgetful@example.org")
    old_session = login(user)
    response = request_reset(client, "Forgetful@example.org")
    assert response.status_code == 302
    assert "we have sent it a link" in html_of(client.get(response.location))
    (message,) = outbox()
    assert message.recipient == "forgetful@example.org"
    assert message.subject == "Reset your password"
    path = link_path(message.body)

    assert client.get(path).status_code == 200
    done = choose_password(client, path)
    assert done.status_code == 302
    assert "Your new password is set" in html_of(client.get("/"))
    assert old_session.get("/account/profile").status_code == 302  # sessions ended

    again = choose_password(app.test_client(), path, form_page="/account/reset")
    assert again.status_code == 410
    assert "This link has already been used." in html_of(again)
    assert "This link has already been used." in html_of(app.test_client().get(path))


def test_unknown_address_sends_nothing_but_says_the_same(client, outbox):
    response = request_reset(client, "nobody@example.org")
    assert response.status_code == 302
    assert "we have sent it a link" in html_of(client.get(response.location))
    assert outbox() == []


def test_expired_link_is_refused(client, db, make_user, outbox):
    make_user(email="late@example.org")
    request_reset(client, "late@example.org")
    path = link_path(outbox()[0].body)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db.session.execute(update(OneTimeToken).values(expires_dt=past))
    db.session.commit()
    shown = client.get(path)
    posted = choose_password(client, path, form_page="/account/reset")
    for response in (shown, posted):
        assert response.status_code == 410
        assert "This link has expired." in html_of(response)


def test_unknown_token_is_404(client):
    response = client.get("/account/reset/not-a-real-token")
    assert response.status_code == 404
    assert "This link is not valid." in html_of(response)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collect:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture()
def smtp_server():
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_reset_mail_goes_through_real_smtp(app, make_app, make_user, outbox, smtp_server):
    controller, handler = smtp_server
    smtp_app = make_app({"LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": controller.port})
    make_user(email="smtp@example.org")
    client = smtp_app.test_client()
    assert request_reset(client, "smtp@example.org").status_code == 302
    (envelope,) = handler.envelopes
    assert envelope.rcpt_tos == ["smtp@example.org"]
    message = email.message_from_bytes(envelope.content)
    assert message["To"] == "smtp@example.org"
    assert message["Subject"] == "Reset your password"
    assert "no-reply@localhost" in message["From"]
    path = link_path(message.get_payload(decode=True).decode())
    (row,) = outbox()  # written to the outbox, then sent by the delivery job
    assert (row.status, row.recipient) == ("sent", "smtp@example.org")
    assert message["Message-ID"] == f"<outbox.{row.id}.{int(row.created_dt.timestamp())}@localhost>"
    assert choose_password(client, path).status_code == 302
    assert urlsplit(path).path.startswith("/account/reset/")


def test_mail_server_down_does_not_fail_the_page_and_the_mail_waits(
    app, db, make_app, make_user, outbox
):
    from lms.jobs import Job

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down_app = make_app(
        {"LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": port, "LMS_SMTP_TIMEOUT": 2}
    )
    make_user(email="down@example.org")
    client = down_app.test_client()
    response = request_reset(client, "down@example.org")
    assert response.status_code == 302  # the page does not wait for, or fail with, SMTP
    db.session.expire_all()
    assert db.session.query(OneTimeToken).count() == 1
    (row,) = outbox()
    assert row.status == "queued"  # kept for the next attempt
    (job,) = db.session.query(Job).all()
    assert (job.name, job.state, job.attempts) == ("lms.mail.deliver", "queued", 1)
    assert "cannot reach the mail server" in job.last_error


def test_many_messages_go_over_one_smtp_connection(app, make_app, smtp_server):
    from lms.db import db as _db
    from lms.mail import send_many

    controller, handler = smtp_server
    smtp_app = make_app({"LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": controller.port})
    with smtp_app.app_context():
        send_many([(f"p{n}@example.org", f"Hello {n}", f"Body {n}") for n in range(3)])
        assert handler.envelopes == []  # nothing goes before the transaction commits
        _db.session.commit()
    assert [e.rcpt_tos for e in handler.envelopes] == [
        ["p0@example.org"], ["p1@example.org"], ["p2@example.org"]
    ]
    subjects = [email.message_from_bytes(e.content)["Subject"] for e in handler.envelopes]
    assert subjects == ["Hello 0", "Hello 1", "Hello 2"]
