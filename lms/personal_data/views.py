"""Pages: my data (export), closing an account, the privacy page, the admin's requests."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select

from ..accounts.models import User
from ..accounts.operations import find_user_by_email
from ..db import db
from ..permissions import LMS_DATA_REQUESTS_MANAGE, login_required, public, require
from . import operations as ops
from .contract import LAWFUL_BASES, NOT_PERSONAL
from .drive import kept_for
from .forms import CloseAccountForm, ConfirmForm, RecordRequestForm
from .models import CLOSURE, EXPORT, READY, DataRequest, is_pending_closure
from .registry import providers

bp = Blueprint("personal_data", __name__)

#: How many requests the admin page lists per kind (newest first).
ADMIN_LIST = 100


def _my_requests(user_id: int) -> list[DataRequest]:
    return list(db.session.scalars(
        select(DataRequest).where(DataRequest.user_id == user_id)
        .order_by(DataRequest.id.desc()).limit(20)))


@bp.get("/account/data")
@login_required
def my_data():
    """What the person can do with their data: download it, close the account."""
    return render_template("lms/personal_data/my_data.html", form=ConfirmForm(),
                           requests=_my_requests(current_user.id),
                           hours=current_app.config["LMS_DATA_EXPORT_HOURS"])


@bp.post("/account/data/export")
@login_required
def request_export():
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Your session had expired. Please try again."), "error")
        return redirect(url_for(".my_data"))
    try:
        ops.request_export(current_user)
    except ops.DataRequestError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".my_data"))
    db.session.commit()
    flash(_("We are preparing your data. We will email you a link to download it."), "success")
    return redirect(url_for(".my_data"))


def _export_or_404(token: str) -> DataRequest:
    request = ops.export_for_token(token)
    # Someone else's link answers as an unknown one: it says nothing about the person.
    if request is None or not ops.may_download(request, current_user):
        abort(404)
    return request


@bp.route("/account/data/download/<token>", methods=["GET", "POST"])
@login_required
def download(token: str):
    """A download link: works once, for its owner, until it expires."""
    request = _export_or_404(token)
    form = ConfirmForm()
    state = ops.link_state(request)
    if state == READY and form.validate_on_submit():
        data = ops.take_download(request, current_user.id)
        db.session.commit()
        if data is not None:
            response = current_app.response_class(data, mimetype="application/zip")
            response.headers["Content-Disposition"] = 'attachment; filename="my-data.zip"'
            response.headers["Cache-Control"] = "private, no-store"
            return response
        state = ops.link_state(db.session.get(DataRequest, request.id))
    person = db.session.get(User, request.user_id)
    return render_template("lms/personal_data/download.html", form=form, state=state,
                           request=request, person=person), (200 if state == READY else 410)


def _closure_plan() -> list[dict]:
    """Per declared table: what closing an account does to it, and why (for the close page)."""
    plan = []
    for provider in providers(current_app):
        for d in provider.tables:
            if d.on_closure != NOT_PERSONAL:
                plan.append({"label": d.label, "on_closure": d.on_closure,
                             "note": d.closure_note})
    return plan


@bp.route("/account/close", methods=["GET", "POST"])
@login_required
def close_account():
    """Say exactly what will be erased and kept, then close with the password.

    An account without a password (made by a learning platform's launch, or by an
    invitation never taken up) is sent to set one first, through the emailed reset link:
    the closure is confirmed the one way the site confirms it is the owner.
    """
    form = CloseAccountForm()
    if form.validate_on_submit():
        try:
            request = ops.request_closure(current_user, form.password.data,
                                          revoke_certificates=form.revoke_certificates.data)
        except ops.DataRequestError as exc:
            if current_user.password_hash is None:
                # No password field on the page to attach the message to: it says why.
                flash(str(exc), "error")
                return redirect(url_for(".close_account"), code=303)
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account will be closed on %(date)s. Signing in before then cancels "
                    "it. We have emailed you a receipt.",
                    date=format_date(request.due_dt, "long")), "success")
            return redirect(url_for("lms.home"))
    # Refused (a wrong password, the last administrator): the reasons by the fields, a 400.
    status = 400 if form.errors else 200
    return render_template("lms/personal_data/close.html", form=form, plan=_closure_plan(),
                           kept=kept_for(current_user.id),
                           pending=ops.pending_closure(current_user.id),
                           has_password=current_user.password_hash is not None,
                           days=current_app.config["LMS_CLOSURE_GRACE_DAYS"]), status


@bp.get("/privacy")
@public
def privacy():
    """What we keep and why, generated from the declarations and the retention rules."""
    groups = []
    for provider in providers(current_app):
        tables = [d for d in provider.tables if d.on_closure != NOT_PERSONAL]
        if tables:
            groups.append(tables)
    return render_template("lms/personal_data/privacy.html", groups=groups,
                           bases=LAWFUL_BASES, rules=ops.retention_rules(),
                           grace=current_app.config["LMS_CLOSURE_GRACE_DAYS"])


@bp.route("/admin/data-requests", methods=["GET", "POST"])
@require(LMS_DATA_REQUESTS_MANAGE)
def admin_requests():
    """Pending closures and export requests; record a request received by post or email."""
    form = RecordRequestForm()
    if form.validate_on_submit():
        person = find_user_by_email(form.email.data)
        if person is None:
            form.email.errors.append(_("No account has this email address."))
        else:
            try:
                if form.kind.data == CLOSURE:
                    ops.record_closure(person, requested_by=current_user,
                                       channel=form.channel.data, note=form.note.data,
                                       revoke_certificates=form.revoke_certificates.data)
                    done = _("Recorded. The account will be erased after the grace period; "
                             "the person has been emailed a receipt.")
                else:
                    ops.request_export(person, requested_by=current_user,
                                       channel=form.channel.data, note=form.note.data)
                    done = _("Recorded. The download link will be emailed to you when it is "
                             "ready.")
            except ops.DataRequestError as exc:
                form.email.errors.append(str(exc))
            else:
                db.session.commit()
                flash(done, "success")
                return redirect(url_for(".admin_requests"))
    closures = db.session.execute(
        select(DataRequest, User.display_name).join(User, User.id == DataRequest.user_id)
        .where(is_pending_closure()).order_by(DataRequest.due_dt).limit(ADMIN_LIST)).all()
    exports = db.session.execute(
        select(DataRequest, User.display_name).join(User, User.id == DataRequest.user_id)
        .where(DataRequest.kind == EXPORT).order_by(DataRequest.id.desc()).limit(ADMIN_LIST)
    ).all()
    return render_template("lms/personal_data/admin.html", form=form, closures=closures,
                           exports=exports), 400 if form.errors else 200
