"""The invitee's pages: the invitations they can answer, one invitation, accept, decline.

Only the person invited sees an invitation (anyone else gets 404, as if there
were none); each answer is a CSRF-checked POST.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.db import db, utcnow
from lms.mail import MailError
from lms.permissions import login_required

from ..forms import ActionForm
from . import invitations as invs
from .operations import CohortError, JoinResult
from .views import bp


@bp.route("/invitations/")
@login_required
def invitations():
    """The invitations to join a group that the current user can still answer."""
    return render_template(
        "courses/cohorts/invitations.html",
        invitations=invs.open_invitations(current_user.id),
        action=ActionForm(),
    )


@bp.route("/invitations/<int:invitation_id>")
@login_required
def invitation(invitation_id: int):
    """One invitation: the group, its course, tutors and dates, and what accepting means."""
    found = invs.invitation_or_404(invitation_id, current_user)
    return render_template(
        "courses/cohorts/invitation.html",
        invitation=found,
        cohort=found.cohort,
        course=found.cohort.course,
        now=utcnow(),
        action=ActionForm(),
    )


def _back(invitation_id: int):
    return redirect(url_for("courses_cohorts.invitation", invitation_id=invitation_id), 303)


@bp.route("/invitations/<int:invitation_id>/accept", methods=["POST"])
@login_required
def accept_invitation(invitation_id: int):
    found = invs.invitation_or_404(invitation_id, current_user)
    if not ActionForm().validate():
        abort(400)
    try:
        result = invs.accept(found, current_user)
    except (CohortError, MailError) as exc:
        db.session.rollback()
        flash(str(exc) if isinstance(exc, CohortError) else _(
            "We could not do that just now. Please try again in a few minutes."), "error")
        return _back(invitation_id)
    db.session.commit()
    cohort = found.cohort
    if result is JoinResult.JOINED:
        flash(_("You joined the group “%(name)s”.", name=cohort.name), "success")
    else:
        flash(_("You are already in the group “%(name)s”.", name=cohort.name), "info")
    return redirect(url_for("courses.course_page", slug=cohort.course.slug), 303)


@bp.route("/invitations/<int:invitation_id>/decline", methods=["POST"])
@login_required
def decline_invitation(invitation_id: int):
    found = invs.invitation_or_404(invitation_id, current_user)
    if not ActionForm().validate():
        abort(400)
    try:
        invs.decline(found, current_user)
    except CohortError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(invitation_id)
    db.session.commit()
    flash(_("You declined the invitation. The group's tutors see nothing of yours."), "success")
    return redirect(url_for("courses_cohorts.invitations"), 303)
