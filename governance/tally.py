"""Counting a ballot, and fixing its result exactly once when it closes.

:func:`tally` runs the same three queries whatever the number of members:
the roll by class (and who left before the close), the votes (or papers) by
class and choice, and, for secret ballots, how many voters left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import and_, case, func, select

from lms import audit, signals
from lms.contracts import DecisionRecord
from lms.db import db, insert_unless_exists, utcnow

from .locks import lock_ballot
from .models import (
    ABSTAIN,
    ACTIVE,
    AGAINST,
    BALLOT,
    CLOSED,
    FOR,
    MEMBERSHIP_STATUSES,
    Ballot,
    Membership,
    Paper,
    Proposal,
    Result,
    RollEntry,
    Vote,
    Voter,
)
from .rules import outcome


@dataclass
class ClassCount:
    eligible: int = 0
    votes_for: int = 0
    votes_against: int = 0
    abstentions: int = 0


@dataclass
class Tally:
    """A ballot's count with its arithmetic (JSON-able through :meth:`as_dict`)."""

    ballot_id: int
    secret: bool
    resolution: str
    rule_version: int
    roll_count: int
    roll_hash: str
    leavers_keep_vote: bool
    #: Members on the roll whose membership ended before the close.
    leavers: int
    #: Secret ballots only: votes of leavers that stay counted (they cannot be found).
    leaver_votes_counted: int
    eligible: int
    turnout: int
    quorum: int
    quorum_met: bool
    votes_for: int
    votes_against: int
    abstentions: int
    votes_cast: int
    #: "for" as a share of votes cast, e.g. "3/4" (None when nothing was cast).
    share_for: str | None
    share_for_percent: float | None
    #: The threshold, e.g. "1/2", and whether "for" must exceed it (True) or reach it.
    threshold: str
    threshold_percent: float
    threshold_strict: bool
    passed: bool
    by_class: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Every status but active: a roll's member who has one of these has left (or was never
#: admitted, which a frozen roll cannot hold).
_NOT_ACTIVE = tuple(sorted(set(MEMBERSHIP_STATUSES) - {ACTIVE}))


def _leavers(ballot: Ballot):
    """The memberships that ended before the ballot closed, as a subquery.

    Joining the roll to every membership made PostgreSQL read the whole
    membership table (a hash join) even for a roll of 200; the leavers are
    found through the index on ``status`` instead (few rows), and the roll
    is joined to them only.
    """
    return (
        select(Membership.id)
        .where(Membership.status.in_(_NOT_ACTIVE), Membership.left_dt < ballot.closes_dt)
        .subquery("leavers")
    )


def tally(ballot: Ballot) -> Tally:
    """Count a ballot (open or closed) in a constant number of queries."""
    rules = ballot.rules
    keep = bool(rules.get("leavers_keep_vote", False))
    leavers = _leavers(ballot)
    has_left = leavers.c.id.is_not(None)
    left = case((has_left, 1), else_=0)
    classes: dict[str, ClassCount] = {}
    n_leavers = 0
    roll = db.session.execute(
        select(RollEntry.member_class, left.label("left"), func.count())
        .outerjoin(leavers, leavers.c.id == RollEntry.membership_id)
        .where(RollEntry.ballot_id == ballot.id)
        .group_by(RollEntry.member_class, left)
    ).all()
    for member_class, gone, count in roll:
        if gone:
            n_leavers += count
        if keep or not gone:
            classes.setdefault(member_class, ClassCount()).eligible += count
    if ballot.secret:
        rows = db.session.execute(
            select(Paper.member_class, Paper.choice, func.count())
            .where(Paper.ballot_id == ballot.id)
            .group_by(Paper.member_class, Paper.choice)
        ).all()
        leaver_votes = 0
        if not keep:
            leaver_votes = db.session.scalar(
                select(func.count())
                .select_from(Voter)
                .join(
                    RollEntry,
                    and_(
                        RollEntry.ballot_id == Voter.ballot_id, RollEntry.user_id == Voter.user_id
                    ),
                )
                .join(leavers, leavers.c.id == RollEntry.membership_id)
                .where(Voter.ballot_id == ballot.id)
            )
    else:
        query = (
            select(RollEntry.member_class, Vote.choice, func.count())
            .join(
                RollEntry,
                and_(RollEntry.ballot_id == Vote.ballot_id, RollEntry.user_id == Vote.user_id),
            )
            .where(Vote.ballot_id == ballot.id)
            .group_by(RollEntry.member_class, Vote.choice)
        )
        if not keep:
            query = query.outerjoin(leavers, leavers.c.id == RollEntry.membership_id).where(
                leavers.c.id.is_(None)
            )
        rows = db.session.execute(query).all()
        leaver_votes = 0
    for member_class, choice, count in rows:
        counts = classes.setdefault(member_class, ClassCount())
        if choice == FOR:
            counts.votes_for += count
        elif choice == AGAINST:
            counts.votes_against += count
        elif choice == ABSTAIN:
            counts.abstentions += count
    return _finish(ballot, classes, n_leavers, leaver_votes, keep)


