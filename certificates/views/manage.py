"""Certificates for tutors (see their learners'), certificate officers and admins (list,
revoke, re-render, correct: never their own); validity settings."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.db import db
from lms.permissions import require

from .. import operations as ops
from ..forms import ConfirmForm, CorrectForm, RevokeForm, ValidityForm
from ..models import Certificate, CourseSetting
from ..permissions import (
    CERTIFICATES_CORRECT,
    CERTIFICATES_RERENDER,
    CERTIFICATES_REVOKE,
    CERTIFICATES_SETTINGS,
    CERTIFICATES_VIEW_ANY,
    may_amend,
    own_certificate_refusal,
    visible_certificates,
)
from . import bp

PAGE = 100


def _cert(code: str) -> Certificate:
    cert = db.session.scalar(
        visible_certificates().where(Certificate.code == code)
    )
    if cert is None:
        abort(404)
    return cert


@bp.route("/manage")
@require(CERTIFICATES_VIEW_ANY)
def manage():
    """Certificates of the learners the user may see, newest first, by course."""
    course = request.args.get("course", "").strip()
    query = visible_certificates().order_by(Certificate.issued_dt.desc()).limit(PAGE)
    if course:
        query = query.where(Certificate.course_slug == course)
    return render_template(
        "certificates/manage/list.html",
        certificates=db.session.scalars(query).all(),
        course=course,
    )


def _detail_page(cert: Certificate, status: int = 200, **forms):
    """The certificate's page with the forms the user may use on it."""
    forms.setdefault("revoke_form", RevokeForm(prefix="revoke", formdata=None))
    forms.setdefault("rerender_form", ConfirmForm(prefix="rerender", formdata=None))
    forms.setdefault("correct_form", CorrectForm(prefix="correct", formdata=None,
                                                 learner_name=cert.learner_name))
    return render_template(
        "certificates/manage/detail.html",
        cert=cert,
        own_refusal=own_certificate_refusal(cert.user_id, current_user.id),
        may={name: may_amend(cert, permission) for name, permission in (
            ("correct", CERTIFICATES_CORRECT), ("rerender", CERTIFICATES_RERENDER),
            ("revoke", CERTIFICATES_REVOKE))},
        replaces=db.session.scalar(
            select(Certificate).where(Certificate.replaced_by_id == cert.id)
        ),
        replaced_by=db.session.get(Certificate, cert.replaced_by_id)
        if cert.replaced_by_id else None,
        **forms,
    ), status


@bp.route("/manage/<code>")
@require(CERTIFICATES_VIEW_ANY)
def detail(code: str):
    return _detail_page(_cert(code))


def _refused(cert: Certificate, message: str, status: int = 400, **forms):
    """Nothing changes; the certificate's page says why, with ``forms`` as they were sent
    (nothing typed is lost)."""
    db.session.rollback()
    flash(message, "error")
    return _detail_page(cert, status, **forms)


def _own(cert: Certificate) -> str | None:
    """Why the current user may not act on ``cert`` (their own), or None."""
    return own_certificate_refusal(cert.user_id, current_user.id)


@bp.route("/manage/<code>/revoke", methods=["POST"])
@require(CERTIFICATES_REVOKE)
def revoke(code: str):
    cert = _cert(code)
    if refusal := _own(cert):
        return _refused(cert, refusal, 403)
    form = RevokeForm(prefix="revoke")
    if form.validate_on_submit():
        try:
            ops.revoke(cert, form.reason.data, current_user.id)
        except ops.CertificateError as exc:
            return _refused(cert, str(exc), revoke_form=form)
        db.session.commit()
        flash(_("The certificate is revoked."), "success")
        return redirect(url_for("certificates.detail", code=code))
    return _detail_page(cert, 400, revoke_form=form)


@bp.route("/manage/<code>/rerender", methods=["POST"])
@require(CERTIFICATES_RERENDER)
def rerender(code: str):
    cert = _cert(code)
    if refusal := _own(cert):
        return _refused(cert, refusal, 403)
    if ConfirmForm(prefix="rerender").validate_on_submit():
        try:
            ops.rerender(cert, actor_id=current_user.id)
        except ops.CertificateError as exc:
            return _refused(cert, str(exc))
        db.session.commit()
        flash(_("A new PDF was rendered from the same credential."), "success")
    return redirect(url_for("certificates.detail", code=code))


@bp.route("/manage/<code>/correct", methods=["POST"])
@require(CERTIFICATES_CORRECT)
def correct(code: str):
    """Correct the holder's name: a new certificate, the old one revoked. Only the
    name is read from the form; the course and the dates stay as earned."""
    cert = _cert(code)
    if refusal := _own(cert):
        return _refused(cert, refusal, 403)
    form = CorrectForm(prefix="correct")
    if form.validate_on_submit():
        try:
            new = ops.correct(cert, learner_name=form.learner_name.data,
                              reason=form.reason.data, actor_id=current_user.id)
        except ops.CertificateError as exc:
            return _refused(cert, str(exc), correct_form=form)
        db.session.commit()
        flash(_("A corrected certificate was issued and the old one revoked."), "success")
        return redirect(url_for("certificates.detail", code=new.code))
    return _detail_page(cert, 400, correct_form=form)


@bp.route("/manage/settings", methods=["GET", "POST"])
@require(CERTIFICATES_SETTINGS)
def settings():
    """Per-course validity periods."""
    form = ValidityForm()
    if form.validate_on_submit():
        ops.set_validity(form.course_slug.data.strip(), form.validity_months.data, current_user.id)
        db.session.commit()
        flash(_("Saved. New certificates of this course use this validity."), "success")
        return redirect(url_for("certificates.settings"))
    rows = db.session.scalars(select(CourseSetting).order_by(CourseSetting.course_slug)).all()
    return render_template("certificates/manage/settings.html", form=form, rows=rows), (
        400 if form.errors else 200
    )
