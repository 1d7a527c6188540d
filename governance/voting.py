"""Casting votes: eligibility and the open window re-checked under a lock.

Open ballots store ``governance_vote`` (who voted what). Secret ballots store
``governance_voter`` (who voted) and, separately, ``governance_paper`` (what
was voted, under a random receipt code) with nothing linking the two.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Insert, Integer, String, Update, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms import audit
from lms.db import UTCDateTime, db, is_unique_violation, utcnow

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
    """What the voter is told: their vote is recorded; in a secret ballot, the receipt code.

    ``changed``: an earlier vote now says something else. ``unchanged``: the
    vote sent says what the member's vote already said, so nothing was written.
    """

    ballot_id: int
    changed: bool
    receipt: str | None = None
    unchanged: bool = False


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

    Inside the transaction, under the ballot's shared lock, it re-checks that
    the ballot is open, that no result is fixed, that the member is on the
    roll and still entitled to vote, and whether they already voted. In a
    secret ballot a vote can be changed only with its receipt code (the
    database cannot find it otherwise).

    In an open ballot the common case takes one statement that changes the
    member's vote only where the checks hold (a first vote, one more that
    inserts it; see :func:`_record_open`), so the write lock is held for
    little more than that and the audit entry. When nothing is written, the
    checks run one by one, under the member's lock too, to tell why (or to
    record the vote after all, when a concurrent first vote explains it).

    :param now: the time to check the window against (tests); default: after
        taking the lock, the clock.
    :raises InvalidInput: an unknown choice (a tampered form).
    :raises NotAllowed: not on the roll, or no longer entitled.
    :raises WrongState: the ballot is not open, or the vote cannot be changed.

    The same choice again changes nothing and is not audited: the answer
    says the vote is unchanged.
    """
    if choice not in CHOICES:
        raise InvalidInput(_("Choose for, against or abstain."))
    lock_ballot(ballot.id, shared=True)
    # SQLite: begin the transaction (BEGIN IMMEDIATE: the write lock) before
    # reading the clock, as PostgreSQL's ballot lock above does.
    db.session.connection()
    now = now or utcnow()
    if not ballot.is_open(now):
        raise WrongState(_("This ballot is not open."))
    allow_change = bool(ballot.rules.get("allow_vote_change", True))
    outcome = None
    if not ballot.secret:
        outcome = _record_open(ballot, user_id, choice, allow_change, now)
    if outcome is None:
        lock_voter(ballot.id, user_id)
        if _result_fixed(ballot.id):
            raise WrongState(_("This ballot is not open."))
        entry = _eligible_entry(ballot, user_id)
        if ballot.secret:
            outcome = _cast_secret(ballot, entry, choice, receipt, allow_change, now)
        else:
            outcome = _cast_open(ballot, user_id, choice, allow_change, now)
    if outcome.unchanged:
        return outcome
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


def _record_open(ballot, user_id, choice, allow_change, now) -> VoteReceipt | None:
    """Change, else insert, the member's vote in an open ballot where every check holds.

    Each statement carries the checks in its ``WHERE``: no result is fixed,
    and the member is on the roll with a membership that still entitles
    them; each returns the row it wrote (``rowcount`` is not reliable for
    ``INSERT ... SELECT`` on every driver). Return ``None`` when neither wrote
    a row: a check failed, the vote exists and may not be changed, the vote
    already says ``choice`` (nothing to write), or a concurrent first vote won.
    """
    change, insert = _open_vote_statements(
        db.session.get_bind().dialect.name, bool(ballot.rules.get("leavers_keep_vote", False))
    )
    params = {"vote_ballot": ballot.id, "vote_user": user_id, "vote_choice": choice,
              "vote_now": now}
    # Plain statements on the table: the connection runs them without the ORM's
    # work, after the changes pending in the session (which the ORM would flush).
    db.session.flush()
    connection = db.session.connection()
    if allow_change and connection.execute(change, params).first() is not None:
        _expire_loaded_vote(ballot.id, user_id)
        return VoteReceipt(ballot.id, changed=True)
    if connection.execute(insert, params).first() is not None:
        return VoteReceipt(ballot.id, changed=False)
    return None


