"""The published ballot list after the close, and checking a result against it.

For a secret ballot the list is the receipt code of every counted paper, in
receipt order, and nothing else: a list pairing receipts with choices would
let a voter prove their vote to someone pressing them (the totals are on the
result page). For an open ballot it is every vote (member's name, class,
choice, and whether it counts: a leaver's vote does not when the rules say
leavers lose their vote), which anyone can recount. :func:`verify` recounts
the papers themselves (secret) or the list (open) and compares with the
fixed result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, case, select

from lms.db import db, utcnow

from .models import (
    ABSTAIN,
    ACTIVE,
    AGAINST,
    FOR,
    Ballot,
    Membership,
    Paper,
    Result,
    RollEntry,
    Vote,
    Voter,
)
from .proposals import roll_digest
from .rules import outcome


def published_list(ballot: Ballot, *, now: dt.datetime | None = None) -> list[dict] | None:
    """The ballot list, or ``None`` while the ballot is open (results stay hidden)."""
    if not ballot.is_closed(now or utcnow()):
        return None
    if ballot.secret:
        receipts = db.session.scalars(
            select(Paper.receipt).where(Paper.ballot_id == ballot.id).order_by(Paper.receipt)
        )
        return [{"receipt": receipt, "counts": True} for receipt in receipts]
    from lms.accounts.models import User

    keep = bool(ballot.rules.get("leavers_keep_vote", False))
    left = and_(Membership.status != ACTIVE, Membership.left_dt < ballot.closes_dt)
    rows = db.session.execute(
        select(
            User.display_name,
            RollEntry.member_class,
            Vote.choice,
            case((left, False), else_=True).label("active"),
        )
        .join(
            RollEntry,
            and_(RollEntry.ballot_id == Vote.ballot_id, RollEntry.user_id == Vote.user_id),
        )
        .join(Membership, Membership.id == RollEntry.membership_id)
        .join(User, User.id == Vote.user_id)
        .where(Vote.ballot_id == ballot.id)
        .order_by(User.display_name, Vote.id)
    ).all()
    return [
        {
            "name": r.display_name,
            "member_class": r.member_class,
            "choice": r.choice,
            "counts": bool(keep or r.active),
        }
        for r in rows
    ]


@dataclass
class VerifyReport:
    """What :func:`verify` found; ``ok`` only when every check agrees."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    recount: dict[str, int] = field(default_factory=dict)


def verify(ballot: Ballot) -> VerifyReport:
    """Recount the published list and the roll, and compare with the fixed result."""
    result = db.session.scalar(select(Result).where(Result.ballot_id == ballot.id))
    if result is None:
        return VerifyReport(False, ["the ballot has no fixed result yet"])
    problems = []
    roll = db.session.execute(
        select(RollEntry.user_id, RollEntry.member_class).where(RollEntry.ballot_id == ballot.id)
    ).all()
    if len(roll) != ballot.roll_count:
        problems.append(f"the roll has {len(roll)} entries, {ballot.roll_count} were published")
    if roll_digest(ballot.id, [tuple(r) for r in roll]) != ballot.roll_hash:
        problems.append("the roll does not match its published hash")
    entries = published_list(ballot, now=ballot.closes_dt) or []
    counted = [e for e in entries if e["counts"]]
    if ballot.secret:
        # The published list has no choices: recount the papers themselves.
        counted = [
            {"choice": choice}
            for (choice,) in db.session.execute(
                select(Paper.choice).where(Paper.ballot_id == ballot.id)
            )
        ]
    recount = {
        "votes_for": sum(e["choice"] == FOR for e in counted),
        "votes_against": sum(e["choice"] == AGAINST for e in counted),
        "abstentions": sum(e["choice"] == ABSTAIN for e in counted),
    }
    for key, value in recount.items():
        stored = getattr(result, key)
        if stored != value:
            problems.append(f"{key}: the list gives {value}, the result says {stored}")
    if ballot.secret:
        voters = db.session.scalar(
            select(db.func.count()).select_from(Voter).where(Voter.ballot_id == ballot.id)
        )
        if voters != len(entries):
            problems.append(f"{voters} members voted but there are {len(entries)} papers")
    again = outcome(
        result.eligible,
        recount["votes_for"],
        recount["votes_against"],
        recount["abstentions"],
        ballot.resolution,
        ballot.rules,
    )
    if again.quorum != result.quorum or again.passed != result.passed:
        problems.append(
            f"applying the rules gives passed={again.passed}, the result says {result.passed}"
        )
    return VerifyReport(not problems, problems, recount)
