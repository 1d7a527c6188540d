"""Ballots: voting, the result with its arithmetic, the published papers, receipt checks.

Secret ballots are receipt-free: a receipt code proves that a paper was
counted (it is in the published list of counted receipts) and never shows the
choice, so a voter cannot prove how they voted to someone pressing them. The
breakdown by class is published as :mod:`governance.disclosure` allows.

Results stay hidden while a ballot is open. Once its window has ended the
ballot is closed, whether or not its result row is fixed yet: the first of
``flask governance close-due`` (cron) and a vote sent to the closed ballot
fixes it, exactly once (GET never writes). The count of a closed ballot can
no longer change, so the result page shows it at once.
"""

from __future__ import annotations

import functools

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import lazyload

from lms.contracts import CURRICULUM_RETIRE
from lms.db import db, reads_first, writing
from lms.errors import abort_with
from lms.permissions import login_required

from .. import operations as ops
from ..decision_text import decision_text
from ..disclosure import class_breakdown, min_voters
from ..errors import GovernanceError
from ..locks import sqlite_write_queue
from ..models import Ballot
from ..voting import normalise_receipt
from . import bp
from .common import ballot_of, is_secretary, member_class_labels, proposal_or_404, refused
from .forms import VoteForm

#: The id of the ballot page's part showing the member's vote (a vote redirects there).
YOUR_VOTE = "your-vote"


def _ballot_or_404(proposal):
    return ballot_of(proposal) or abort_with(404, _("This proposal has not gone to ballot yet."))


def _ballot_page(proposal, ballot, form, status=200, recorded=None, mine=None):
    """Render the ballot page; ``mine`` is the member's vote when the caller knows it."""
    on_roll = mine is not None or ops.on_roll(ballot, current_user.id)
    mine = mine if mine is not None else ops.my_vote(ballot, current_user.id)
    allow_change = bool(ballot.rules.get("allow_vote_change", True))
    can_vote = ballot.is_open() and on_roll and (not mine["voted"] or allow_change)
    if mine["choice"] and not form.choice.data:
        form.choice.data = mine["choice"]
    return render_template(
        "governance/ballot.html",
        proposal=proposal,
        decision=decision_text(proposal),
        ballot=ballot,
        form=form,
        mine=mine,
        on_roll=on_roll,
        can_vote=can_vote,
        allow_change=allow_change,
        recorded=recorded,
        your_vote=YOUR_VOTE,
    ), status


@bp.route("/proposals/<int:proposal_id>/ballot")
@login_required
def ballot(proposal_id: int):
    """The ballot: its window and roll, the member's vote, and the voting form."""
    proposal = proposal_or_404(proposal_id)
    return _ballot_page(proposal, _ballot_or_404(proposal), VoteForm())


@functools.cache
def _ballot_query():
    """The ballot of a proposal, without its proposal (and the proposer, and their
    roles): the common case of a vote needs neither.

    Built once per process: building the select and its cache key cost a few
    percent of a vote.
    """
    return (
        select(Ballot)
        .where(Ballot.proposal_id == bindparam("proposal_id"))
        .options(lazyload("*"))
    )


@bp.route("/proposals/<int:proposal_id>/ballot", methods=["POST"])
@reads_first
@login_required
def vote(proposal_id: int):
    """Cast (or change) a vote; the operation re-checks everything under a lock.

    The member and the ballot are read first; only the vote (which re-checks
    the window, the result and the roll) holds SQLite's write lock, which
    votes wait for in turn (see :func:`~governance.locks.sqlite_write_queue`).

    A vote in an open ballot is answered with a redirect to the ballot page
    (so reloading it does not send the vote again), which says the vote was
    recorded and shows it. A secret ballot's page is answered at once: it
    shows the receipt code, which is never put in the session cookie, where
    it would sit next to the member's identity.
    """
    ballot = db.session.scalar(_ballot_query(), {"proposal_id": proposal_id})
    if ballot is None:
        _ballot_or_404(proposal_or_404(proposal_id))
    form = VoteForm()
    if not form.validate():
        abort(400)
    if ballot.is_closed() and ballot.result is None:
        # The window has ended: this request is the first to notice, so it fixes the result.
        with writing(), sqlite_write_queue():
            ops.close_ballot(ballot)
            db.session.commit()
        flash(_("This ballot has closed; no more votes are taken."), "error")
        return redirect(url_for("governance.result", proposal_id=proposal_id), code=303)
    if not form.choice.data:
        form.choice.errors = [_("Choose for, against or abstain.")]
        return _ballot_page(ballot.proposal, ballot, form, 400)
    choice = form.choice.data or ""
    # What the answer needs is read before the write, which holds the database's
    # write lock (SQLite) or the audit chain's (PostgreSQL), and before the commit
    # expires what is loaded: the words read the member's locale.
    secret = ballot.secret
    messages = {
        "recorded": _("Your vote was recorded."),
        "changed": _("Your vote was recorded (changed)."),
        "unchanged": _("Your vote is unchanged: it already said that."),
    }
    with writing(), sqlite_write_queue():
        try:
            outcome = ops.cast_vote(
                ballot, current_user.id, choice, receipt=form.receipt.data or None
            )
        except GovernanceError as exc:
            return refused(exc, url_for("governance.ballot", proposal_id=proposal_id))
        db.session.commit()
    if secret:
        mine = {"voted": True, "choice": None}
        return _ballot_page(
            ballot.proposal, ballot, VoteForm(formdata=None), recorded=outcome, mine=mine
        )
    flash(messages[_vote_news(outcome)], "success")
    # The anchor takes the member to their vote; it also tells this answer
    # apart from a refusal, which redirects to the ballot page with an error.
    return redirect(
        url_for("governance.ballot", proposal_id=proposal_id, _anchor=YOUR_VOTE), code=303
    )


