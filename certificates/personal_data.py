"""What the certificates plugin keeps about people, and its export and erasure (see
:mod:`lms.personal_data`)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import undefer

from lms.db import db
from lms.personal_data import (
    KEPT,
    LEGITIMATE_INTERESTS,
    PSEUDONYMISED,
    ErasureSubject,
    ExportSection,
    Kept,
    PersonalDataProvider,
    TableDeclaration,
    not_personal,
)

from .models import Certificate, CourseTemplate

TABLES = (
    TableDeclaration(
        "certificates_certificate",
        _l("Your certificates: your name, the course, the signed credential and its PDF"),
        purpose=_l("To give you certificates anyone can check at their public address."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Kept, and verifiable, until they expire or are revoked; your email "
                     "address is erased when you close your account."),
        personal=("user_id", "enrolment_id", "learner_name", "learner_email", "final_score",
                  "completed_dt", "credential_json", "pdf", "pdf_sha256", "revoked_by_id",
                  "revoked_reason", "language"),
        other=("id", "code", "course_slug", "course_version", "revision", "course_title",
               "outcomes", "estimated_hours", "issued_dt", "valid_until", "status_index",
               "revoked_dt", "replaced_by_id", "pdf_rendered_dt", "rerendered_dt"),
        on_closure=KEPT,
        closure_note=_l("Certificates already issued stay verifiable with your name, so "
                        "that what you earned can still be checked, unless you choose to "
                        "revoke them; then your name and their PDF are erased and their "
                        "pages say 'revoked'. The credential identifies you only by a salted "
                        "fingerprint of your email address."),
    ),
    TableDeclaration(
        "certificates_course_template", _l("Certificate designs (who last changed one)"),
        purpose=_l("To show who changed a design."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("As long as the design is in use."),
        personal=("updated_by_id",), other=("id", "course_slug", "html", "css", "updated_dt"),
        on_closure=PSEUDONYMISED,
    ),
    not_personal("certificates_course_setting", "id", "course_slug", "validity_months",
                 "updated_dt"),
    not_personal("certificates_status_list", "id", "credential_json", "updated_dt"),
)

REVOKED_ON_CLOSURE = "Revoked at the holder's request when they closed their account."


def _certificates(user_id: int) -> list[Certificate]:
    return list(db.session.scalars(
        select(Certificate).where(Certificate.user_id == user_id)
        .options(undefer(Certificate.credential_json), undefer(Certificate.pdf))
        .order_by(Certificate.id)
    ))


def export(user_id: int) -> list[ExportSection]:
    from .operations import render

    section = ExportSection(
        "certificates", _l("Your certificates"), tables=("certificates_certificate",),
        note=_l("Each certificate's PDF and signed credential are in the certificates folder."),
    )
    for cert in _certificates(user_id):
        if cert.pdf is None:
            render(cert)  # a certificate never downloaded yet: render it once, as downloads do
        section.rows.append({
            "code": cert.code, "course": cert.course_slug, "title": cert.course_title,
            "version": cert.course_version, "name_on_it": cert.learner_name,
            "issued": cert.issued_dt.isoformat(),
            "valid_until": cert.valid_until.isoformat() if cert.valid_until else "",
            "status": cert.status(),
            "pdf": f"certificates/{cert.code}.pdf", "credential": f"certificates/{cert.code}.json",
        })
        section.files[f"certificates/{cert.code}.pdf"] = cert.pdf
        section.files[f"certificates/{cert.code}.json"] = cert.credential_json.encode()
    designs = ExportSection(
        "certificate_designs", _l("Certificate designs you changed last"),
        tables=("certificates_course_template",),
        rows=[{"course": t.course_slug, "changed": t.updated_dt.isoformat()}
              for t in db.session.scalars(
                  select(CourseTemplate).where(CourseTemplate.updated_by_id == user_id)
                  .order_by(CourseTemplate.id))],
    )
    return [section, designs]


def erase(subject: ErasureSubject) -> None:
    """Erase the email snapshot; with ``revoke_certificates``, revoke and erase the name too.

    The audit log's entries about the certificates lose their personal details (the names
    of a correction), wherever the certificate's own name stays.
    """
    from lms import audit

    from .operations import revoke

    certificates = _certificates(subject.user_id)
    audit.erase_personal_about("certificate", [cert.code for cert in certificates])
    for cert in certificates:
        cert.learner_email = ""
        if subject.revoke_certificates:
            if cert.revoked_dt is None:
                revoke(cert, REVOKED_ON_CLOSURE, actor_id=None)
            cert.learner_name = subject.pseudonym
            cert.pdf = cert.pdf_sha256 = None
    db.session.flush()


def kept(user_id: int) -> list[Kept]:
    n = db.session.scalar(
        select(db.func.count()).select_from(Certificate)
        .where(Certificate.user_id == user_id, Certificate.revoked_dt.is_(None))
    )
    if not n:
        return []
    return [Kept(
        ngettext("%(num)d certificate, with your name on its public page",
                 "%(num)d certificates, with your name on their public pages", n),
        _l("So that what you earned can still be checked. You can choose below to revoke "
           "them instead."),
    )]


PROVIDER = PersonalDataProvider(
    owner="certificates", tables=TABLES, export=export, erase=erase, kept=kept,
)
