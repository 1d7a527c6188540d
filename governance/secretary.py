"""The secretary's work: what needs doing, and opening or closing a ballot early where allowed.

Opening early skips the rest of a notice period; closing early ends the
voting window. Both change what members may rely on, so each needs the
rulebook's permission (``secretary_may_open_early``,
``secretary_may_close_when_all_voted``) and a reason, which is kept on the
ballot, shown on its pages and written to the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lms import audit
from lms.db import db, utcnow

from .errors import InvalidInput, NotAllowed, WrongState
from .locks import lock_ballot
from .membership import current_rules
from .models import (
    APPLIED,
    BALLOT,
    FAILED,
    NOTICE,
    Ballot,
    Enactment,
    Membership,
    Proposal,
    Vote,
    Voter,
)
from .proposals import member_seconds, open_ballot, second_count
from .tally import close_ballot

#: Ballots closing within this time are listed as "closing soon".
CLOSING_SOON = dt.timedelta(days=2)
#: Longest reason kept.
REASON_MAX = 500


def _reason(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Give a reason: members see it on the ballot."))
    if len(text) > REASON_MAX:
        raise InvalidInput(_("Keep the reason to %(n)d characters or fewer.", n=REASON_MAX))
    return text


def voted_count(ballot_id: int) -> int:
    """Members who have voted in a ballot (open or secret: who, never what)."""
    open_votes = select(func.count()).select_from(Vote).where(Vote.ballot_id == ballot_id)
    secret = select(func.count()).select_from(Voter).where(Voter.ballot_id == ballot_id)
    return (db.session.scalar(open_votes) or 0) + (db.session.scalar(secret) or 0)


def can_open_early(
    proposal: Proposal, seconds: int, now: dt.datetime | None = None, rules=None
) -> bool:
    rules = rules or current_rules()
    return (
        rules["secretary_may_open_early"]
        and proposal.status == NOTICE
        and (now or utcnow()) < proposal.notice_ends_dt
        and seconds >= rules["seconders_required"]
    )


def can_close_early(ballot: Ballot, voted: int, now: dt.datetime | None = None) -> bool:
    allowed = ballot.rules.get("secretary_may_close_when_all_voted", False)
    return bool(allowed) and ballot.is_open(now) and ballot.roll_count > 0 and (
        voted >= ballot.roll_count
    )


def open_early(proposal: Proposal, *, actor_id: int, reason: str,
               now: dt.datetime | None = None) -> Ballot:
    """The secretary opens a seconded proposal's ballot before its notice period ends.

    :raises NotAllowed: the rules in force do not allow it, or it is not seconded enough.
    :raises InvalidInput: no reason, or one that is too long.
    """
    now = now or utcnow()
    reason = _reason(reason)
    seconds = second_count(proposal.id)
    if proposal.status != NOTICE:
        raise WrongState(_("This proposal is no longer waiting for its ballot."))
    if not current_rules()["secretary_may_open_early"]:
        raise NotAllowed(_("The rules in force do not let the secretary open a ballot early."))
    if not can_open_early(proposal, seconds, now):
        raise NotAllowed(_("Only a proposal with all its seconders can go to a vote early."))
    ballot = open_ballot(proposal, now=now)
    ballot.opened_early_reason = reason
    db.session.flush()
    audit.record(
        "governance.ballot.opened_early",
        subject_type="ballot",
        subject_id=ballot.id,
        data={"proposal_id": proposal.id, "reason": reason,
              "notice_ends_dt": proposal.notice_ends_dt.isoformat()},
        actor_id=actor_id,
    )
    return ballot


def close_early(ballot: Ballot, *, actor_id: int, reason: str, now: dt.datetime | None = None):
    """The secretary closes a ballot in which every member on the roll has voted.

    The result is fixed at once, as at the normal close.
    """
    now = now or utcnow()
    reason = _reason(reason)
    lock_ballot(ballot.id)
    db.session.refresh(ballot)
    if not ballot.rules.get("secretary_may_close_when_all_voted", False):
        raise NotAllowed(_("The rules of this ballot do not let the secretary close it early."))
    if not ballot.is_open(now):
        raise WrongState(_("This ballot is not open."))
    if not can_close_early(ballot, voted_count(ballot.id), now):
        raise NotAllowed(_("A ballot can close early only once every member who can vote has "
                           "voted."))
    planned = ballot.closes_dt
    ballot.closes_dt = now
    ballot.closed_early_reason = reason
    db.session.flush()
    audit.record(
        "governance.ballot.closed_early",
        subject_type="ballot",
        subject_id=ballot.id,
        data={"proposal_id": ballot.proposal_id, "reason": reason,
              "planned_closes_dt": planned.isoformat()},
        actor_id=actor_id,
    )
    return close_ballot(ballot, now=now)


@dataclass
class ProposalTodo:
    proposal: Proposal
    seconds: int
    ready: bool
    may_open_early: bool


@dataclass
class BallotTodo:
    ballot: Ballot
    voted: int
    closing_soon: bool
    may_close_early: bool


@dataclass
class Todos:
    """What the secretary has to do, from a fixed number of queries."""

    applications: list[Membership] = field(default_factory=list)
    own_application: Membership | None = None
    proposals: list[ProposalTodo] = field(default_factory=list)
    ballots: list[BallotTodo] = field(default_factory=list)
    failed_enactments: list[Enactment] = field(default_factory=list)
    seconders_required: int = 0

    @property
    def count(self) -> int:
        return (
            len(self.applications)
            + sum(1 for p in self.proposals if p.ready or p.may_open_early)
            + sum(1 for b in self.ballots if b.closing_soon or b.may_close_early)
            + len(self.failed_enactments)
        )


def todos(secretary_id: int, now: dt.datetime | None = None) -> Todos:
    """Everything waiting for the secretary ``secretary_id`` (never their own application)."""
    now = now or utcnow()
    rules = current_rules()
    result = Todos(seconders_required=rules["seconders_required"])
    for m in db.session.scalars(
        select(Membership)
        .options(selectinload(Membership.user))
        .where(Membership.status == APPLIED)
        .order_by(Membership.applied_dt)
    ):
        if m.user_id == secretary_id:
            result.own_application = m
        else:
            result.applications.append(m)
    by_members = member_seconds().subquery()
    seconds = (
        select(by_members.c.proposal_id, func.count().label("n"))
        .group_by(by_members.c.proposal_id)
        .subquery()
    )
    for proposal, n in db.session.execute(
        select(Proposal, func.coalesce(seconds.c.n, 0))
        .outerjoin(seconds, seconds.c.proposal_id == Proposal.id)
        .where(Proposal.status == NOTICE)
        .order_by(Proposal.notice_ends_dt, Proposal.id)
    ):
        ready = n >= rules["seconders_required"] and now >= proposal.notice_ends_dt
        result.proposals.append(
            ProposalTodo(proposal, n, ready, can_open_early(proposal, n, now, rules))
        )
    votes = (
        select(Vote.ballot_id.label("ballot_id"), func.count().label("n"))
        .group_by(Vote.ballot_id)
        .union_all(
            select(Voter.ballot_id.label("ballot_id"), func.count().label("n"))
            .group_by(Voter.ballot_id)
        )
        .subquery()
    )
    voted = select(votes.c.ballot_id, func.sum(votes.c.n).label("n")).group_by(
        votes.c.ballot_id
    ).subquery()
    for ballot, n in db.session.execute(
        select(Ballot, func.coalesce(voted.c.n, 0))
        .join(Proposal, Proposal.id == Ballot.proposal_id)
        .outerjoin(voted, voted.c.ballot_id == Ballot.id)
        .where(Proposal.status == BALLOT)
        .order_by(Ballot.closes_dt, Ballot.id)
    ):
        n = int(n)
        result.ballots.append(
            BallotTodo(ballot, n, ballot.closes_dt <= now + CLOSING_SOON,
                       can_close_early(ballot, n, now))
        )
    result.failed_enactments = list(
        db.session.scalars(select(Enactment).options(selectinload(Enactment.proposal))
                           .where(Enactment.status == FAILED).order_by(Enactment.id))
    )
    return result
