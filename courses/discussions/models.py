"""The discussion tables: threads, posts, followers and reports.

A thread belongs to a *space*: a course's group (``cohort_id`` set) or the
course itself (``cohort_id`` null: the space of everyone enrolled who is in no
group). A thread may be about one lesson (``item_id``). Posts are numbered
from 1 within their thread (unique), so a page of 50 is a range of numbers,
which costs the same on page 1 and page 10. Hidden and deleted posts keep
their row and number: the thread shows a placeholder in their place.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, db, utcnow


class DiscussionThread(db.Model):
    __tablename__ = "courses_discussion_thread"
    __table_args__ = (
        CheckConstraint("post_count >= 0", name="post_count_not_negative"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )
    #: The group whose space this is; null: the course's space for learners in no group.
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses_cohort.id", ondelete="CASCADE"), nullable=True, index=True
    )
    #: The lesson the thread is about, if any.
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses_item.id", ondelete="SET NULL"), nullable=True, index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    title: Mapped[str] = mapped_column(String(200))
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    is_locked: Mapped[bool] = mapped_column(default=False)
    is_pinned: Mapped[bool] = mapped_column(default=False)


class DiscussionPost(db.Model):
    __tablename__ = "courses_discussion_post"
    __table_args__ = (
        UniqueConstraint("thread_id", "number"),
        # A form sent twice carries the same token: the second insert fails, one post is kept.
        UniqueConstraint("author_id", "submit_token"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(
            "(hidden_dt IS NULL) = (hidden_reason IS NULL)", name="hidden_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("courses_discussion_thread.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True, index=True
    )
    submit_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hidden_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hidden_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    hidden_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )


class DiscussionFollow(db.Model):
    """Someone told of new replies to a thread (one row per thread and person)."""

    __tablename__ = "courses_discussion_follow"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("courses_discussion_thread.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("lms_user.id", ondelete="CASCADE"), index=True
    )


class DiscussionReport(db.Model):
    """Someone thinks a post needs a moderator; one open report per post and person."""

    __tablename__ = "courses_discussion_report"
    __table_args__ = (UniqueConstraint("post_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("courses_discussion_post.id", ondelete="CASCADE"), index=True
    )
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("lms_user.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(500))
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    resolved_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
