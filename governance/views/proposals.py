"""Proposals: the list, raising one (a kind, then its fields), seconding and comments."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from lms.contracts import PayloadError
from lms.db import db
from lms.errors import abort_with
from lms.permissions import login_required

from .. import operations as ops
from ..decision_text import decision_text
from ..errors import GovernanceError
from ..models import BALLOT, CLOSED, NOTICE, Proposal
from . import bp
from .common import ballot_of, is_member, is_secretary, proposal_or_404, refused
from .forms import (
    ActionForm,
    CommentForm,
    KindChoiceForm,
    payload_of,
    proposal_form,
    show_payload_errors,
)


@bp.route("/proposals")
@login_required
def proposals():
    """Every proposal, newest first, grouped by where it stands."""
    rows = db.session.scalars(select(Proposal).order_by(Proposal.created_dt.desc())).all()
    groups = {state: [p for p in rows if p.status == state] for state in (NOTICE, BALLOT, CLOSED)}
    return render_template(
        "governance/proposals.html",
        groups=groups,
        member=is_member(),
        kinds=ops.decision_kinds(),
        NOTICE=NOTICE,
        BALLOT=BALLOT,
        CLOSED=CLOSED,
    )


def _require_member_page():
    if not is_member():
        abort_with(403, _("Only members can raise proposals."))


@bp.route("/proposals/new", methods=["GET", "POST"])
@login_required
def new_proposal():
    """Choose a kind (step one, a GET form), then fill in its fields and raise it."""
    _require_member_page()
    kinds = ops.decision_kinds()
    key = request.args.get("kind", "")
    if key not in kinds:
        if key or request.method == "POST":
            abort_with(400, _("Unknown kind of decision."))
        chooser = KindChoiceForm(request.args)
        chooser.kind.choices = [SelectChoice(k, str(kind.label)) for k, kind in kinds.items()]
        return render_template("governance/proposal_kind.html", chooser=chooser)
    kind = kinds[key]
    form = proposal_form(kind, request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.secret.data = bool(ops.current_rules()["secret_ballot_default"])
        return _form_page(kind, form.fresh())
    if not form.validate():
        return _form_page(kind, form, 400)
    try:
        proposal = ops.raise_proposal(
            current_user.id,
            kind.key,
            form.title.data,
            payload_of(form),
            body=form.body.data or "",
            secret=form.secret.data,
            token=form.submit_token.data,
        )
    except PayloadError as exc:
        db.session.rollback()
        show_payload_errors(form, exc.errors)
        return _form_page(kind, form, 400)
    except GovernanceError as exc:
        return refused(exc, url_for("governance.proposals"))
    db.session.commit()
    flash(_("Your proposal is raised. It needs seconders before it goes to ballot."), "success")
    return redirect(url_for("governance.proposal", proposal_id=proposal.id), code=303)


def _form_page(kind, form, status=200):
    rules = ops.current_rules()
    return render_template(
        "governance/proposal_new.html",
        kind=kind,
        form=form,
        resolution=rules.resolution_for(kind.key, kind.resolution),
        rules=rules,
    ), status


@bp.route("/proposals/<int:proposal_id>")
@login_required
def proposal(proposal_id: int):
    """A proposal with its seconders, discussion, ballot and outcome."""
    return _proposal_page(proposal_or_404(proposal_id), CommentForm().fresh())


def _proposal_page(proposal, comment_form, status=200):
    from ..models import ACTIVE, Membership, Second

    # The seconds that count: those of people who are members now (see ops.second_count).
    seconds = db.session.scalars(
        select(Second)
        .join(Membership, Membership.user_id == Second.user_id)
        .where(Second.proposal_id == proposal.id, Membership.status == ACTIVE)
        .order_by(Second.id)
    ).all()
    ballot = ballot_of(proposal)
    me = current_user.id
    kind = ops.decision_kinds().get(proposal.kind)
    return render_template(
        "governance/proposal.html",
        proposal=proposal,
        kind=kind,
        decision=decision_text(proposal),
        seconds=seconds,
        seconded=any(s.user_id == me for s in seconds),
        needed=ops.current_rules()["seconders_required"],
        rules=ops.current_rules(),
        comments=ops.comments(proposal.id),
        ballot=ballot,
        member=is_member(),
        secretary=is_secretary(),
        action=ActionForm(),
        comment_form=comment_form,
        NOTICE=NOTICE,
    ), status


@bp.route("/proposals/<int:proposal_id>/second", methods=["POST"])
@login_required
def second(proposal_id: int):
    """Second a proposal (a member other than the proposer)."""
    proposal = proposal_or_404(proposal_id)
    if not ActionForm().validate():
        abort(400)
    target = url_for("governance.proposal", proposal_id=proposal.id)
    try:
        ops.second(proposal, current_user.id)
    except GovernanceError as exc:
        return refused(exc, target)
    opened = proposal.status == BALLOT
    db.session.commit()
    flash(
        _("You seconded this proposal. Its ballot is open.")
        if opened
        else _("You seconded this proposal."),
        "success",
    )
    return redirect(target, code=303)


@bp.route("/proposals/<int:proposal_id>/comment", methods=["POST"])
@login_required
def comment(proposal_id: int):
    """Add a comment to a proposal's discussion (members)."""
    proposal = proposal_or_404(proposal_id)
    form = CommentForm()
    if not form.validate():
        return _proposal_page(proposal, form, 400)
    target = url_for("governance.proposal", proposal_id=proposal.id)
    try:
        entry = ops.comment(
            proposal, current_user.id, form.body.data, token=form.submit_token.data
        )
    except GovernanceError as exc:
        return refused(exc, target)
    db.session.commit()
    flash(_("Your comment is added."), "success")
    # A resend of the form goes to the comment the first one added.
    target = url_for("governance.proposal", proposal_id=entry.proposal_id)
    return redirect(f"{target}#comment-{entry.id}", code=303)
