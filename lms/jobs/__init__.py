"""Background jobs: one queue owned by the core, tasks registered by name.

A job is a row of ``lms_job`` (:class:`Job`) written in the caller's
transaction by :func:`enqueue`: a request that rolls back leaves no job, and
one that commits cannot lose it. Once the transaction has committed, the
job's id is handed to Huey, whose consumer (``flask lms worker``) runs it:
Huey's SQLite storage in the instance folder by default, Redis when
``LMS_REDIS_URL`` is set, or, with ``LMS_JOBS_IMMEDIATE``, at once in the
process that committed (the tests, a development site without a worker).

A worker *claims* a job (one ``UPDATE``: queued and due, or running with an
expired lease) before running it, so a job handed over twice runs once. A
job that raises is tried again after a delay that grows (``retry_delay``
times ``backoff`` to the power of the attempts so far, at most
``max_delay``); out of attempts it is ``failed`` and kept, for an admin to see
and retry at ``/admin/jobs``. A worker killed mid-job leaves the job
``running``; when its lease ends, the sweep (every minute in the worker, and
when a worker starts) hands it over again. The sweep also hands over queued
jobs whose hand-over was lost (Redis was down when the request committed).

So a job may run more than once: tasks must be safe to run twice (check
what is already done, use idempotency keys). Plugins never import each
other's tasks: they enqueue by name.

Registering a task (a plugin does it with :attr:`lms.plugins.Plugin.tasks`
or from its ``setup`` with :func:`register_task`)::

    from lms.jobs import Task

    def rerender(ctx, course_slug):
        for done, total in work(course_slug):
            ctx.checkpoint(done, total)     # commits the work so far

    plugin = Plugin(name="certificates", tasks=[Task("certificates.rerender", rerender)])

and running one: ``job = enqueue("certificates.rerender", course_slug="x")``
inside the request's transaction (the view commits). ``url_for("jobs.progress",
job_id=job.id)`` is a progress page its creator and admins can see.
"""

from .models import DONE, FAILED, QUEUED, RUNNING, STATES, Job
from .queue import (
    GiveUp,
    JobContext,
    JobError,
    Task,
    enqueue,
    init_app,
    queue_for,
    register_task,
    retry,
)
from .runner import run_job, sweep

__all__ = [
    "DONE",
    "FAILED",
    "QUEUED",
    "RUNNING",
    "STATES",
    "GiveUp",
    "Job",
    "JobContext",
    "JobError",
    "Task",
    "enqueue",
    "init_app",
    "queue_for",
    "register_task",
    "retry",
    "run_job",
    "sweep",
]
