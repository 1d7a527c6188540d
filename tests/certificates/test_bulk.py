"""Bulk issue with the PDFs rendered in worker processes: same PDFs, same guards."""

from __future__ import annotations

import io
import json
import uuid

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from certificates import bulk, operations, pdf
from certificates.design import SAMPLE
from certificates.models import Certificate
from courses.models import Completion
from lms.audit import AuditEvent
from lms.db import db as _db
from lms.db import utcnow


@pytest.fixture()
def reproducible_pdfs(monkeypatch):
    """Fix the two things that differ between two renders of the same page: the XMP
    document id (random) and the embedded fonts' modification time (now)."""
    import fontTools.ttLib.tables._h_e_a_d as head
    import weasyprint.pdf.metadata as metadata

    monkeypatch.setattr(metadata, "uuid4", lambda: uuid.UUID(int=1))
    monkeypatch.setattr(head, "timestampNow", lambda: 3_900_000_000)


def _completions(make_user, make_course, enrol, n):
    course = make_course("co-op-basics", lessons=1, quiz=False)
    for _ in range(n):
        enrolment = enrol(make_user(), course)
        _db.session.add(Completion(enrolment_id=enrolment.id, user_id=enrolment.user_id,
                                   course_id=course.id, course_version=1, completed_dt=utcnow()))
    _db.session.commit()
    return bulk.completions_lacking_certificate("co-op-basics")


def _run(completions, *, workers=2, batch=2):
    summary = bulk.Summary()
    steps = []
    for count in bulk.issue_missing(completions, summary, actor_id=None, workers=workers,
                                    batch=batch):
        _db.session.commit()
        steps.append(count)
    return summary, steps


def _certificates():
    _db.session.expire_all()
    return _db.session.scalars(select(Certificate).order_by(Certificate.id)).all()


def _count(model, *where):
    return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_bulk_pdfs_are_the_single_issue_render_of_each_certificate(
    app, make_user, make_course, enrol, outbox, inline_pool, reproducible_pdfs
):
    completions = _completions(make_user, make_course, enrol, 5)
    summary, steps = _run(completions, batch=2)
    assert (summary.done, summary.skipped) == (5, 0)
    assert steps == [0, 2, 2, 1]  # first the reads, then the batches
    certs = _certificates()
    assert len(certs) == 5
    # Every job is the very function a single issue renders with ...
    assert {fn for fn, _a, _k in inline_pool.jobs} == {pdf.render_pdf}
    for cert in certs:
        # ... and the stored PDF is what rendering the stored certificate gives, byte for byte.
        args, kwargs = operations.render_arguments(cert)
        assert cert.pdf == pdf.render_pdf(*args, **kwargs)
        assert cert.pdf_sha256 and cert.pdf_rendered_dt
    assert len(outbox()) == 5
    assert _count(AuditEvent, AuditEvent.action == "certificates.certificate.issued") == 5
    indexes = [c.status_index for c in certs]
    assert len(set(indexes)) == 5


def test_bulk_issue_in_worker_processes(app, make_user, make_course, enrol):
    completions = _completions(make_user, make_course, enrol, 3)
    summary, _steps = _run(completions, workers=2, batch=2)
    assert summary.done == 3
    for cert in _certificates():
        reader = PdfReader(io.BytesIO(cert.pdf))
        assert reader.attachments["credential.json"] == [cert.credential_json.encode("utf-8")]
        assert cert.code in reader.pages[0].extract_text()
        credential = json.loads(cert.credential_json)
        assert credential["credentialStatus"]["statusListIndex"] == str(cert.status_index)


def test_a_certificate_issued_meanwhile_is_not_issued_twice(
    app, make_user, make_course, enrol, outbox
):
    (completion,) = _completions(make_user, make_course, enrol, 1)
    draft = bulk._Drafts([completion]).draft(completion)
    first = operations.issue(completion, actor_id=None)  # e.g. the learner's own completion
    _db.session.commit()
    assert operations.issue_prepared(draft, b"%PDF-never stored", actor_id=None) is None
    _db.session.commit()
    assert [c.id for c in _certificates()] == [first.id]
    assert len(outbox()) == 1


