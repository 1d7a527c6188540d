"""Changes to an issued certificate: re-render its PDF, revoke it, correct it.

A revocation re-signs the status list in the same transaction, so the public
status list and verification page say "revoked" as soon as it commits.

Each refuses a certificate whose holder is the actor (nobody amends their own
record; :func:`~certificates.permissions.own_certificate_refusal`) before
changing anything. A correction changes only the holder's name: what was
earned (the course's title, outcomes, hours, score and dates) is copied from
the first issue of the certificate, which took it from the completed course
version, and never typed.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit, signals
from lms.db import db, lock_for_update, utcnow

from .. import signing
from ..models import STATUS_LIST_ID, Certificate, StatusList
from .issuing import CertificateError, _finish, _place, _refuse_own, render

_STATUS_LOCK = 0x43455254  # "CERT": serialises status list rebuilds on PostgreSQL


def rerender(cert: Certificate, *, actor_id: int | None | bool = True) -> None:
    """Render a new PDF of the same credential (after a template fix).

    :raises CertificateError: ``cert`` is the actor's own.
    """
    _refuse_own(cert.user_id, actor_id)
    render(cert)
    cert.rerendered_dt = cert.pdf_rendered_dt
    db.session.flush()
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
    """Revoke ``cert``: its status bit is set and the page says "revoked" from now on.

    :raises CertificateError: it is revoked already, no reason is given, or it is
        the actor's own.
    """
    _refuse_own(cert.user_id, actor_id)
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


def original(cert: Certificate) -> Certificate:
    """The first issue (revision 1) of ``cert``, following the corrections back.

    Issued from the completion of a course version, it holds what was earned.
    """
    seen = {cert.id}
    while cert.revision > 1:
        previous = db.session.scalar(
            select(Certificate).where(Certificate.replaced_by_id == cert.id)
        )
        if previous is None or previous.id in seen:
            break
        seen.add(previous.id)
        cert = previous
    return cert


def correct(
    cert: Certificate, *, learner_name: str, reason: str, actor_id: int | None
) -> Certificate:
    """Issue a corrected certificate (a new credential) with the holder's name
    ``learner_name`` and revoke ``cert``; return the new one.

    Only the name changes: the course's title, outcomes and hours, the score and
    the dates come from the first issue, as the completed course version gave them.

    :raises CertificateError: it is revoked, the name or the reason is empty, the
        name is unchanged, or it is the actor's own.
    """
    _refuse_own(cert.user_id, actor_id)
    if cert.revoked_dt is not None:
        raise CertificateError(_("A revoked certificate cannot be corrected."))
    name = " ".join(learner_name.split())
    if not name:
        raise CertificateError(_("Give the holder's name."))
    if not reason.strip():
        raise CertificateError(_("Give a reason."))
    if name == cert.learner_name:
        raise CertificateError(_("The name is the same as on the certificate: nothing to "
                                 "correct."))
    earned = original(cert)
    revoke(cert, reason, actor_id)
    new = Certificate(
        user_id=cert.user_id,
        enrolment_id=earned.enrolment_id,
        course_slug=earned.course_slug,
        course_version=earned.course_version,
        revision=cert.revision + 1,
        learner_name=name,
        learner_email=cert.learner_email,
        course_title=earned.course_title,
        outcomes=list(earned.outcomes or ()),
        estimated_hours=earned.estimated_hours,
        final_score=earned.final_score,
        completed_dt=earned.completed_dt,
        issued_dt=utcnow(),
        valid_until=earned.valid_until,
        credential_json="",
        language=cert.language,
    )
    if not _place(new):
        raise CertificateError(_("This certificate was corrected already."))
    cert.replaced_by_id = new.id
    audit.record(
        "certificates.certificate.corrected",
        subject_type="certificate",
        subject_id=cert.code,
        data={"replaced_by": new.code, "reason": reason.strip()},
        # The holder's names are theirs: erasable with the account, out of the hashed data.
        personal={"name_from": cert.learner_name, "name_to": name},
        actor_id=actor_id,
    )
    return _finish(new, actor_id=actor_id)
