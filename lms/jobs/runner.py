"""Running jobs: claim, run, record the outcome; and the sweep that finds lost jobs."""

from __future__ import annotations

import datetime as dt
import traceback

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from .. import observability
from ..db import db, utcnow
from .models import DONE, FAILED, QUEUED, RUNNING, Job
from .queue import GiveUp, JobContext, Task, logger, queue_for

#: A queued job this long past due, with Huey's queue empty, was not handed over.
SWEEP_GRACE = dt.timedelta(seconds=60)
#: The most jobs one sweep hands over (and the most done jobs it deletes).
SWEEP_BATCH = 1000
#: Done jobs are kept this long (their progress pages keep working), then deleted.
KEEP_DONE = dt.timedelta(days=30)
_ERROR_CHARS = 4000


def run_job(job_id: int) -> str:
    """Claim job ``job_id`` and run it; return ``done``, ``retry``, ``failed`` or ``skipped``.

    ``skipped``: another worker has it, it is done, or it is not due yet.
    Call inside an application context; every outcome is committed.
    """
    queue = queue_for()
    name = db.session.scalar(select(Job.name).where(Job.id == job_id))
    db.session.rollback()
    if name is None:
        return "skipped"
    task = queue.tasks.get(name)
    lease = (task.lease if task and task.lease else None) or current_app.config[
        "LMS_JOBS_LEASE_SECONDS"
    ]
    now = utcnow()
    claimed = db.session.execute(
        update(Job)
        .where(
            Job.id == job_id,
            or_(
                and_(Job.state == QUEUED, Job.run_after_dt <= now),
                and_(Job.state == RUNNING, Job.lease_until_dt < now),
            ),
        )
        .values(state=RUNNING, attempts=Job.attempts + 1, lease_until_dt=now + _seconds(lease))
        .returning(Job.args, Job.attempts, Job.max_attempts),
        execution_options={"synchronize_session": False},
    ).first()
    db.session.commit()
    if claimed is None:
        return "skipped"
    args, attempt, max_attempts = claimed
    if task is None:
        return _fail(job_id, name, f"there is no task named {name!r} in this application")
    if attempt > max_attempts:
        # Each earlier attempt ended with its worker gone (killed, machine lost).
        return _fail(job_id, name, "the worker stopped during every attempt")
    ctx = JobContext(job_id, attempt, lease)
    token = observability.job_id.set(job_id)
    try:
        task.func(ctx, **(args or {}))
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state=DONE, finished_dt=utcnow(), lease_until_dt=None),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    except GiveUp as exc:
        db.session.rollback()
        return _fail(job_id, name, str(exc) or type(exc).__name__)
    except Exception as exc:
        db.session.rollback()
        logger.warning("job %s (%s) attempt %s failed", job_id, name, attempt, exc_info=True)
        if attempt >= max_attempts:
            return _fail(job_id, name, _describe(exc))
        return _later(job_id, name, task, attempt, _describe(exc))
    finally:
        observability.job_id.reset(token)
    logger.info("job %s (%s) done", job_id, name)
    return "done"


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


def _describe(exc: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return text[:_ERROR_CHARS]


def _later(job_id: int, name: str, task: Task, attempt: int, error: str) -> str:
    from .. import metrics

    run_after = utcnow() + _seconds(task.delay_after(attempt))
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(state=QUEUED, run_after_dt=run_after, lease_until_dt=None, last_error=error),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    metrics.JOB_ATTEMPT_FAILURES.labels(name).inc()
    queue_for().push(job_id, eta=run_after)
    return "retry"


def _fail(job_id: int, name: str, error: str) -> str:
    from .. import metrics

    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(state=FAILED, finished_dt=utcnow(), lease_until_dt=None, last_error=error),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    metrics.JOB_ATTEMPT_FAILURES.labels(name).inc()
    metrics.JOB_FAILURES.labels(name).inc()
    logger.error("job %s (%s) failed for good: %s", job_id, name, error)
    return "failed"


def sweep(now: dt.datetime | None = None) -> int:
    """Hand over again the jobs the workers lost; return how many.

    Lost are running jobs whose lease has ended (their worker died) and,
    when Huey's queue is empty, queued jobs due for a while (their hand-over
    failed: Redis was down when their transaction committed). Handing a job
    over twice is harmless: only one worker can claim it.
    """
    now = now or utcnow()
    queue = queue_for()
    expired = select(Job.id).where(Job.state == RUNNING, Job.lease_until_dt < now)
    ids = list(db.session.scalars(expired.order_by(Job.id).limit(SWEEP_BATCH)))
    depth = queue.depth()
    if depth == 0:
        due = select(Job.id).where(Job.state == QUEUED, Job.run_after_dt <= now - SWEEP_GRACE)
        ids += db.session.scalars(due.order_by(Job.id).limit(SWEEP_BATCH))
    db.session.rollback()
    handed = sum(queue.push(job_id) for job_id in ids)
    if ids:
        logger.info("sweep handed %s of %s lost job(s) to the workers", handed, len(ids))
    _prune(now)
    return handed


def _prune(now: dt.datetime) -> None:
    """Delete done jobs finished before :data:`KEEP_DONE` (failed ones stay for admins)."""
    old = (
        select(Job.id)
        .where(Job.state == DONE, Job.finished_dt < now - KEEP_DONE)
        .limit(SWEEP_BATCH)
        .scalar_subquery()
    )
    deleted = db.session.execute(delete(Job).where(Job.id.in_(old))).rowcount
    db.session.commit()
    if deleted:
        logger.info("deleted %s done job(s) older than %s days", deleted, KEEP_DONE.days)