def _finish(ballot, classes, leavers, leaver_votes, keep) -> Tally:
    total = ClassCount()
    for counts in classes.values():
        total.eligible += counts.eligible
        total.votes_for += counts.votes_for
        total.votes_against += counts.votes_against
        total.abstentions += counts.abstentions
    result = outcome(
        total.eligible,
        total.votes_for,
        total.votes_against,
        total.abstentions,
        ballot.resolution,
        ballot.rules,
    )
    share = result.share_for
    return Tally(
        ballot_id=ballot.id,
        secret=ballot.secret,
        resolution=ballot.resolution,
        rule_version=ballot.rule_version,
        roll_count=ballot.roll_count,
        roll_hash=ballot.roll_hash,
        leavers_keep_vote=keep,
        leavers=leavers,
        leaver_votes_counted=leaver_votes,
        eligible=result.eligible,
        turnout=result.turnout,
        quorum=result.quorum,
        quorum_met=result.quorum_met,
        votes_for=result.votes_for,
        votes_against=result.votes_against,
        abstentions=result.abstentions,
        votes_cast=result.votes_cast,
        share_for=None if share is None else f"{share.numerator}/{share.denominator}",
        share_for_percent=None if share is None else round(float(share) * 100, 2),
        threshold=f"{result.threshold.numerator}/{result.threshold.denominator}",
        threshold_percent=round(float(result.threshold) * 100, 2),
        threshold_strict=result.threshold_strict,
        passed=result.passed,
        by_class={k: asdict(v) for k, v in sorted(classes.items())},
    )


def decision_record(proposal: Proposal, result: Result) -> DecisionRecord:
    """The contract view of a decided proposal."""
    return DecisionRecord(
        decision_id=proposal.id,
        kind=proposal.kind,
        title=proposal.title,
        payload=dict(proposal.payload),
        passed=result.passed,
        decided_dt=result.fixed_dt,
        url=f"/governance/proposals/{proposal.id}",
    )


def close_ballot(ballot: Ballot, *, now: dt.datetime | None = None) -> Result | None:
    """Fix the result of a ballot whose window has ended, exactly once.

    Returns the result (fixed now or earlier), or ``None`` when the ballot
    is still open. Only the call that inserts the result audits it, sends
    ``decision_made`` and, when it passed, enacts the decision.
    """
    now = now or utcnow()
    if not ballot.is_closed(now):
        return None
    lock_ballot(ballot.id)
    existing = db.session.scalar(select(Result).where(Result.ballot_id == ballot.id))
    if existing is not None:
        return existing
    counted = tally(ballot)
    result = Result(
        ballot_id=ballot.id,
        fixed_dt=now,
        eligible=counted.eligible,
        turnout=counted.turnout,
        quorum=counted.quorum,
        quorum_met=counted.quorum_met,
        votes_for=counted.votes_for,
        votes_against=counted.votes_against,
        abstentions=counted.abstentions,
        passed=counted.passed,
        rule_version=counted.rule_version,
        arithmetic=counted.as_dict(),
    )
    if not insert_unless_exists(result):
        return db.session.scalar(select(Result).where(Result.ballot_id == ballot.id))
    proposal = ballot.proposal
    proposal.status = CLOSED
    db.session.flush()
    audit.record(
        "governance.ballot.closed",
        subject_type="ballot",
        subject_id=ballot.id,
        data={"proposal_id": proposal.id, "closes_dt": ballot.closes_dt.isoformat()},
        actor_id=None,
    )
    audit.record(
        "governance.result.fixed",
        subject_type="ballot",
        subject_id=ballot.id,
        data={k: v for k, v in counted.as_dict().items() if k != "by_class"},
        actor_id=None,
    )
    record = decision_record(proposal, result)
    signals.decision_made.send(current_app._get_current_object(), decision=record)
    if result.passed:
        from .enactment import enact

        enact(proposal)
    return result


def close_due(now: dt.datetime | None = None) -> list[Result]:
    """Fix the result of every ballot whose window has ended and has none yet."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Ballot)
        .join(Proposal, Proposal.id == Ballot.proposal_id)
        .outerjoin(Result, Result.ballot_id == Ballot.id)
        .where(Ballot.closes_dt <= now, Result.id.is_(None), Proposal.status == BALLOT)
        .order_by(Ballot.closes_dt)
    ).all()
    return [r for r in (close_ballot(b, now=now) for b in due) if r is not None]