def _vote_news(outcome) -> str:
    """What the answer to a vote says: ``recorded``, ``changed`` or ``unchanged``."""
    if outcome.unchanged:
        return "unchanged"
    return "changed" if outcome.changed else "recorded"


def _enactment_links(proposal, enactment) -> list[tuple[str, str | None]]:
    """What carrying out a decision points to: ``(label, path)``, ``path`` ``None`` when
    the page is not one every reader can open.

    A decision that retires something (the core's ``retire`` curriculum change, the
    kind ``<plugin>:retire``) takes it out of reach: a retired course's page answers
    404 to everyone not enrolled. Governance cannot ask the course who may open it,
    so such a decision's links are shown as names only.
    """
    if enactment is None or not enactment.links:
        return []
    retires = proposal.kind.rpartition(":")[2] == CURRICULUM_RETIRE
    return [(label, None if retires else url) for label, url in enactment.links.items()]


def _counted(ballot):
    """The fixed result's arithmetic, or the final count of a closed ballot not yet fixed."""
    if ballot.result is not None:
        return ballot.result.arithmetic, True
    if ballot.is_closed():
        return ops.tally(ballot).as_dict(), False
    return None, False


@bp.route("/proposals/<int:proposal_id>/result")
@login_required
def result(proposal_id: int):
    """The outcome with its arithmetic, once the ballot has closed."""
    proposal = proposal_or_404(proposal_id)
    ballot = _ballot_or_404(proposal)
    counted, fixed = _counted(ballot)
    breakdown = None
    if counted is not None:
        minimum = min_voters(ballot.rules, ops.current_rules().values)
        breakdown = class_breakdown(counted.get("by_class", {}), minimum)
    return render_template(
        "governance/result.html",
        proposal=proposal,
        decision=decision_text(proposal),
        ballot=ballot,
        counted=counted,
        breakdown=breakdown,
        fixed=fixed,
        classes=member_class_labels(),
        enactment=proposal.enactment,
        links=_enactment_links(proposal, proposal.enactment),
        secretary=is_secretary(),
    )


@bp.route("/proposals/<int:proposal_id>/papers")
@login_required
def papers(proposal_id: int):
    """The published ballot list after the close: anyone can recount from it."""
    proposal = proposal_or_404(proposal_id)
    ballot = _ballot_or_404(proposal)
    rows = ops.published_list(ballot) if ballot.is_closed() else None
    counted = _counted(ballot)[0] if rows is not None else None
    return render_template(
        "governance/papers.html",
        proposal=proposal,
        ballot=ballot,
        rows=rows,
        counted=counted,
        classes=member_class_labels(),
    )


@bp.route("/proposals/<int:proposal_id>/receipt")
@login_required
def receipt(proposal_id: int):
    """Check that the paper with a receipt code was counted; never what it says.

    A page showing the choice would let a voter prove their vote to whoever
    presses them; it says only whether the code is in the list of counted papers.
    """
    proposal = proposal_or_404(proposal_id)
    ballot = _ballot_or_404(proposal)
    code = normalise_receipt(request.args.get("code", ""))[:40]
    counted = ops.check_receipt(ballot, code) if code else False
    return render_template(
        "governance/receipt.html", proposal=proposal, ballot=ballot, code=code, counted=counted
    )
