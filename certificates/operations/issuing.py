"""Issuing a certificate: its code, its row, its signed credential, its PDF, its news.

:func:`issue` is what the ``course_completed`` receiver calls; a bulk issue
drafts with :func:`new_certificate` and writes with :func:`issue_prepared`.
Like every operation they check, mutate, flush and send signals, and never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit, signals
from lms.contracts import CompletionSnapshot
from lms.db import db, insert_unless_exists, utcnow
from lms.i18n import in_language_of, recipient_language
from lms.templating import format_day, format_hours

from .. import notify, pdf, signing
from ..design import design_for
from ..models import STATUS_LIST_SIZE, Certificate, CourseSetting
from ..names import name_language
from ..permissions import own_certificate_refusal

log = logging.getLogger(__name__)

class CertificateError(ValueError):
    """A change to a certificate is not allowed; the message says why."""


def _refuse_own(holder_id: int | None, actor_id) -> None:
    """Refuse, before anything changes, a certificate whose holder is the actor."""
    refusal = own_certificate_refusal(holder_id, actor_id)
    if refusal is not None:
        raise CertificateError(refusal)


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARS = 12  # 60 random bits
_ATTEMPTS = 5


def new_code() -> str:
    """A random code like ``7KQ2-M4XD-9TPW`` (Crockford base32, 60 bits)."""
    raw = "".join(secrets.choice(CROCKFORD) for _ in range(CODE_CHARS))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_CHARS, 4))


def normalise_code(text: str) -> str | None:
    """Read a code as a person may type it (any case, spaces, O for 0, I or L for 1)."""
    raw = text.upper().replace("O", "0").replace("I", "1").replace("L", "1")
    raw = "".join(c for c in raw if c not in " -")
    if len(raw) != CODE_CHARS or any(c not in CROCKFORD for c in raw):
        return None
    return "-".join(raw[i : i + 4] for i in range(0, CODE_CHARS, 4))


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    """``when`` plus ``months`` calendar months (the day clamped to the month's end)."""
    month0 = when.month - 1 + months
    year, month = when.year + month0 // 12, month0 % 12 + 1
    for day in range(when.day, 27, -1):
        try:
            return when.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return when.replace(year=year, month=month, day=min(when.day, 28))


def validity_months(course_slug: str) -> int | None:
    return db.session.scalar(
        select(CourseSetting.validity_months).where(CourseSetting.course_slug == course_slug)
    )


def _exists(user_id: int, slug: str, version: int, revision: int) -> bool:
    return (
        db.session.scalar(
            select(Certificate.id).where(
                Certificate.user_id == user_id,
                Certificate.course_slug == slug,
                Certificate.course_version == version,
                Certificate.revision == revision,
            )
        )
        is not None
    )


def _place(cert: Certificate) -> bool:
    """Give ``cert`` a random code and status index and insert it.

    A unique violation is either "this learner has it already" (False) or, very
    rarely, a code or index drawn twice (draw again).
    """
    for _attempt in range(_ATTEMPTS):
        cert.code = new_code()
        cert.status_index = secrets.randbelow(STATUS_LIST_SIZE)
        if insert_unless_exists(cert):
            return True
        if _exists(cert.user_id, cert.course_slug, cert.course_version, cert.revision):
            return False
    raise RuntimeError("could not draw a free certificate code and status index")


def page_data(cert: Certificate) -> pdf.PageData:
    """The printed page's words for ``cert``, in the certificate's language."""
    with in_language_of(cert.language) as lang:
        hours = cert.estimated_hours
        return pdf.PageData(
            lang=lang,
            title=_("Certificate: %(course)s", course=cert.course_title),
            issuer_name=current_app.config["LMS_SITE_NAME"],
            heading=_("Certificate of completion"),
            certifies=_("This certifies that"),
            learner_name=cert.learner_name,
            learner_name_lang=name_language(cert.learner_name, cert.language, lang),
            completed=_("has completed the course"),
            course_title=cert.course_title,
            outcomes=tuple(cert.outcomes or ()),
            # The site's own date format (the pages' ``date`` filter), in the site's zone.
            issued_line=_("Issued on %(date)s", date=format_day(cert.issued_dt)),
            # Babel's unit pattern: the plural for the number, fractions too ("1.5 hours").
            hours_line=_("%(duration)s of study", duration=format_hours(hours)) if hours else "",
            valid_until_line=(
                _("Valid until %(date)s", date=format_day(cert.valid_until))
                if cert.valid_until
                else ""
            ),
            code=cert.code,
            verify_url=signing.verify_url(cert.code),
            qr_alt=_("QR code: scan it to check this certificate at %(url)s",
                     url=signing.verify_url(cert.code)),
        )


def render_arguments(cert: Certificate, design: pdf.Design | None = None) -> tuple[tuple, dict]:
    """The arguments of :func:`certificates.pdf.render_pdf` for ``cert``'s PDF.

    Plain, picklable data: a bulk issue sends them to its worker processes, so
    every PDF comes out of the same function with the same input, wherever it runs.

    :param design: the course's template, if already read (else it is read now).
    """
    if design is None:
        design = design_for(cert.course_slug)
    return (page_data(cert), cert.credential_json), {"design": design, "when": cert.issued_dt}


def set_pdf(cert: Certificate, data: bytes) -> None:
    """Put the rendered PDF and its SHA-256 on ``cert`` (flushed with its next write)."""
    cert.pdf = data
    cert.pdf_sha256 = hashlib.sha256(data).hexdigest()
    cert.pdf_rendered_dt = utcnow()


def render(cert: Certificate) -> None:
    """Render ``cert``'s PDF from its stored credential and store it with its SHA-256."""
    args, kwargs = render_arguments(cert)
    set_pdf(cert, pdf.render_pdf(*args, **kwargs))
    db.session.flush()


def _render_or_leave_pending(cert: Certificate) -> None:
    """Render now; a rendering failure leaves the PDF pending for ``flask certificates render``."""
    try:
        with db.session.begin_nested():
            render(cert)
    except Exception:
        log.exception("rendering certificate %s failed; it stays pending", cert.code)


def new_certificate(
    completion: CompletionSnapshot, *, months: int | None, now: dt.datetime
) -> Certificate:
    """Revision 1 of ``completion``'s certificate, issued at ``now``; not placed yet.

    :param months: the course's validity (see :func:`validity_months`); None: no expiry.
    """
    return Certificate(
        user_id=completion.user_id,
        enrolment_id=completion.enrolment_id,
        course_slug=completion.course_slug,
        course_version=completion.course_version,
        revision=1,
        learner_name=completion.display_name,
        learner_email=completion.email,
        course_title=completion.course_title,
        outcomes=list(completion.outcomes),
        estimated_hours=completion.estimated_hours,
        final_score=completion.final_score,
        completed_dt=completion.completed_dt,
        issued_dt=now,
        valid_until=add_months(now, months) if months else None,
        credential_json="",
        language=recipient_language(completion.language),
    )


def issue(completion: CompletionSnapshot, *, actor_id: int | None | bool = True):
    """Issue the certificate for ``completion``, once; return it, or None if it exists.

    The row, the signed credential and the PDF are written in the caller's
    transaction: the completion and its certificate commit together.

    :param actor_id: who issues it; True (the default) or None: the system, on
        completion or from the CLI.
    :raises CertificateError: the actor is the holder (nobody issues their own).
    """
    _refuse_own(completion.user_id, actor_id)
    cert = new_certificate(
        completion, months=validity_months(completion.course_slug), now=utcnow()
    )
    if not _place(cert):
        return None
    return _finish(cert, actor_id=actor_id)


def issue_prepared(
    cert: Certificate, rendered: bytes | None, *, actor_id: int | None | bool = True
) -> Certificate | None:
    """Issue a certificate drafted, signed and rendered before this transaction.

    A bulk issue drafts each certificate (:func:`new_certificate`, a code and a
    free status index drawn, the credential signed) and renders its PDF in a
    worker process, then writes it here: one insert, and the same audit entry,
    signal and mail as :func:`issue`. The unique constraints guard it as they
    guard :func:`issue`: if the learner has this certificate by now, nothing is
    written and None is returned; if its code or status index was taken in the
    meantime, new ones are drawn and it is signed and rendered again, here.

    :param rendered: the PDF of exactly this credential; None when rendering
        failed, which leaves the PDF pending, as :func:`issue` does.
    :raises CertificateError: the actor is the holder (nobody issues their own).
    """
    _refuse_own(cert.user_id, actor_id)
    if rendered is not None:
        set_pdf(cert, rendered)
    if insert_unless_exists(cert):
        _announce(cert, actor_id=actor_id)
        return cert
    if _exists(cert.user_id, cert.course_slug, cert.course_version, cert.revision):
        return None
    # The PDF embeds the credential, which names the code and status index.
    cert.pdf = cert.pdf_sha256 = cert.pdf_rendered_dt = None
    if not _place(cert):
        return None
    return _finish(cert, actor_id=actor_id)


def _finish(cert: Certificate, *, actor_id) -> Certificate:
    cert.credential_json = signing.sign(cert)
    db.session.flush()
    _render_or_leave_pending(cert)
    _announce(cert, actor_id=actor_id)
    return cert


def _announce(cert: Certificate, *, actor_id) -> None:
    """Record the issue in the audit log, send ``certificate_issued`` and mail the learner."""
    audit.record(
        "certificates.certificate.issued",
        subject_type="certificate",
        subject_id=cert.code,
        data={"user_id": cert.user_id, "course": cert.course_slug,
              "version": cert.course_version, "revision": cert.revision},
        actor_id=actor_id,
    )
    signals.certificate_issued.send(
        current_app._get_current_object(),
        certificate_id=cert.id,
        user_id=cert.user_id,
        course_slug=cert.course_slug,
        code=cert.code,
    )
    notify.tell_learner(cert)


def set_validity(course_slug: str, months: int | None, actor_id: int | None) -> None:
    """Set how long new certificates of a course stay valid (None: for ever)."""
    row = db.session.scalar(select(CourseSetting).where(CourseSetting.course_slug == course_slug))
    if row is None:
        row = CourseSetting(course_slug=course_slug)
        db.session.add(row)
    row.validity_months = months
    row.updated_dt = utcnow()
    db.session.flush()
    audit.record(
        "certificates.validity.set",
        subject_type="course",
        subject_id=course_slug,
        data={"months": months},
        actor_id=actor_id,
    )