@functools.cache
def _open_vote_statements(dialect: str, leavers_keep_vote: bool) -> tuple[Update, Insert]:
    """The two statements of :func:`_record_open`, built once per database and rule.

    Parameters: ``vote_ballot``, ``vote_user``, ``vote_choice``, ``vote_now``.
    """
    votes = Vote.__table__
    ballot_id = bindparam("vote_ballot", type_=Integer)
    user_id = bindparam("vote_user", type_=Integer)
    choice = bindparam("vote_choice", type_=String)
    now = bindparam("vote_now", type_=UTCDateTime)
    entitled = (
        select(RollEntry.id)
        .join(Membership, Membership.id == RollEntry.membership_id)
        .where(RollEntry.ballot_id == ballot_id, RollEntry.user_id == user_id)
    )
    if not leavers_keep_vote:
        entitled = entitled.where(Membership.status == ACTIVE)
    checks = (
        entitled.exists(),
        ~select(Result.id).where(Result.ballot_id == ballot_id).exists(),
    )
    change = (
        update(votes)
        # The same choice again is no change: it falls to the checks one by one, which
        # say so and write nothing (changed_dt is the time of the last change of choice).
        .where(votes.c.ballot_id == ballot_id, votes.c.user_id == user_id,
               votes.c.choice != choice, *checks)
        .values(choice=choice, changed_dt=now)
        .returning(votes.c.id)
    )
    dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    insert = (
        dialect_insert(votes)
        .from_select(["ballot_id", "user_id", "choice", "cast_dt"],
                     select(ballot_id, user_id, choice, now).where(*checks))
        .on_conflict_do_nothing(index_elements=["ballot_id", "user_id"])
        .returning(votes.c.id)
    )
    return change, insert


def _expire_loaded_vote(ballot_id: int, user_id: int) -> None:
    """Let a :class:`Vote` already loaded in the session (tests) reload what was written."""
    for obj in db.session.identity_map.values():
        if isinstance(obj, Vote) and obj.ballot_id == ballot_id and obj.user_id == user_id:
            db.session.expire(obj)


def _result_fixed(ballot_id: int) -> bool:
    return db.session.scalar(select(Result.id).where(Result.ballot_id == ballot_id)) is not None


def _cast_open(ballot, user_id, choice, allow_change, now) -> VoteReceipt:
    existing = db.session.scalar(
        select(Vote).where(Vote.ballot_id == ballot.id, Vote.user_id == user_id)
    )
    if existing is not None:
        if existing.choice == choice:
            return VoteReceipt(ballot.id, changed=False, unchanged=True)
        if not allow_change:
            raise WrongState(_("You have already voted; the rules do not allow changing a vote."))
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
        code = normalise_receipt(receipt or "")
        if not code:
            raise WrongState(
                _("You have already voted. To change a secret vote, give its receipt code.")
            )
        paper = db.session.get(Paper, code)
        if paper is None or paper.ballot_id != ballot.id:
            raise WrongState(
                _("That receipt code is wrong: no vote in this ballot has it. Check the code "
                  "you were given when you voted and try again.")
            )
        if paper.choice == choice:
            return VoteReceipt(ballot.id, changed=False, receipt=paper.receipt, unchanged=True)
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


def check_receipt(ballot: Ballot, code: str, *, now: dt.datetime | None = None) -> bool:
    """After the close, whether the paper with this receipt code was counted.

    Only yes or no: what the paper says is never tied to its receipt outside
    this table, so the receipt cannot prove a choice to anyone.
    """
    if not ballot.secret or not ballot.is_closed(now):
        return False
    found = db.session.scalar(
        select(Paper.ballot_id).where(Paper.receipt == normalise_receipt(code))
    )
    return found == ballot.id
