"""Issue on completion: once, in the same transaction, with snapshots that never change."""

from __future__ import annotations

import json
import re
import threading

from sqlalchemy import func, select

from certificates.models import Certificate
from certificates.operations import CROCKFORD
from lms import signals
from lms.audit import AuditEvent
from lms.db import db as _db
from tests.courses.conftest import token

from .conftest import snapshot


def test_completing_a_course_over_http_issues_a_certificate(
    app, make_user, make_course, enrol, login
):
    learner = make_user(name="Ada Lovelace")
    course = make_course("co-op-basics", lessons=1, quiz=False, title="Co-op Basics")
    enrol(learner, course)
    client = login(learner)
    issued = []
    signals.certificate_issued.connect(lambda s, **kw: issued.append(kw), sender=app, weak=False)
    response = client.post(
        "/courses/co-op-basics/learn/l1/complete",
        data={"csrf_token": token(client, "/courses/co-op-basics/learn/l1")},
    )
    assert response.status_code in (200, 302, 303)
    cert = _db.session.scalars(select(Certificate)).one()
    assert cert.learner_name == "Ada Lovelace"
    assert cert.course_title == "Co-op Basics"
    assert cert.pdf_sha256 and cert.pdf.startswith(b"%PDF-")
    assert json.loads(cert.credential_json)["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert issued == [{"certificate_id": cert.id, "user_id": learner.id,
                       "course_slug": "co-op-basics", "code": cert.code}]
    page = client.get("/certificates/my").get_data(as_text=True)
    assert cert.code in page
    home = client.get("/").get_data(as_text=True)
    assert cert.code in home


def test_code_is_long_random_crockford(app, make_user, complete):
    codes = {complete(make_user()).code for _ in range(5)}
    assert len(codes) == 5
    for code in codes:
        assert re.fullmatch(rf"[{CROCKFORD}]{{4}}(-[{CROCKFORD}]{{4}}){{2}}", code)


def test_second_completion_signal_issues_nothing(app, make_user, complete):
    user = make_user()
    first = complete(user)
    assert complete(user).id == first.id
    assert _db.session.scalar(select(func.count(Certificate.id))) == 1
    issued = _db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "certificates.certificate.issued"
        )
    )
    assert issued == 1


def test_twenty_parallel_completions_give_one_certificate(app, make_user):
    user = make_user()
    snap = snapshot(user)
    _db.session.commit()  # the test's own transaction must not hold SQLite's write lock
    barrier = threading.Barrier(20)
    errors = []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                signals.course_completed.send(app, completion=snap)
                _db.session.commit()
                _db.session.remove()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _db.session.scalar(select(func.count(Certificate.id))) == 1


def test_snapshots_survive_later_edits(app, make_user, make_course, enrol, login, complete):
    user = make_user(name="Before Name")
    cert = complete(user, title="Before Title")
    pdf_before, cred_before = cert.pdf, cert.credential_json
    user.display_name = "After Name"
    _db.session.commit()
    _db.session.expire_all()
    cert = _db.session.get(Certificate, cert.id)
    assert cert.learner_name == "Before Name"
    assert cert.course_title == "Before Title"
    assert cert.pdf == pdf_before and cert.credential_json == cred_before
    page = app.test_client().get(f"/certificates/verify/{cert.code}").get_data(as_text=True)
    assert "Before Name" in page and "After Name" not in page


def test_validity_period_sets_valid_until(app, make_user, complete):
    from certificates.operations import set_validity

    set_validity("co-op-basics", 36, None)
    _db.session.commit()
    cert = complete(make_user())
    assert cert.valid_until is not None
    assert (cert.valid_until - cert.issued_dt).days in range(1094, 1098)
    assert "validUntil" in json.loads(cert.credential_json)
