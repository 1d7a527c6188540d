"""My certificates and the downloads of a certificate's PDF and credential."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import NamedTuple

from flask import abort, render_template
from flask_login import current_user
from sqlalchemy import bindparam, select

from lms.db import db, utcnow
from lms.directread import DirectRead
from lms.errors import abort_with
from lms.permissions import login_required

from ..models import Certificate, certificate_status
from ..permissions import can_see
from . import bp
from .common import download


class CertificateRow(NamedTuple):
    """What the learner's lists show of a certificate."""

    code: str
    course_title: str
    issued_dt: dt.datetime
    #: Set once the PDF is stored (the download link shows then).
    pdf_sha256: str | None
    revoked_dt: dt.datetime | None
    valid_until: dt.datetime | None

    def status(self, now: dt.datetime | None = None) -> str:
        """``valid``, ``revoked`` or ``expired`` at ``now`` (as :meth:`Certificate.status`)."""
        return certificate_status(self.revoked_dt, self.valid_until, now or utcnow())


def my_certificates(user_id: int) -> list[CertificateRow]:
    """The learner's certificates, newest first (one query).

    Read directly on the session's connection (:mod:`lms.directread`): every
    dashboard asks, and SQLAlchemy's execution machinery cost more than the query.
    """
    return [CertificateRow._make(row) for row in _my_certificates_read().in_session(
        user_id=user_id)]


@cache
def _my_certificates_read() -> DirectRead:
    """The statement of :func:`my_certificates`, built once per process (building it cost
    more than running it)."""
    return DirectRead(
        select(*(getattr(Certificate, name) for name in CertificateRow._fields))
        .where(Certificate.user_id == bindparam("user_id"))
        .order_by(Certificate.issued_dt.desc())
    )


def for_course(course_slug: str) -> list[Certificate]:
    """The current user's certificates for one course, newest first (the completion page)."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == current_user.id,
                   Certificate.course_slug == course_slug)
            .order_by(Certificate.issued_dt.desc())
        )
    )


def dashboard_data() -> list[CertificateRow]:
    """For the dashboard slot (a template global)."""
    return my_certificates(current_user.id)


@bp.route("/my")
@login_required
def my():
    """The learner's certificates with their downloads and verification links."""
    return render_template(
        "certificates/my.html", certificates=my_certificates(current_user.id)
    )


def _visible(code: str) -> Certificate:
    """The certificate for its owner, tutors and admins; 404 for anyone else, as if absent."""
    cert = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if cert is None or not can_see(cert):
        abort(404)
    return cert


@bp.route("/<code>/certificate.pdf")
@login_required
def pdf(code: str):
    """The stored PDF, byte for byte as rendered."""
    cert = _visible(code)
    if cert.pdf is None:
        abort_with(503, "The PDF is being prepared. Please try again in a minute.")
    return download(cert.pdf, "application/pdf", f"certificate-{cert.code}.pdf")


@bp.route("/<code>/credential.json")
@login_required
def credential(code: str):
    """The signed credential, byte for byte as issued."""
    cert = _visible(code)
    return download(
        cert.credential_json.encode("utf-8"), "application/json", f"credential-{cert.code}.json"
    )
