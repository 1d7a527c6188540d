"""The certificates plugin's API endpoints (``/api/v1/certificates``).

What a token sees is what its owner sees on the pages, through the same
function, :func:`visible_certificates`: their own certificates, their
learners' for tutors (by the cohort directory), every one for admins.
The learner's email address is never part of the answer.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from lms.api import listing, page_of, token_required
from lms.api.errors import ApiError
from lms.api.schemas import page
from lms.db import db, utcnow

from .models import Certificate, certificate_status
from .permissions import visible_certificates

CERTIFICATES_READ = "certificates:certificate:read"
SCOPES = {CERTIFICATES_READ: _l("Read certificates (mine; my learners' for tutors)")}

bp = Blueprint(
    "certificates_api",
    __name__,
    url_prefix="/api/v1/certificates",
    description="Certificates with their verification status.",
)


class CertificateSchema(Schema):
    class Meta:
        title = "Certificate"

    code = fields.String(required=True)
    user_id = fields.Integer(required=True, allow_none=True)
    learner_name = fields.String(required=True)
    course_slug = fields.String(required=True)
    course_title = fields.String(required=True)
    course_version = fields.Integer(required=True)
    completed_dt = fields.DateTime(required=True)
    issued_dt = fields.DateTime(required=True)
    valid_until = fields.DateTime(required=True, allow_none=True)
    status = fields.String(
        required=True, metadata={"description": "valid, revoked or expired, now."}
    )
    verify_url = fields.String(
        required=True, metadata={"description": "The public verification page."}
    )


def _dump(cert: Certificate, now) -> dict:
    return {
        "code": cert.code,
        "user_id": cert.user_id,
        "learner_name": cert.learner_name,
        "course_slug": cert.course_slug,
        "course_title": cert.course_title,
        "course_version": cert.course_version,
        "completed_dt": cert.completed_dt,
        "issued_dt": cert.issued_dt,
        "valid_until": cert.valid_until,
        "status": certificate_status(cert.revoked_dt, cert.valid_until, now),
        "verify_url": url_for("certificates.verify", code=cert.code, _external=True),
    }


@bp.route("/")
@token_required(CERTIFICATES_READ)
@listing(bp, CertificateSchema, "CertificatePage")
def certificates(after, limit):
    """The certificates the token's owner may see, newest first."""
    result = page_of(visible_certificates(), [Certificate.id], (int,), lambda c: (c.id,),
                     after, limit, descending=True, scalars=True)
    now = utcnow()
    return page([_dump(c, now) for c in result.items], result.next_cursor)


@bp.route("/<code>")
@token_required(CERTIFICATES_READ)
@bp.response(200, CertificateSchema)
def certificate(code):
    """One certificate the token's owner may see (404 otherwise, as if it did not exist)."""
    sub = visible_certificates().subquery()
    cert = db.session.scalar(
        select(Certificate).where(Certificate.code == code, Certificate.id.in_(select(sub.c.id)))
    )
    if cert is None:
        raise ApiError(404, "not_found", _l("There is no such certificate."))
    return _dump(cert, utcnow())
