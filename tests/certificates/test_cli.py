"""``flask certificates issue`` and ``render``: bulk, idempotent, resumable."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from certificates.models import Certificate
from courses.models import Completion
from lms.db import db as _db
from lms.db import utcnow


def _completions(make_user, make_course, enrol, n):
    course = make_course("co-op-basics", lessons=1, quiz=False)
    for _ in range(n):
        enrolment = enrol(make_user(), course)
        _db.session.add(Completion(enrolment_id=enrolment.id, user_id=enrolment.user_id,
                                   course_id=course.id, course_version=1, completed_dt=utcnow()))
    _db.session.commit()
    return course


def test_bulk_issue_is_idempotent_and_resumes(app, make_user, make_course, enrol, complete):
    _completions(make_user, make_course, enrol, 3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "issue", "--course", "co-op-basics"])
    assert result.exit_code == 0, result.output
    assert "3 certificates issued" in result.output
    # As if a run had died after one more: delete one, run again; nothing is duplicated.
    _db.session.execute(Certificate.__table__.delete().where(
        Certificate.id == _db.session.scalar(select(func.max(Certificate.id)))))
    _db.session.commit()
    result = runner.invoke(args=["certificates", "issue", "--course", "co-op-basics"])
    assert "1 certificate issued" in result.output
    result = runner.invoke(args=["certificates", "issue", "--course", "co-op-basics"])
    assert "0 certificates issued" in result.output
    assert _db.session.scalar(select(func.count(Certificate.id))) == 3
    assert all(c.pdf_sha256 for c in _db.session.scalars(select(Certificate)))


def test_render_fills_pending_pdfs(app, make_user, complete):
    cert = complete(make_user())
    cert.pdf, cert.pdf_sha256, cert.pdf_rendered_dt = None, None, None
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["certificates", "render"])
    assert result.exit_code == 0, result.output
    _db.session.expire_all()
    assert _db.session.get(Certificate, cert.id).pdf.startswith(b"%PDF-")


def _processes_with(marker: str) -> list[int]:
    """Pids of the processes whose environment holds ``marker`` (Linux's /proc)."""
    from pathlib import Path

    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


def test_bulk_issue_killed_half_way_then_rerun_completes(app, make_user, make_course, enrol,
                                                          outbox):
    """A real ``flask certificates issue`` process, SIGKILLed mid-run, then run again;
    its worker processes end with it."""
    import os
    import secrets
    import subprocess
    import sys
    import time
    from pathlib import Path

    import sqlalchemy as sa

    from lms.audit import AuditEvent
    from lms.mail import OutboxMessage

    total = 40
    _completions(make_user, make_course, enrol, total)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    marker = secrets.token_hex(8)
    env = {
        **os.environ,
        "LMS_ENV": "testing",
        "LMS_DATABASE_URL": url,
        "LMS_INSTANCE_PATH": app.instance_path,
        "LMS_SECRET_KEY": app.config["SECRET_KEY"],
        "LMS_BASE_URL": app.config["LMS_BASE_URL"],
        "LMS_SMTP_HOST": "",
        # Inherited by the workers, so that the test can tell they are gone.
        "CERTIFICATES_TEST_RUN": marker,
    }
    flask = Path(sys.executable).with_name("flask")
    proc = subprocess.Popen(  # noqa: S603 (fixed arguments)
        # Rendered by worker processes (one per CPU), written four at a time.
        [str(flask), "--app", "wsgi", "certificates", "issue", "--course", "co-op-basics",
         "--batch-size", "4"],
        env=env, cwd=Path(__file__).parents[2],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    # A plain DBAPI connection: through SQLAlchemy, lms.db would begin every read with
    # BEGIN IMMEDIATE on SQLite and so hold up the very process being watched.
    watcher = sa.create_engine(url)
    raw = watcher.raw_connection()

    def count() -> int:
        cursor = raw.cursor()
        cursor.execute("SELECT count(*) FROM certificates_certificate")
        (n,) = cursor.fetchone()
        cursor.close()
        raw.rollback()  # a fresh snapshot next time (PostgreSQL)
        return n

    try:
        deadline = time.monotonic() + 60
        seen = 0
        while seen < 5 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
            seen = count()
        assert proc.poll() is None, proc.stderr.read().decode()
        proc.kill()
        proc.wait(timeout=10)
        killed_at = count()
    finally:
        raw.close()
        watcher.dispose()
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert 0 < killed_at < total, "the kill must land half way"

    def whole(expected: int) -> None:
        _db.session.expire_all()
        certs = _db.session.scalars(select(Certificate)).all()
        assert len(certs) == expected
        assert len({c.user_id for c in certs}) == expected  # no duplicates
        for cert in certs:  # each one whole: credential, PDF and its digest together
            assert cert.credential_json.startswith("{")
            assert cert.pdf.startswith(b"%PDF-") and cert.pdf.rstrip().endswith(b"%%EOF")
            assert hashlib.sha256(cert.pdf).hexdigest() == cert.pdf_sha256
        # The mail and the audit entry committed with each certificate, never without it.
        assert _db.session.scalar(select(func.count(OutboxMessage.id))) == expected
        assert _db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "certificates.certificate.issued")) == expected

    whole(killed_at)
    deadline = time.monotonic() + 10
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _processes_with(marker), "the render workers outlived the killed command"
    _db.session.commit()
    result = app.test_cli_runner().invoke(
        args=["certificates", "issue", "--course", "co-op-basics"])
    assert result.exit_code == 0, result.output
    assert f"{total - killed_at} certificates issued, 0 already there." in result.output
    whole(total)
