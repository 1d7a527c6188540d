"""Admin pages."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..accounts import operations as account_ops
from ..accounts.models import User, UserRole
from ..audit import AuditEvent
from ..db import db
from ..jobs import FAILED, Job
from ..mail import OutboxMessage
from ..permissions import (
    LMS_ADMIN_ACCESS,
    LMS_AUDIT_VIEW,
    LMS_OUTBOX_VIEW,
    LMS_USERS_MANAGE,
    ROLES,
    require,
)
from .forms import AuditFilterForm, RoleForm, UserSearchForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


def _page() -> int:
    page = request.args.get("page", "1")
    return max(int(page), 1) if page.isdigit() else 1


@bp.route("/")
@require(LMS_ADMIN_ACCESS)
def index():
    counts = {
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "audit": db.session.scalar(select(func.count()).select_from(AuditEvent)),
        "outbox": db.session.scalar(select(func.count()).select_from(OutboxMessage)),
        "failed_jobs": db.session.scalar(
            select(func.count()).select_from(Job).where(Job.state == FAILED)
        ),
    }
    return render_template("lms/admin/index.html", counts=counts)


@bp.route("/users")
@require(LMS_USERS_MANAGE)
def users():
    form = UserSearchForm(request.args)
    query = select(User).order_by(User.display_name, User.id)
    if form.validate():
        if form.q.data:
            like = f"%{form.q.data.strip().lower()}%"
            query = query.where(
                or_(func.lower(User.display_name).like(like), User.email.like(like))
            )
        if form.role.data:
            query = query.where(User.roles.any(UserRole.role == form.role.data))
    page = _page()
    rows = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("lms/admin/users.html", form=form, pagination=rows, roles=ROLES)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require(LMS_USERS_MANAGE)
def user_detail(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    if request.method == "POST":
        if not form.validate():
            abort(400)
        role = form.role.data
        try:
            if form.action.data == "grant":
                changed = account_ops.grant_role(user, role)
                message = _(
                    "%(name)s is now also %(role)s.", name=user.display_name, role=ROLES[role]
                )
            else:
                changed = account_ops.revoke_role(user, role)
                message = _(
                    "%(name)s is no longer %(role)s.", name=user.display_name, role=ROLES[role]
                )
        except account_ops.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(message if changed else _("Nothing changed."), "success" if changed else "info")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("lms/admin/user.html", user=user, roles=ROLES)


@bp.route("/audit")
@require(LMS_AUDIT_VIEW)
def audit_log():
    form = AuditFilterForm(request.args)
    types = db.session.scalars(
        select(AuditEvent.subject_type).where(AuditEvent.subject_type.is_not(None)).distinct()
    ).all()
    form.subject_type.choices = [("", _("Any"))] + [(t, t) for t in sorted(types)]
    # Newest first; entries not yet sealed (no seq) are the newest.
    query = select(AuditEvent).order_by(AuditEvent.seq.desc().nulls_first(), AuditEvent.id.desc())
    if form.validate():
        if form.action.data:
            query = query.where(AuditEvent.action.contains(form.action.data.strip()))
        if form.actor.data:
            query = query.where(AuditEvent.actor_id == form.actor.data)
        if form.subject_type.data:
            query = query.where(AuditEvent.subject_type == form.subject_type.data)
        if form.since.data:
            since = dt.datetime.combine(form.since.data, dt.time(), dt.UTC)
            query = query.where(AuditEvent.occurred_dt >= since)
        if form.until.data:
            until = dt.datetime.combine(form.until.data + dt.timedelta(days=1), dt.time(), dt.UTC)
            query = query.where(AuditEvent.occurred_dt < until)
    rows = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    actor_ids = {e.actor_id for e in rows.items if e.actor_id}
    actors = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    return render_template("lms/admin/audit.html", form=form, pagination=rows, actors=actors)


@bp.route("/outbox")
@require(LMS_OUTBOX_VIEW)
def outbox():
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    rows = db.paginate(query, page=_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("lms/admin/outbox.html", pagination=rows)
