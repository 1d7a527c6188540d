"""Changes to an issued certificate: re-render its PDF, revoke it, correct it.

A revocation re-signs the status list in the same transaction, so the public
status list and verification page say "revoked" as soon as it commits.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit, signals
from lms.db import db, lock_for_update, utcnow

from .. import signing
from ..models import STATUS_LIST_ID, Certificate, StatusList
from .issuing import _finish, _place, render

_STATUS_LOCK = 0x43455254  # "CERT": serialises status list rebuilds on PostgreSQL


class CertificateError(ValueError):
    """A change to a certificate is not allowed; the message says why."""


def rerender(cert: Certificate, *, actor_id: int | None | bool = True) -> None:
    """Render a new PDF of the same credential (after a template fix)."""
    render(cert)
    audit.record(
        "certificates.certificate.rerendered",
        subject_type="certificate",
        subject_id=cert.code,
        data={"sha256": cert.pdf_sha256},
        actor_id=actor_id,
    )


def rebuild_status_list() -> None:
    """Re-sign the status list from the revoked certificates and store it."""
    lock_for_update(_STATUS_LOCK)
    revoked = db.session.scalars(
        select(Certificate.status_index).where(Certificate.revoked_dt.is_not(None))
    ).all()
    text = signing.status_list_credential(sorted(revoked))
    row = db.session.get(StatusList, STATUS_LIST_ID)
    if row is None:
        db.session.add(StatusList(id=STATUS_LIST_ID, credential_json=text, updated_dt=utcnow()))
    else:
        row.credential_json = text
        row.updated_dt = utcnow()
    db.session.flush()


def revoke(cert: Certificate, reason: str, actor_id: int | None) -> None:
    """Revoke ``cert``: its status bit is set and the page says "revoked" from now on."""
    if cert.revoked_dt is not None:
        raise CertificateError(_("This certificate is already revoked."))
    reason = reason.strip()
    if not reason:
        raise CertificateError(_("Give a reason."))
    cert.revoked_dt = utcnow()
    cert.revoked_reason = reason
    cert.revoked_by_id = actor_id
    db.session.flush()
    rebuild_status_list()
    audit.record(
        "certificates.certificate.revoked",
        subject_type="certificate",
        subject_id=cert.code,
        data={"reason": reason, "user_id": cert.user_id},
        actor_id=actor_id,
    )
    signals.certificate_revoked.send(
        current_app._get_current_object(),
        certificate_id=cert.id,
        user_id=cert.user_id,
        revoked_dt=cert.revoked_dt,
    )


def correct(
    cert: Certificate, *, learner_name: str, course_title: str, reason: str, actor_id: int | None
) -> Certificate:
    """Issue a corrected certificate (a new credential) and revoke ``cert``."""
    if cert.revoked_dt is not None:
        raise CertificateError(_("A revoked certificate cannot be corrected."))
    revoke(cert, reason, actor_id)
    new = Certificate(
        user_id=cert.user_id,
        enrolment_id=cert.enrolment_id,
        course_slug=cert.course_slug,
        course_version=cert.course_version,
        revision=cert.revision + 1,
        learner_name=learner_name.strip() or cert.learner_name,
        learner_email=cert.learner_email,
        course_title=course_title.strip() or cert.course_title,
        outcomes=list(cert.outcomes or ()),
        estimated_hours=cert.estimated_hours,
        final_score=cert.final_score,
        completed_dt=cert.completed_dt,
        issued_dt=utcnow(),
        valid_until=cert.valid_until,
        credential_json="",
    )
    if not _place(new):
        raise CertificateError(_("This certificate was corrected already."))
    cert.replaced_by_id = new.id
    return _finish(new, actor_id=actor_id)

