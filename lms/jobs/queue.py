"""The queue of one application: its tasks, its Huey instance, enqueueing and hand-over."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import db, refuse_write_in_read_request, utcnow
from .models import FAILED, QUEUED, RUNNING, Job

logger = logging.getLogger("lms.jobs")

_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")
#: Set in a session's ``info``: ids of jobs enqueued in its open transaction.
_PENDING = "lms_jobs_pending"
#: Set once that transaction has committed, until the ids are handed to Huey.
_COMMITTED = "lms_jobs_committed"


class JobError(RuntimeError):
    """A job cannot be enqueued or retried (unknown task, wrong state)."""


class GiveUp(Exception):  # noqa: N818 (a verdict, not an error kind)
    """Raised by a task to fail its job at once, without further attempts."""


@dataclass(frozen=True)
class Task:
    """A kind of job: a name, the function that does it and how hard to try.

    :param name: ``<owner>.<what>``, e.g. ``certificates.rerender``; jobs
        refer to their task by this name, so keep it stable.
    :param func: called as ``func(ctx, **args)`` in an application context,
        inside a transaction that is committed when it returns (with the job
        marked done) and rolled back when it raises. ``ctx`` is a
        :class:`JobContext`. It must be safe to run twice.
    :param retries: further attempts after the first fails.
    :param retry_delay: seconds before the second attempt.
    :param backoff: each further delay is the previous one times this.
    :param max_delay: the longest delay between attempts, in seconds.
    :param lease: seconds a worker may run it before it counts as lost;
        default ``LMS_JOBS_LEASE_SECONDS``. :meth:`JobContext.checkpoint`
        renews it.
    :param label: what people see on the progress and admin pages.
    """

    name: str
    func: Callable[..., Any]
    retries: int = 5
    retry_delay: float = 30.0
    backoff: float = 2.0
    max_delay: float = 3600.0
    lease: float | None = None
    label: Any = None

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return min(self.max_delay, self.retry_delay * self.backoff ** max(attempt - 1, 0))


class JobContext:
    """What a running task knows of its job, and how it reports progress."""

    def __init__(self, job_id: int, attempt: int, lease: float) -> None:
        self.job_id = job_id
        #: 1 for the first attempt, 2 for the first retry, ...
        self.attempt = attempt
        self._lease = lease

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Record progress (and renew the lease) in the task's transaction, without committing."""
        values: dict[str, Any] = {
            "progress_done": done,
            "lease_until_dt": utcnow() + dt.timedelta(seconds=self._lease),
        }
        if total is not None:
            values["progress_total"] = total
        if message is not None:
            values["message"] = message
        db.session.execute(
            update(Job).where(Job.id == self.job_id).values(**values),
            execution_options={"synchronize_session": False},
        )

    def checkpoint(
        self, done: int | None = None, total: int | None = None, message: str | None = None
    ) -> None:
        """Commit the task's work so far, with its progress when given.

        A job that runs again after a crash starts over from its arguments,
        so what a checkpoint committed must be recognised as done.
        """
        if done is not None:
            self.progress(done, total, message)
        db.session.commit()


class JobQueue:
    """One application's tasks and its Huey instance (made on first use)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.tasks: dict[str, Task] = {}
        self._huey = None
        self._lock = threading.Lock()

    @property
    def huey(self):
        if self._huey is None:
            with self._lock:
                if self._huey is None:
                    self._huey = _make_huey(self.app)
        return self._huey

    def push(self, job_id: int, eta: dt.datetime | None = None) -> bool:
        """Hand a job to the workers; log and return ``False`` when the storage refuses.

        A job whose hand-over failed is still in ``lms_job``; the sweep
        hands it over again later.
        """
        try:
            run = self.huey._lms_run_job
            if eta is not None and eta > utcnow() and not self.huey.immediate:
                run.schedule((job_id,), eta=eta.astimezone(dt.UTC).replace(tzinfo=None))
            else:
                run(job_id)
        except Exception as exc:  # Redis down, disk full: the job waits for the sweep
            logger.warning("job %s not handed to the workers yet (%s); the sweep will", job_id, exc)
            from .. import metrics

            metrics.HANDOVER_FAILURES.inc()
            return False
        return True

    def depth(self) -> int | None:
        """Tasks waiting in Huey's storage, or ``None`` when it cannot be reached."""
        try:
            return self.huey.pending_count()
        except Exception:
            return None