def test_a_status_index_taken_meanwhile_is_drawn_again(app, make_user, make_course, enrol):
    first, second = _completions(make_user, make_course, enrol, 2)
    drafts = bulk._Drafts([first, second])
    draft = drafts.draft(first)
    args, kwargs = drafts.render_job(draft)
    rendered = pdf.render_pdf(*args, **kwargs)
    other = operations.issue(second, actor_id=None)
    other.status_index = draft.status_index
    _db.session.commit()
    cert = operations.issue_prepared(draft, rendered, actor_id=None)
    _db.session.commit()
    assert cert is not None and cert.status_index != other.status_index
    credential = json.loads(cert.credential_json)
    assert credential["credentialStatus"]["statusListIndex"] == str(cert.status_index)
    # Signed and rendered again: the PDF carries the credential with the new index.
    attached = PdfReader(io.BytesIO(cert.pdf)).attachments["credential.json"]
    assert attached == [cert.credential_json.encode("utf-8")] and cert.pdf != rendered


def test_drafts_draw_status_indexes_not_in_use(app, make_user, make_course, enrol, monkeypatch):
    (completion,) = _completions(make_user, make_course, enrol, 1)
    drafts = bulk._Drafts([completion])
    drafts.taken |= {7, 8}
    draws = iter([7, 8, 7, 9])
    monkeypatch.setattr(bulk.secrets, "randbelow", lambda _n: next(draws))
    assert drafts.draft(completion).status_index == 9
    assert 9 in drafts.taken


def test_a_page_that_fails_to_render_leaves_the_pdf_pending(
    app, make_user, make_course, enrol, outbox, inline_pool, monkeypatch
):
    completions = _completions(make_user, make_course, enrol, 2)
    real = pdf.render_pdf
    bad = completions[0].display_name

    def render_pdf(page, *args, **kwargs):
        if page.learner_name == bad:
            raise ValueError("the template broke")
        return real(page, *args, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", render_pdf)
    summary, _steps = _run(completions)
    assert summary.done == 2
    pending = {c.learner_name: c.pdf_sha256 is None for c in _certificates()}
    assert pending == {bad: True, completions[1].display_name: False}
    assert len(outbox()) == 2
    monkeypatch.undo()  # the template is fixed
    result = app.test_cli_runner().invoke(args=["certificates", "render"])
    assert result.exit_code == 0, result.output
    assert all(c.pdf_sha256 for c in _certificates())


def test_without_workers_each_certificate_is_issued_here(
    app, make_user, make_course, enrol, monkeypatch
):
    completions = _completions(make_user, make_course, enrol, 3)
    monkeypatch.setattr(bulk, "render_pool", None)  # never used
    summary, steps = _run(completions, workers=0, batch=2)
    assert summary.done == 3 and steps == [2, 1]
    assert all(c.pdf_sha256 for c in _certificates())


def test_cli_options(app, make_user, make_course, enrol, inline_pool):
    _completions(make_user, make_course, enrol, 3)
    result = app.test_cli_runner().invoke(
        args=["certificates", "issue", "--course", "co-op-basics", "--workers", "3",
              "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "3 certificates issued, 0 already there." in result.output
    assert len(inline_pool.jobs) == 3


def test_subsetting_shortcut_changes_no_byte(app, reproducible_pdfs, monkeypatch):
    from fontTools import subset

    when = utcnow()  # the attachment's dates
    pdf.render_pdf(SAMPLE, "{}")  # installs the shortcut
    shortcut = subset.Subsetter.subset
    assert shortcut._drops_doomed_tables_first
    fast = pdf.render_pdf(SAMPLE, '{"a": 1}', when=when)
    monkeypatch.setattr(subset.Subsetter, "subset", shortcut.__wrapped__)
    assert pdf.render_pdf(SAMPLE, '{"a": 1}', when=when) == fast
