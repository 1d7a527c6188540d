"""Public pages: verify a code or a file, the issuer profile and the status list."""

from __future__ import annotations

import json

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.db import db, utcnow
from lms.extensions import limiter
from lms.permissions import public

from .. import signing
from ..forms import VerifyFileForm
from ..models import STATUS_LIST_ID, Certificate, StatusList
from ..operations import normalise_code
from ..verify_file import check_file
from . import bp


def _verify_limit() -> str:
    return current_app.config["CERTIFICATES_VERIFY_LIMIT"]


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def _json(data, status: int = 200, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype=mimetype)


def describe(cert: Certificate | None) -> dict:
    """What the public may know about a certificate: no reason, no email."""
    if cert is None:
        return {"status": "not_found"}
    return {
        "status": cert.status(utcnow()),
        "code": cert.code,
        "learner_name": cert.learner_name,
        "course_title": cert.course_title,
        "course_version": cert.course_version,
        "issuer": current_app.config["LMS_SITE_NAME"],
        "issued": cert.issued_dt.isoformat(),
        "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
        "revoked": cert.revoked_dt.isoformat() if cert.revoked_dt else None,
        "credential": signing.verify_url(cert.code),
    }


@bp.route("/verify")
@public
def verify_form():
    """Type the code printed on a certificate."""
    raw = request.args.get("code", "")
    if raw:
        code = normalise_code(raw)
        if code:
            return redirect(url_for("certificates.verify", code=code))
    return render_template("certificates/verify_form.html", raw=raw, invalid=bool(raw))


@bp.route("/verify/<code>")
@public
@limiter.limit(_verify_limit)
def verify(code: str):
    """The public verification page (JSON to ``Accept: application/json``)."""
    normal = normalise_code(code)
    cert = None
    if normal:
        cert = db.session.scalar(select(Certificate).where(Certificate.code == normal))
    info = describe(cert)
    status = 404 if cert is None else 200
    if _wants_json():
        return _json(info, status)
    return render_template("certificates/verify.html", cert=cert, info=info), status


@bp.route("/verify-file", methods=["GET", "POST"])
@public
@limiter.limit(_verify_limit, methods=["POST"])
def verify_file():
    """Upload a certificate PDF or credential JSON; its signature is checked here."""
    form = VerifyFileForm()
    result = None
    if form.validate_on_submit():
        result = check_file(form.file.data.read())
    return render_template("certificates/verify_file.html", form=form, result=result)


@bp.route("/issuer")
@public
def issuer():
    """The issuer's profile with its public keys as Multikeys (current and retired)."""
    return _json(signing.issuer_profile(), mimetype="application/ld+json")


@bp.route("/status/<int:list_id>")
@public
def status_list(list_id: int):
    """The signed Bitstring Status List credential."""
    if list_id != STATUS_LIST_ID:
        return _json({"error": _("Not found")}, 404)
    row = db.session.get(StatusList, STATUS_LIST_ID)
    text = row.credential_json if row else signing.status_list_credential([])
    return Response(text, mimetype="application/vc+ld+json")
