"""The governance plugin's models. Every table carries the ``governance_`` prefix.

Who may vote, and how often, is enforced by the database:

* one current (applied or active) membership per person: a partial unique index;
* one roll entry per person and ballot: ``uq(ballot_id, user_id)``;
* one vote per member and ballot: ``uq(ballot_id, user_id)`` on ``governance_vote``
  (open ballots) and on ``governance_voter`` (secret ballots), each with a
  composite foreign key to the roll, so nobody off the roll can be stored as
  having voted;
* one ballot per proposal, one result per ballot, one enactment per proposal;
* one proposal or comment per member and form sent (``submit_token``), so a
  form sent twice (a double click, a resend) stores one.

Secret ballots keep ``governance_voter`` (who voted) apart from
``governance_paper`` (what was voted): a paper has no member, no user id,
no membership id, no time and no sequential id. Its primary key is the
random receipt code, and on SQLite the table is ``WITHOUT ROWID`` so rows
are stored in receipt order, not in insertion order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, db, utcnow

# Membership statuses.
APPLIED = "applied"
ACTIVE = "active"
DECLINED = "declined"
WITHDRAWN = "withdrawn"
LAPSED = "lapsed"
MEMBERSHIP_STATUSES = (APPLIED, ACTIVE, DECLINED, WITHDRAWN, LAPSED)

# Proposal statuses: in notice (seconding and discussion), at ballot, closed.
NOTICE = "notice"
BALLOT = "ballot"
CLOSED = "closed"
PROPOSAL_STATUSES = (NOTICE, BALLOT, CLOSED)

# Choices.
FOR = "for"
AGAINST = "against"
ABSTAIN = "abstain"
CHOICES = (FOR, AGAINST, ABSTAIN)

# Enactment statuses.
ENACTED = "enacted"
FAILED = "failed"
ENACTMENT_STATUSES = (ENACTED, FAILED)

_CHOICE_CHECK = "choice IN ('for', 'against', 'abstain')"
_CURRENT = "status IN ('applied', 'active')"


class Membership(db.Model):
    """One person's membership (or application): a row per spell of membership."""

    __tablename__ = "governance_membership"
    __table_args__ = (
        CheckConstraint(
            "status IN ('applied', 'active', 'declined', 'withdrawn', 'lapsed')",
            name="known_status",
        ),
        # One current (applied or active) membership per person.
        Index(
            "uq_governance_membership_current",
            "user_id",
            unique=True,
            sqlite_where=text(_CURRENT),
            postgresql_where=text(_CURRENT),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    member_class: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default=APPLIED, index=True)
    applied_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    joined_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    left_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    #: The former member's name as the register shows it, kept when their account is
    #: erased until the register's legal period ends (then emptied by retention).
    former_name: Mapped[str | None] = mapped_column(String(120), nullable=True)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.status == ACTIVE


class Rulebook(db.Model):
    """One version of the rules; the highest version is in force."""

    __tablename__ = "governance_rulebook"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The proposal whose decision made this version (none for the defaults).
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("governance_proposal.id", ondelete="SET NULL"), nullable=True, unique=True
    )


