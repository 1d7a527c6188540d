"""The cohort tables. Every rule that says "only one" or "never more" is a constraint here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.models import User
from lms.db import UTCDateTime, db, utcnow

from ..models import Course
from .figures import install_on_create

SOURCE_UPLOAD = "upload"
SOURCE_KEY = "key"
SOURCE_ADMIN = "admin"
SOURCES = (SOURCE_UPLOAD, SOURCE_KEY, SOURCE_ADMIN)


class Cohort(db.Model):
    """A group taking one course together from ``start_date`` to ``end_date``.

    ``capacity`` ``None`` means no limit. The self-enrolment key is a shared
    word the tutor hands out, not a password: it is shown to tutors and
    compared in constant time.
    """

    __tablename__ = "courses_cohort"
    __table_args__ = (
        UniqueConstraint("course_id", "name"),
        UniqueConstraint("course_id", "enrolment_key"),
        # The target of the members' composite foreign key (a member's course is its cohort's).
        UniqueConstraint("id", "course_id"),
        CheckConstraint("end_date >= start_date", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    enrolment_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Moved by the database whenever a member's figures change (see :mod:`.figures`).
    figures_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    course: Mapped[Course] = relationship()
    tutors: Mapped[list[CohortTutor]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Cohort {self.id} {self.name!r}>"


class CohortTutor(db.Model):
    """A tutor assigned to a cohort. Tutoring also needs the tutor role, checked per request."""

    __tablename__ = "courses_cohort_tutor"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("courses_cohort.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    assigned_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="tutors")
    user: Mapped[User] = relationship()


class CohortMember(db.Model):
    """A learner in a cohort: at most one cohort per learner and course.

    ``course_id`` repeats the cohort's course so that the database itself can
    say "one cohort per learner and course"; the composite foreign key keeps
    it equal to the cohort's.
    """

    __tablename__ = "courses_cohort_member"
    __table_args__ = (
        UniqueConstraint("course_id", "user_id"),
        UniqueConstraint("enrolment_id"),
        ForeignKeyConstraint(
            ["cohort_id", "course_id"],
            ["courses_cohort.id", "courses_cohort.course_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("source IN ('upload', 'key', 'admin')", name="known_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(Integer, index=True)
    course_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("courses_enrolment.id", ondelete="CASCADE")
    )
    source: Mapped[str] = mapped_column(String(20))
    joined_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class CohortAnnouncement(db.Model):
    """A message from a tutor to the cohort: on members' dashboards and by email."""

    __tablename__ = "courses_cohort_announcement"
    __table_args__ = (
        # A form sent twice carries the same token: the second insert fails, and one
        # announcement (and one email to each member) is kept.
        UniqueConstraint("author_id", "submit_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("courses_cohort.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    posted_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The token of the form that posted it (:class:`lms.forms.SentOnceForm`).
    submit_token: Mapped[str | None] = mapped_column(String(64), nullable=True)

    author: Mapped[User | None] = relationship()


class CohortUpload(db.Model):
    """An uploaded enrolment file, kept between its preview and its confirmation.

    ``rows`` holds the parsed rows (row number, email, name); the preview and
    the confirmation both work out each row's fate from them, so what is
    applied is exactly what was previewed, against the cohort as it is then.
    """

    __tablename__ = "courses_cohort_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("courses_cohort.id", ondelete="CASCADE"), index=True
    )
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    filename: Mapped[str] = mapped_column(String(255), default="")
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    uploaded_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


INVITATION_PENDING = "pending"
INVITATION_ACCEPTED = "accepted"
INVITATION_DECLINED = "declined"


class CohortInvitation(db.Model):
    """An invitation for someone who already has an account to join a cohort.

    A cohort upload never puts an existing account in a group: the person is
    asked, and only when they accept do they become a member (and so come into
    the tutors' scope). One row per person and cohort: an expired invitation is
    renewed by the next upload; a declined one is not sent again. A pending
    invitation past ``expires_dt`` has expired (worked out when read, so that
    reading never writes).
    """

    __tablename__ = "courses_cohort_invitation"
    __table_args__ = (
        UniqueConstraint("cohort_id", "user_id"),
        CheckConstraint(
            "status IN ('pending', 'accepted', 'declined')", name="known_status"
        ),
        CheckConstraint("expires_dt > invited_dt", name="expires_after_invited"),
        CheckConstraint(
            "(status = 'pending') = (answered_dt IS NULL)", name="answered_when_not_pending"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("courses_cohort.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(20), default=INVITATION_PENDING)
    invited_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    answered_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_open(self, now: dt.datetime) -> bool:
        """Tell whether the invitation can still be answered at ``now``."""
        return self.status == INVITATION_PENDING and self.expires_dt > now


install_on_create(db.metadata)
