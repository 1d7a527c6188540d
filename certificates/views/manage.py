"""Tutors and admins: list, revoke, re-render and correct certificates; validity settings."""

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
    CERTIFICATES_MANAGE,
    CERTIFICATES_SETTINGS,
    CERTIFICATES_VIEW_ANY,
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


@bp.route("/manage/<code>")
@require(CERTIFICATES_VIEW_ANY)
def detail(code: str):
    cert = _cert(code)
    return render_template(
        "certificates/manage/detail.html",
        cert=cert,
        revoke_form=RevokeForm(prefix="revoke"),
        rerender_form=ConfirmForm(prefix="rerender"),
        correct_form=CorrectForm(
            prefix="correct", learner_name=cert.learner_name, course_title=cert.course_title
        ),
    )


@bp.route("/manage/<code>/revoke", methods=["POST"])
@require(CERTIFICATES_MANAGE)
def revoke(code: str):
    cert = _cert(code)
    form = RevokeForm(prefix="revoke")
    if form.validate_on_submit():
        try:
            ops.revoke(cert, form.reason.data, current_user.id)
        except ops.CertificateError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("The certificate is revoked."), "success")
        return redirect(url_for("certificates.detail", code=code))
    return render_template(
        "certificates/manage/detail.html", cert=cert, revoke_form=form,
        rerender_form=ConfirmForm(prefix="rerender"),
        correct_form=CorrectForm(prefix="correct", formdata=None,
                                 learner_name=cert.learner_name, course_title=cert.course_title),
    ), 400


@bp.route("/manage/<code>/rerender", methods=["POST"])
@require(CERTIFICATES_MANAGE)
def rerender(code: str):
    cert = _cert(code)
    if ConfirmForm(prefix="rerender").validate_on_submit():
        ops.rerender(cert, actor_id=current_user.id)
        db.session.commit()
        flash(_("A new PDF was rendered from the same credential."), "success")
    return redirect(url_for("certificates.detail", code=code))


@bp.route("/manage/<code>/correct", methods=["POST"])
@require(CERTIFICATES_MANAGE)
def correct(code: str):
    cert = _cert(code)
    form = CorrectForm(prefix="correct")
    if form.validate_on_submit():
        try:
            new = ops.correct(
                cert, learner_name=form.learner_name.data, course_title=form.course_title.data,
                reason=form.reason.data, actor_id=current_user.id,
            )
        except ops.CertificateError as exc:
            flash(str(exc), "error")
            return redirect(url_for("certificates.detail", code=code))
        db.session.commit()
        flash(_("A corrected certificate was issued and the old one revoked."), "success")
        return redirect(url_for("certificates.detail", code=new.code))
    return render_template(
        "certificates/manage/detail.html", cert=cert,
        revoke_form=RevokeForm(prefix="revoke", formdata=None),
        rerender_form=ConfirmForm(prefix="rerender"), correct_form=form,
    ), 400


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
    return render_template("certificates/manage/settings.html", form=form, rows=rows)
