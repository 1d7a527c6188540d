"""The job table: the durable record of every background job.

Huey carries job ids to the workers; this table is what a job *is*. A job
row is written in the caller's transaction, so a rolled-back request leaves
no job and a committed one cannot lose it, whatever happens to Huey's
storage (Redis down, a worker killed after taking the task).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db, utcnow

#: A job's states. ``queued``: waiting to run (first time or again, after
#: ``run_after_dt``); ``running``: claimed by a worker until ``lease_until_dt``;
#: ``done``; ``failed``: out of attempts, kept for an admin to retry.
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STATES = (QUEUED, RUNNING, DONE, FAILED)
_ACTIVE = "state IN ('queued', 'running')"
_OPEN = "state <> 'done'"


class Job(db.Model):
    """One background job: a registered task's name, its arguments and its fate."""

    __tablename__ = "lms_job"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
        CheckConstraint("attempts >= 0 AND max_attempts >= 1", name="attempts"),
        # One active job per key: starting the same bulk work twice joins the first.
        Index(
            "uq_lms_job_active_key",
            "key",
            unique=True,
            sqlite_where=text(_ACTIVE),
            postgresql_where=text(_ACTIVE),
        ),
        # The sweep's work list (due queued jobs, expired leases), the failed
        # jobs admins see, and the metrics' counts: every job but the done ones.
        Index(
            "ix_lms_job_open",
            "state",
            "run_after_dt",
            sqlite_where=text(_OPEN),
            postgresql_where=text(_OPEN),
        ),
        Index("ix_lms_job_finished_dt", "finished_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    key: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL")
    )
    run_after_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Progress the task reports (``done`` of ``total``) and its last words.
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    message: Mapped[str | None] = mapped_column(Text)
    last_error: Mapped[str | None] = mapped_column(Text)

    @property
    def is_active(self) -> bool:
        return self.state in (QUEUED, RUNNING)

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)
