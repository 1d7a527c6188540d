"""The learner's mail at issue (outbox or SMTP), and certificates outliving their learner."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from certificates import operations
from certificates.models import Certificate
from lms import signals
from lms.accounts.models import User
from lms.db import db as _db

from .conftest import snapshot


def test_issue_mails_the_learner_in_the_same_transaction(app, make_user, complete, outbox):
    user = make_user(name="Mae Jemison", email="mae@example.org")
    cert = complete(user)
    (message,) = outbox()
    assert message.recipient == "mae@example.org"
    assert message.subject == "Your certificate: Co-op Basics"
    assert "Hello Mae Jemison" in message.body
    assert "http://localhost/certificates/my" in message.body
    assert f"http://localhost/certificates/verify/{cert.code}" in message.body
    assert cert.code in message.body


def test_rolled_back_completion_leaves_neither_certificate_nor_mail(app, make_user, outbox):
    user = make_user()
    _db.session.commit()
    signals.course_completed.send(app, completion=snapshot(user))
    assert _db.session.scalars(select(Certificate)).one()
    _db.session.rollback()
    assert _db.session.scalars(select(Certificate)).all() == []
    assert outbox() == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_smtp_failure_keeps_the_certificate_and_the_mail_waits(app, make_app, make_user, outbox):
    from lms.jobs import Job

    user = make_user(email="down@example.org")
    snap, user_id = snapshot(user), user.id
    # Outside a request the test's session takes SQLite's write lock: read first, then end it.
    _db.session.commit()
    down = make_app({"LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": _closed_port(),
                     "LMS_SMTP_TIMEOUT": 2})
    with down.app_context():
        signals.course_completed.send(down, completion=snap)
        _db.session.commit()
    cert = _db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)).one()
    assert cert.pdf_sha256 and cert.credential_json
    (message,) = outbox()
    assert (message.recipient, message.status) == ("down@example.org", "queued")
    job = _db.session.scalars(select(Job)).one()
    assert (job.state, job.attempts) == ("queued", 1)  # tried once, tried again later


class _Collect:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 OK"


def test_smtp_delivers_the_mail(app, make_app, make_user):
    handler = _Collect()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        snap = snapshot(make_user(email="up@example.org"))
        _db.session.commit()
        smtp_app = make_app({"LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": port})
        with smtp_app.app_context():
            signals.course_completed.send(smtp_app, completion=snap)
            _db.session.commit()
    finally:
        controller.stop()
    (envelope,) = handler.envelopes
    assert envelope.rcpt_tos == ["up@example.org"]
    assert b"/certificates/my" in envelope.content


@pytest.mark.parametrize("how", ["orm", "sql"])
def test_deleting_a_learner_keeps_their_certificates(app, make_user, login, complete, how):
    user = make_user(name="Gone Learner", email="gone@example.org")
    cert = complete(user)
    admin = make_user(roles=("admin",))
    other = complete(make_user())
    operations.revoke(other, "Issued by mistake", admin.id)
    _db.session.commit()
    for person in (user, admin):
        if how == "orm":
            _db.session.delete(person)
        else:
            _db.session.execute(User.__table__.delete().where(User.id == person.id))
    _db.session.commit()
    _db.session.expire_all()
    kept = _db.session.get(Certificate, cert.id)
    assert kept.user_id is None
    assert (kept.learner_name, kept.learner_email) == ("Gone Learner", "gone@example.org")
    assert kept.pdf_sha256 and kept.credential_json
    assert _db.session.get(Certificate, other.id).revoked_by_id is None
    # The public record stands: the verification page still answers for it.
    response = app.test_client().get(f"/certificates/verify/{cert.code}")
    assert response.status_code == 200
    assert "Gone Learner" in response.get_data(as_text=True)
    # Nobody inherits the orphan: another learner's My certificates does not list it.
    page = login(make_user()).get("/certificates/my").get_data(as_text=True)
    assert cert.code not in page
