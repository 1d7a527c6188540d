"""Admin pages."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select, text
from wtforms import SelectChoice

from ..accounts import operations as account_ops
from ..accounts.models import User, UserRole
from ..audit import AuditEvent
from ..db import db
from ..jobs import FAILED, Job
from ..mail import OutboxMessage
from ..paging import Page, capped_count, date_arg, decode_cursor, keyset_page
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

#: What a list shows while its filter form has an error: nothing, and no next page.
NO_PAGE = Page(items=[], next_cursor=None, is_first=True)


@bp.route("/")
@require(LMS_ADMIN_ACCESS)
def index():
    # Counted up to a cap ("more than 1,000"): an exact count reads the whole table.
    counts = {
        "users": capped_count(select(User.id)),
        "audit": capped_count(select(AuditEvent.id)),
        "outbox": capped_count(select(OutboxMessage.id)),
        "failed_jobs": capped_count(select(Job.id).where(Job.state == FAILED)),
    }
    return render_template("lms/admin/index.html", counts=counts)


def _user_query(form: UserSearchForm):
    """The accounts matching a validated search form."""
    query = select(User)
    if form.q.data and form.q.data.strip():
        # ILIKE: pg_trgm's indexes answer it on PostgreSQL; SQLite compiles it to
        # lower(x) LIKE lower(y). Wildcards typed by the admin match themselves.
        pattern = "%" + _escape_like(form.q.data.strip()) + "%"
        query = query.where(
            or_(User.display_name.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"))
        )
    if form.role.data:
        query = query.where(
            select(UserRole.id)
            .where(UserRole.user_id == User.id, UserRole.role == form.role.data)
            .exists()
        )
    return query


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@bp.route("/users")
@require(LMS_USERS_MANAGE)
def users():
    """People by name, paged by keyset on (name, id), with a capped count of matches."""
    form = UserSearchForm(request.args)
    if not form.validate():
        # A search that cannot be run lists nobody: dropping the filter that is wrong
        # and listing by the others (or everyone) would look like its answer.
        return render_template("lms/admin/users.html", form=form, page=NO_PAGE,
                               count=(0, False), roles=ROLES)
    query = _user_query(form)
    cursor = decode_cursor(request.args.get("after"), (str, int))
    page = keyset_page(
        query, [User.display_name, User.id], cursor, lambda u: (u.display_name, u.id)
    )
    count = capped_count(query.with_only_columns(User.id))
    return render_template(
        "lms/admin/users.html", form=form, page=page, count=count, roles=ROLES
    )


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
                changed = account_ops.grant_role(user, role, actor_id=current_user.id)
                message = _(
                    "%(name)s is now also %(role)s.", name=user.display_name, role=ROLES[role]
                )
            else:
                changed = account_ops.revoke_role(user, role, actor_id=current_user.id)
                message = _(
                    "%(name)s is no longer %(role)s.", name=user.display_name, role=ROLES[role]
                )
        except account_ops.AccountError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(message if changed else _("Nothing changed."), "success" if changed else "info")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("lms/admin/user.html", user=user, roles=ROLES,
                           own=user.id == current_user.id)


def audit_subject_types() -> list[str]:
    """The distinct subject types, one index probe each (a "loose index scan").

    ``SELECT DISTINCT`` reads the whole log; this asks the index on
    ``(subject_type, id)`` for the smallest type, then the smallest after it,
    and so on: as many probes as there are types (a dozen), whatever the
    log's size. Both databases run the recursive query.
    """
    rows = db.session.execute(text(
        "WITH RECURSIVE t(v) AS ("
        " SELECT min(subject_type) FROM lms_audit_event"
        " UNION ALL"
        " SELECT (SELECT min(subject_type) FROM lms_audit_event WHERE subject_type > t.v)"
        " FROM t WHERE t.v IS NOT NULL)"
        " SELECT v FROM t WHERE v IS NOT NULL"
    ))
    return [row[0] for row in rows]


@bp.route("/audit")
@require(LMS_AUDIT_VIEW)
def audit_log():
    """The log newest first (by id: entries not yet sealed are the newest), by keyset."""
    form = AuditFilterForm(request.args)
    form.subject_type.choices = [SelectChoice("", _("Any"))] + [
        SelectChoice(t) for t in audit_subject_types()
    ]
    if not form.validate():
        # As for people: a filter that cannot be applied lists nothing, and says why.
        return render_template("lms/admin/audit.html", form=form, page=NO_PAGE, actors={})
    query = select(AuditEvent)
    if form.action.data and form.action.data.strip():
        query = query.where(
            AuditEvent.action.contains(form.action.data.strip(), autoescape=True)
        )
    if form.actor.data:
        query = query.where(AuditEvent.actor_id == form.actor.data)
    if form.subject_type.data:
        query = query.where(AuditEvent.subject_type == form.subject_type.data)
    since, until = date_arg(form.since.data), date_arg(form.until.data)
    if since:
        query = query.where(
            AuditEvent.occurred_dt >= dt.datetime.combine(since, dt.time(), dt.UTC)
        )
    if until:
        until_dt = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), dt.UTC)
        query = query.where(AuditEvent.occurred_dt < until_dt)
    cursor = decode_cursor(request.args.get("after"), (int,))
    page = keyset_page(query, [AuditEvent.id], cursor, lambda e: (e.id,), descending=True)
    actor_ids = {e.actor_id for e in page.items if e.actor_id}
    actors = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
        if actor_ids
        else {}
    )
    return render_template("lms/admin/audit.html", form=form, page=page, actors=actors)


@bp.route("/outbox")
@require(LMS_OUTBOX_VIEW)
def outbox():
    """Every message the site wrote, newest first, by keyset."""
    cursor = decode_cursor(request.args.get("after"), (int,))
    page = keyset_page(
        select(OutboxMessage), [OutboxMessage.id], cursor, lambda m: (m.id,), descending=True
    )
    return render_template("lms/admin/outbox.html", page=page)