def _make_huey(app: Flask):
    from huey import MemoryHuey, RedisHuey, SqliteHuey

    cfg = app.config
    common = {"results": False, "utc": True}
    if cfg["LMS_JOBS_IMMEDIATE"]:
        huey = MemoryHuey("lms", immediate=True, **common)
    elif cfg["LMS_REDIS_URL"]:
        from redis import ConnectionPool

        # Fail fast when Redis is down: the request has committed its job and
        # goes on; the sweep hands the job over later.
        pool = ConnectionPool.from_url(
            cfg["LMS_REDIS_URL"], socket_connect_timeout=2, socket_timeout=10
        )
        huey = RedisHuey("lms", connection_pool=pool, **common)
    else:
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "jobs.sqlite3")
        huey = SqliteHuey("lms", filename=path, timeout=10, **common)

    def run_job_task(job_id: int) -> None:
        from .runner import run_job

        with app.app_context():
            run_job(job_id)

    huey._lms_run_job = huey.task(name="lms.run_job")(run_job_task)
    return huey


def init_app(app: Flask) -> None:
    """Give ``app`` its (empty) queue. Huey itself is made on first use."""
    app.extensions["lms.jobs"] = JobQueue(app)


def queue_for(app: Flask | None = None) -> JobQueue:
    return (app or current_app).extensions["lms.jobs"]


def register_task(app: Flask, task: Task, *, owner: str) -> None:
    """Register a task (the core with ``owner="lms"``, a plugin with its name).

    :raises JobError: the name does not start with ``<owner>.`` or is taken.
    """
    if not _NAME.match(task.name) or not task.name.startswith(f"{owner}."):
        raise JobError(f"task {task.name!r} must be named '{owner}.<what>'")
    tasks = queue_for(app).tasks
    if task.name in tasks:
        raise JobError(f"task {task.name!r} is registered twice")
    tasks[task.name] = task


def enqueue(
    name: str,
    *,
    key: str | None = None,
    delay: float | None = None,
    created_by_id: int | None = None,
    **args: Any,
) -> Job:
    """Add a job to the current transaction; it is handed to the workers after commit.

    :param name: a registered task's name.
    :param key: at most one queued or running job has a given key (a
        database constraint); while one does, this returns that job instead.
    :param delay: seconds before the job may run.
    :param created_by_id: the user who started it (sees its progress page).
    :param args: the task's keyword arguments: plain JSON data (ids, not objects).
    :raises JobError: no task has that name.
    """
    queue = queue_for()
    task = queue.tasks.get(name)
    if task is None:
        raise JobError(f"there is no task named {name!r}")
    refuse_write_in_read_request()
    now = utcnow()
    job = Job(
        name=name,
        args=args,
        key=key,
        max_attempts=task.retries + 1,
        created_by_id=created_by_id,
        run_after_dt=now + dt.timedelta(seconds=delay or 0),
    )
    if key is None:
        db.session.add(job)
        db.session.flush()
    else:
        existing = _active_with_key(key)
        if existing is not None:
            return existing
        try:
            with db.session.begin_nested():
                db.session.add(job)
        except IntegrityError:
            existing = _active_with_key(key)
            if existing is None:
                raise
            return existing
    _note_pending(db.session(), [(job.id, job.run_after_dt)])
    return job


def _active_with_key(key: str) -> Job | None:
    return db.session.scalar(
        select(Job).where(Job.key == key, Job.state.in_((QUEUED, RUNNING)))
    )


def retry(job: Job) -> None:
    """Queue a failed job again with a fresh set of attempts (an admin's retry).

    :raises JobError: the job has not failed.
    """
    if job.state != FAILED:
        raise JobError("only a failed job can be retried")
    task = queue_for().tasks.get(job.name)
    job.state = QUEUED
    job.attempts = 0
    job.max_attempts = (task.retries + 1) if task else job.max_attempts
    job.run_after_dt = utcnow()
    job.finished_dt = None
    job.lease_until_dt = None
    db.session.flush()
    _note_pending(db.session(), [(job.id, None)])


def _note_pending(
    session: Session, jobs: Iterable[tuple[int, dt.datetime | None]]
) -> None:
    session.info.setdefault(_PENDING, []).extend(jobs)


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        session.info.setdefault(_COMMITTED, []).extend(ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _hand_over_after_commit(session: Session, transaction) -> None:
    # As for the audit sealer: here the session has given its connection back,
    # so a job run at once (immediate mode) does not hold a second one.
    if transaction.parent is not None or _COMMITTED not in session.info:
        return
    queue = queue_for()
    for job_id, eta in session.info.pop(_COMMITTED):
        queue.push(job_id, eta=eta)
