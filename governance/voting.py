"""Casting votes: eligibility and the open window re-checked under a lock.

Open ballots store ``governance_vote`` (who voted what). Secret ballots store
``governance_voter`` (who voted) and, separately, ``governance_paper`` (what
was voted, under a random receipt code) with nothing linking the two.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit
from lms.db import db, is_unique_violation, utcnow

from .errors import InvalidInput, NotAllowed, WrongState
from .locks import lock_ballot, lock_voter
from .models import ACTIVE, CHOICES, Ballot, Membership, Paper, Result, RollEntry, Vote, Voter

#: Receipt alphabet: Crockford-style base32 without look-alikes.
_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
RECEIPT_LENGTH = 20


def new_receipt() -> str:
    """A random receipt code, ~98 bits, grouped in fours for reading aloud."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def normalise_receipt(code: str) -> str:
    raw = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@dataclass(frozen=True)
class VoteReceipt:
    """What the voter is told: their vote is recorded; in a secret ballot, the receipt code."""

    ballot_id: int
    changed: bool
    receipt: str | None = None


def _eligible_entry(ballot: Ballot, user_id: int) -> RollEntry:
    """The member's roll entry if they may vote now, else raise :class:`NotAllowed`."""
    row = db.session.execute(
        select(RollEntry, Membership.status)
        .join(Membership, Membership.id == RollEntry.membership_id)
        .where(RollEntry.ballot_id == ballot.id, RollEntry.user_id == user_id)
    ).first()
    if row is None:
        raise NotAllowed(_("You are not on the electoral roll of this ballot."))
    entry, status = row
    if status != ACTIVE and not ballot.rules.get("leavers_keep_vote", False):
        raise NotAllowed(_("You are no longer a member, so you cannot vote in this ballot."))
    return entry


def cast_vote(
    ballot: Ballot,
    user_id: int,
    choice: str,
    *,
    receipt: str | None = None,
    now: dt.datetime | None = None,
) -> VoteReceipt:
    """Record a member's vote (for, against or abstain), or change it if the rules allow.

    Inside the transaction, under the ballot's shared lock and the member's
    lock, it re-checks that the ballot is open, that the member is on the
    roll and still entitled to vote, and whether they already voted. In a
    secret ballot a vote can be changed only with its receipt code (the
    database cannot find it otherwise).

    :param now: the time to check the window against (tests); default: after
        taking the locks, the clock.
    :raises InvalidInput: an unknown choice (a tampered form).
    :raises NotAllowed: not on the roll, or no longer entitled.
    :raises WrongState: the ballot is not open, or the vote cannot be changed.
    """
    if choice not in CHOICES:
        raise InvalidInput(_("Choose for, against or abstain."))
    lock_ballot(ballot.id, shared=True)
    lock_voter(ballot.id, user_id)
    now = now or utcnow()
    if not ballot.is_open(now) or _result_fixed(ballot.id):
        raise WrongState(_("This ballot is not open."))
    entry = _eligible_entry(ballot, user_id)
    allow_change = bool(ballot.rules.get("allow_vote_change", True))
    if ballot.secret:
        outcome = _cast_secret(ballot, entry, choice, receipt, allow_change, now)
    else:
        outcome = _cast_open(ballot, user_id, choice, allow_change, now)
    data = {"changed": outcome.changed}
    if not ballot.secret:
        data["choice"] = choice
    audit.record(
        "governance.vote.cast",
        subject_type="ballot",
        subject_id=ballot.id,
        data=data,
        actor_id=user_id,
    )
    return outcome


def _result_fixed(ballot_id: int) -> bool:
    return db.session.scalar(select(Result.id).where(Result.ballot_id == ballot_id)) is not None


def _cast_open(ballot, user_id, choice, allow_change, now) -> VoteReceipt:
    existing = db.session.scalar(
        select(Vote).where(Vote.ballot_id == ballot.id, Vote.user_id == user_id)
    )
    if existing is not None:
        if not allow_change:
            raise WrongState(_("You have already voted; the rules do not allow changing a vote."))
        if existing.choice != choice:
            existing.choice = choice
            existing.changed_dt = now
            db.session.flush()
        return VoteReceipt(ballot.id, changed=True)
    vote = Vote(ballot_id=ballot.id, user_id=user_id, choice=choice, cast_dt=now)
    try:
        with db.session.begin_nested():
            db.session.add(vote)
    except Exception as exc:
        if is_unique_violation(exc):
            raise WrongState(_("Your vote was already recorded.")) from exc
        raise
    return VoteReceipt(ballot.id, changed=False)


def _cast_secret(ballot, entry, choice, receipt, allow_change, now) -> VoteReceipt:
    voted = db.session.scalar(
        select(Voter.id).where(Voter.ballot_id == ballot.id, Voter.user_id == entry.user_id)
    )
    if voted is not None:
        if not allow_change:
            raise WrongState(_("You have already voted; the rules do not allow changing a vote."))
        paper = db.session.get(Paper, normalise_receipt(receipt or ""))
        if paper is None or paper.ballot_id != ballot.id:
            raise WrongState(
                _("You have already voted. To change a secret vote, give its receipt code.")
            )
        paper.choice = choice
        db.session.flush()
        return VoteReceipt(ballot.id, changed=True, receipt=paper.receipt)
    try:
        with db.session.begin_nested():
            # The voter row has a time; the paper has none and a random key.
            db.session.add(Voter(ballot_id=ballot.id, user_id=entry.user_id, voted_dt=now))
            db.session.flush()
            code = new_receipt()
            db.session.add(
                Paper(
                    receipt=code,
                    ballot_id=ballot.id,
                    member_class=entry.member_class,
                    choice=choice,
                )
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise WrongState(_("Your vote was already recorded.")) from exc
        raise
    return VoteReceipt(ballot.id, changed=False, receipt=code)


def my_vote(ballot: Ballot, user_id: int) -> dict:
    """What a member may see of their own vote: whether they voted and, if open, the choice."""
    if ballot.secret:
        voted = db.session.scalar(
            select(Voter.id).where(Voter.ballot_id == ballot.id, Voter.user_id == user_id)
        )
        return {"voted": voted is not None, "choice": None}
    choice = db.session.scalar(
        select(Vote.choice).where(Vote.ballot_id == ballot.id, Vote.user_id == user_id)
    )
    return {"voted": choice is not None, "choice": choice}


def on_roll(ballot: Ballot, user_id: int) -> bool:
    found = db.session.scalar(
        select(RollEntry.id).where(RollEntry.ballot_id == ballot.id, RollEntry.user_id == user_id)
    )
    return found is not None


def check_receipt(ballot: Ballot, code: str, *, now: dt.datetime | None = None) -> Paper | None:
    """After the close, the paper with this receipt code (choice and class), or ``None``."""
    if not ballot.secret or not ballot.is_closed(now):
        return None
    paper = db.session.get(Paper, normalise_receipt(code))
    return paper if paper is not None and paper.ballot_id == ballot.id else None