class Proposal(db.Model):
    """A proposal of one decision kind with its validated payload."""

    __tablename__ = "governance_proposal"
    __table_args__ = (
        CheckConstraint("status IN ('notice', 'ballot', 'closed')", name="known_status"),
        CheckConstraint("resolution IN ('ordinary', 'special')", name="known_resolution"),
        UniqueConstraint("proposer_id", "submit_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: One sentence from the kind's ``describe``.
    summary: Mapped[str] = mapped_column(String(1000), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    proposer_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True, index=True
    )
    resolution: Mapped[str] = mapped_column(String(20))
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default=NOTICE, index=True)
    rule_version: Mapped[int] = mapped_column(Integer)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    notice_ends_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    #: The token of the form that raised it: the same form sent again finds this proposal.
    submit_token: Mapped[str | None] = mapped_column(String(64), nullable=True)

    proposer = relationship("User", lazy="joined")
    ballot: Mapped[Ballot | None] = relationship(back_populates="proposal", uselist=False)
    enactment: Mapped[Enactment | None] = relationship(back_populates="proposal", uselist=False)


class Second(db.Model):
    """A member seconding a proposal."""

    __tablename__ = "governance_second"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("governance_proposal.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")


class Comment(db.Model):
    """A member's comment on a proposal (Markdown, stored with its sanitised HTML)."""

    __tablename__ = "governance_comment"
    __table_args__ = (UniqueConstraint("author_id", "submit_token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("governance_proposal.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The token of the form that sent it: the same form sent again finds this comment.
    submit_token: Mapped[str | None] = mapped_column(String(64), nullable=True)

    author = relationship("User", lazy="joined")


class Ballot(db.Model):
    """The vote on one proposal, over a frozen electoral roll.

    Status is computed from time: open from ``opens_dt`` until ``closes_dt``,
    closed afterwards, whether or not its :class:`Result` is fixed yet.
    """

    __tablename__ = "governance_ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("governance_proposal.id", ondelete="CASCADE"), unique=True
    )
    opens_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    secret: Mapped[bool] = mapped_column(Boolean)
    resolution: Mapped[str] = mapped_column(String(20))
    rule_version: Mapped[int] = mapped_column(Integer)
    #: The rules in force when the ballot opened (they apply to the whole ballot).
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    roll_count: Mapped[int] = mapped_column(Integer, default=0)
    #: SHA-256 of the roll (see ``operations.roll_digest``).
    roll_hash: Mapped[str] = mapped_column(String(64), default="")
    #: Why the secretary opened it before its notice period ended, or closed it before its
    #: time (only where the rules allow); empty when it ran its normal course.
    opened_early_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    closed_early_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    proposal: Mapped[Proposal] = relationship(back_populates="ballot", lazy="joined")
    result: Mapped[Result | None] = relationship(back_populates="ballot", uselist=False)

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.opens_dt <= now < self.closes_dt

    def is_closed(self, now: dt.datetime | None = None) -> bool:
        return (now or utcnow()) >= self.closes_dt


class RollEntry(db.Model):
    """A member on a ballot's frozen electoral roll."""

    __tablename__ = "governance_roll_entry"
    __table_args__ = (UniqueConstraint("ballot_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("governance_ballot.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("governance_membership.id", ondelete="CASCADE")
    )
    member_class: Mapped[str] = mapped_column(String(40))


class Vote(db.Model):
    """A vote in an open (not secret) ballot: who voted what."""

    __tablename__ = "governance_vote"
    __table_args__ = (
        UniqueConstraint("ballot_id", "user_id"),
        ForeignKeyConstraint(
            ["ballot_id", "user_id"],
            ["governance_roll_entry.ballot_id", "governance_roll_entry.user_id"],
            name="fk_governance_vote_roll",
            ondelete="CASCADE",
        ),
        CheckConstraint(_CHOICE_CHECK, name="known_choice"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    choice: Mapped[str] = mapped_column(String(10))
    cast_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Voter(db.Model):
    """Who voted in a secret ballot; what they voted is not here."""

    __tablename__ = "governance_voter"
    __table_args__ = (
        UniqueConstraint("ballot_id", "user_id"),
        ForeignKeyConstraint(
            ["ballot_id", "user_id"],
            ["governance_roll_entry.ballot_id", "governance_roll_entry.user_id"],
            name="fk_governance_voter_roll",
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    voted_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Paper(db.Model):
    """What was voted in a secret ballot, under a random receipt code; nothing says by whom.

    ``member_class`` allows the breakdown by class; in a class with very few
    voters it narrows who a paper can belong to (see the docs).
    """

    __tablename__ = "governance_paper"
    __table_args__ = (
        CheckConstraint(_CHOICE_CHECK, name="known_choice"),
        {"sqlite_with_rowid": False},
    )

    receipt: Mapped[str] = mapped_column(String(32), primary_key=True)
    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("governance_ballot.id", ondelete="CASCADE"), index=True
    )
    member_class: Mapped[str] = mapped_column(String(40))
    choice: Mapped[str] = mapped_column(String(10))


class Result(db.Model):
    """The fixed result of a closed ballot, with its arithmetic; exactly one per ballot."""

    __tablename__ = "governance_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("governance_ballot.id", ondelete="CASCADE"), unique=True
    )
    fixed_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    eligible: Mapped[int] = mapped_column(Integer)
    turnout: Mapped[int] = mapped_column(Integer)
    quorum: Mapped[int] = mapped_column(Integer)
    quorum_met: Mapped[bool] = mapped_column(Boolean)
    votes_for: Mapped[int] = mapped_column(Integer)
    votes_against: Mapped[int] = mapped_column(Integer)
    abstentions: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    rule_version: Mapped[int] = mapped_column(Integer)
    #: Everything else of the tally (see ``operations.Tally.as_dict``).
    arithmetic: Mapped[dict[str, Any]] = mapped_column(JSON)

    ballot: Mapped[Ballot] = relationship(back_populates="result")


class Enactment(db.Model):
    """What carrying out a passed decision did, or why it failed; one per proposal."""

    __tablename__ = "governance_enactment"
    __table_args__ = (CheckConstraint("status IN ('enacted', 'failed')", name="known_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("governance_proposal.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    enacted_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    proposal: Mapped[Proposal] = relationship(back_populates="enactment")
