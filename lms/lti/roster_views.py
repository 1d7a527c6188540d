"""Filling a group from a learning platform's class list (Names and Role Provisioning).

One page per group, for its tutors (:func:`lms.scope.tutor_scope`) and admins: link the
group to a platform course its tutor launched from as instructor, then see what filling
it would do and confirm. See :mod:`lms.lti.roster` and docs/lti.md.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.validators import DataRequired

from .. import audit
from ..contracts import CohortRoster
from ..db import db, utcnow
from ..forms import LmsForm
from ..permissions import LMS_ADMIN_ACCESS, has_permission, login_required
from ..plugins import cohort_directory, cohort_seating
from ..scope import tutor_scope
from . import roster
from .models import LtiContext, LtiContextTeacher, LtiGroupLink, LtiPlatform
from .views import bp


class LinkForm(LmsForm):
    context = SelectField(_l("Course on the platform"), coerce=int,
                          validators=[DataRequired()])


class FillForm(LmsForm):
    preview = HiddenField(validators=[DataRequired()])


def _group(cohort_id: int) -> CohortRoster:
    """The group, if the current user tutors it or is an admin; else 404 (as if absent)."""
    directory, seating = cohort_directory(current_app), cohort_seating(current_app)
    if directory is None or seating is None:
        abort(404)
    if has_permission(current_user, LMS_ADMIN_ACCESS):
        found = directory.roster(cohort_id)
    else:
        found = tutor_scope().cohort(cohort_id)
    if found is None:
        abort(404)
    return found


def _contexts() -> list[tuple[LtiContext, LtiPlatform]]:
    """The platform courses the current user may link a group to: those they teach there
    (launched from as instructor); every known one for admins."""
    query = select(LtiContext, LtiPlatform).join(
        LtiPlatform, LtiPlatform.id == LtiContext.platform_id
    ).order_by(LtiPlatform.name, LtiContext.title, LtiContext.id)
    if not has_permission(current_user, LMS_ADMIN_ACCESS):
        query = query.join(LtiContextTeacher, LtiContextTeacher.context_id == LtiContext.id) \
            .where(LtiContextTeacher.user_id == current_user.id)
    return [tuple(r) for r in db.session.execute(query)]


def _linked(cohort_id: int) -> tuple[LtiGroupLink, LtiContext, LtiPlatform] | None:
    row = db.session.execute(
        select(LtiGroupLink, LtiContext, LtiPlatform)
        .join(LtiContext, LtiContext.id == LtiGroupLink.context_id)
        .join(LtiPlatform, LtiPlatform.id == LtiContext.platform_id)
        .where(LtiGroupLink.cohort_id == cohort_id)
    ).first()
    return tuple(row) if row else None


@bp.route("/groups/<int:cohort_id>", methods=["GET", "POST"])
@login_required
def group(cohort_id: int):
    """Link a group to a platform's course, and preview filling it from the class list."""
    cohort = _group(cohort_id)
    contexts = _contexts()
    form = LinkForm()
    form.context.choices = [
        SelectChoice(c.id, f"{p.name}: {c.title or c.context_id}") for c, p in contexts
    ]
    if form.validate_on_submit():
        context = next(c for c, _p in contexts if c.id == form.context.data)
        link = db.session.scalar(
            select(LtiGroupLink).where(LtiGroupLink.cohort_id == cohort.cohort_id))
        if link is None:
            link = LtiGroupLink(cohort_id=cohort.cohort_id, context_id=context.id)
            db.session.add(link)
        link.context_id, link.linked_by_id, link.linked_dt = (
            context.id, current_user.id, utcnow())
        db.session.flush()
        audit.record("lms.lti.group_linked", subject_type="cohort", subject_id=cohort.cohort_id,
                     data={"context_id": context.id, "platform_id": context.platform_id})
        db.session.commit()
        flash(_("The group is linked to %(course)s.", course=context.title or context.context_id),
              "success")
        return redirect(url_for("lti.group", cohort_id=cohort.cohort_id), code=303)
    linked = _linked(cohort.cohort_id)
    rows, error, preview = [], None, ""
    if linked is not None and request.method == "GET":
        _link, context, platform = linked
        try:
            members = roster.fetch_members(context)
        except roster.RosterError as exc:
            error = str(exc)
        else:
            rows = roster.plan(context, cohort.cohort_id, members, cohort_seating(current_app))
            preview = roster.sign_preview(cohort.cohort_id, context.id,
                                          [r.subject for r in rows if r.fate == roster.ADD])
    fill = FillForm(formdata=None, preview=preview)
    counts = {fate: sum(1 for r in rows if r.fate == fate) for fate in (
        roster.ADD, roster.ALREADY, roster.REFUSED, roster.NOT_LINKED, roster.NOT_LEARNER)}
    return render_template(
        "lms/lti/group.html", cohort=cohort, form=form, linked=linked, rows=rows,
        counts=counts, error=error, fill=fill, roster=roster,
    ), (400 if form.errors else 502 if error else 200)


@bp.route("/groups/<int:cohort_id>/fill", methods=["POST"])
@login_required
def fill(cohort_id: int):
    """Add the previewed learners who can still join (checked again now)."""
    cohort = _group(cohort_id)
    linked = _linked(cohort.cohort_id)
    form = FillForm()
    subjects = None
    if linked is not None and form.validate_on_submit():
        subjects = roster.previewed(form.preview.data, cohort.cohort_id, linked[1].id)
    if subjects is None:
        flash(_("This preview has expired or was changed. Check the class list again."), "error")
        return redirect(url_for("lti.group", cohort_id=cohort.cohort_id), code=303)
    _link, context, platform = linked
    user_ids = roster.linked_users(context.platform_id, subjects)
    done = cohort_seating(current_app).seat(cohort.cohort_id, user_ids, via="lti")
    audit.record("lms.lti.roster_filled", subject_type="cohort", subject_id=cohort.cohort_id,
                 data={"context_id": context.id, "platform": platform.name,
                       "added": list(done.to_add), "not_added": len(done.refused)})
    db.session.commit()
    flash(_("%(added)d added to the group; %(left)d could no longer be added.",
            added=len(done.to_add), left=len(done.refused)), "success")
    return redirect(url_for("lti.group", cohort_id=cohort.cohort_id), code=303)
