"""The secretary's to-do page, and opening or closing a ballot early where the rules allow."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.db import db
from lms.jobs import FAILED as JOB_FAILED
from lms.jobs import Job
from lms.paging import capped_count
from lms.permissions import LMS_JOBS_MANAGE, has_permission, require

from .. import secretary
from ..errors import GovernanceError
from ..permissions import GOVERNANCE_MEMBERSHIP_MANAGE, GOVERNANCE_RULES_MANAGE
from . import bp
from .common import ballot_of, member_class_labels, proposal_or_404, refused
from .forms import ActionForm, EarlyForm


@bp.route("/secretary/")
@require(GOVERNANCE_MEMBERSHIP_MANAGE)
def todo():
    """What waits for the secretary: applications (never their own), proposals, ballots,
    failed enactments and failed background jobs."""
    failed_jobs = (
        capped_count(select(Job.id).where(Job.state == JOB_FAILED))
        if has_permission(current_user, LMS_JOBS_MANAGE)
        else None
    )
    return render_template(
        "governance/todo.html",
        todos=secretary.todos(current_user.id),
        classes=member_class_labels(),
        failed_jobs=failed_jobs,
        early=EarlyForm(),
        action=ActionForm(),
    )


@bp.route("/secretary/proposals/<int:proposal_id>/open-early", methods=["POST"])
@require(GOVERNANCE_RULES_MANAGE)
def open_early(proposal_id: int):
    """Open a seconded proposal's ballot before its notice period ends (rules permitting)."""
    proposal = proposal_or_404(proposal_id)
    form = EarlyForm()
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        flash(" ".join(str(e) for e in form.reason.errors), "error")
        return redirect(url_for(".todo"), code=303)
    try:
        secretary.open_early(proposal, actor_id=current_user.id, reason=form.reason.data)
    except GovernanceError as exc:
        return refused(exc, url_for(".todo"))
    db.session.commit()
    flash(_("The ballot on “%(title)s” is open.", title=proposal.title), "success")
    return redirect(url_for(".ballot", proposal_id=proposal.id), code=303)


@bp.route("/secretary/proposals/<int:proposal_id>/close-early", methods=["POST"])
@require(GOVERNANCE_RULES_MANAGE)
def close_early(proposal_id: int):
    """Close a ballot in which everyone on the roll has voted (rules permitting)."""
    proposal = proposal_or_404(proposal_id)
    ballot = ballot_of(proposal) or abort(404)
    form = EarlyForm()
    if not form.validate():
        if "csrf_token" in form.errors:
            abort(400)
        flash(" ".join(str(e) for e in form.reason.errors), "error")
        return redirect(url_for(".todo"), code=303)
    try:
        secretary.close_early(ballot, actor_id=current_user.id, reason=form.reason.data)
    except GovernanceError as exc:
        return refused(exc, url_for(".todo"))
    db.session.commit()
    flash(_("The ballot on “%(title)s” is closed and its result declared.",
            title=proposal.title), "success")
    return redirect(url_for(".result", proposal_id=proposal.id), code=303)
