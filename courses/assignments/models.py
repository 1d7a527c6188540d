"""Submissions: one per learner and assignment, each submission kept as a version.

A submission's ``state`` moves draft → submitted → returned (resubmission
asked) → submitted → ... → passed. Every submit adds a
:class:`SubmissionVersion` (numbered, unique per submission) holding the text
and files as sent; marking writes the version's outcome, feedback and one
:class:`SubmissionMark` per rubric criterion (unique per version and
criterion). ``lock_version`` is the optimistic lock of marking: a tutor's
marks apply only if nobody changed the submission since they opened it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, db, utcnow

STATE_DRAFT = "draft"
STATE_SUBMITTED = "submitted"
STATE_RETURNED = "returned"
STATE_PASSED = "passed"
STATES = (STATE_DRAFT, STATE_SUBMITTED, STATE_RETURNED, STATE_PASSED)
OUTCOMES = (STATE_RETURNED, STATE_PASSED)


class Submission(db.Model):
    __tablename__ = "courses_submission"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "item_id"),
        CheckConstraint(
            "state IN ('draft', 'submitted', 'returned', 'passed')", name="known_state"
        ),
        CheckConstraint("version_count >= 0", name="version_count_not_negative"),
        # Submitted at least once unless a draft; a draft has never been sent.
        CheckConstraint(
            "(state = 'draft') = (version_count = 0)", name="draft_until_submitted"
        ),
        CheckConstraint(
            "(submitted_dt IS NULL) = (version_count = 0)", name="submitted_when_sent"
        ),
        # The marking queue: waiting submissions, oldest first.
        Index("ix_courses_submission_state_submitted_dt", "state", "submitted_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("courses_enrolment.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("courses_item.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), default=STATE_DRAFT)
    #: The answer being written (kept between visits until it is submitted).
    draft_text: Mapped[str] = mapped_column(Text, default="")
    version_count: Mapped[int] = mapped_column(Integer, default=0)
    #: When the latest version was submitted (the marking queue's order).
    submitted_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=0)


class SubmissionVersion(db.Model):
    """One submission as sent, with its marking once a tutor marked it."""

    __tablename__ = "courses_submission_version"
    __table_args__ = (
        UniqueConstraint("submission_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(
            "outcome IS NULL OR outcome IN ('returned', 'passed')", name="known_outcome"
        ),
        CheckConstraint(
            "(outcome IS NULL) = (marked_dt IS NULL)", name="marked_with_outcome"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("courses_submission.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    submitted_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    feedback_md: Mapped[str] = mapped_column(Text, default="")
    feedback_html: Mapped[str] = mapped_column(Text, default="")
    marked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    marked_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SubmissionMark(db.Model):
    """The level a tutor chose for one rubric criterion of one version."""

    __tablename__ = "courses_submission_mark"
    __table_args__ = (
        UniqueConstraint("version_id", "criterion"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("courses_submission_version.id", ondelete="CASCADE"), index=True
    )
    criterion: Mapped[str] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(80))
    points: Mapped[int] = mapped_column(Integer)


class SubmissionFile(db.Model):
    """A file a learner attached: in the draft (``version_id`` null) or in a version sent.

    The bytes live in the upload folder under ``stored_name`` (random); the
    name the learner gave is only ever a download name.
    """

    __tablename__ = "courses_submission_file"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("courses_submission.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses_submission_version.id", ondelete="CASCADE"), nullable=True,
        index=True,
    )
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    file_type: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
