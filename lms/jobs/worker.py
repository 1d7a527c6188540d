"""``flask lms worker``: the Huey consumer that runs jobs, with the sweep beside it."""

from __future__ import annotations

import logging
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from .queue import queue_for

logger = logging.getLogger("lms.jobs")


def sweep_interval(lease: float) -> float:
    """Seconds between sweeps: every minute, or half a lease when leases are short."""
    return max(1.0, min(60.0, lease / 2))


class Sweeper(threading.Thread):
    """Runs :func:`lms.jobs.sweep` now and then until stopped."""

    def __init__(self, app, interval: float) -> None:
        super().__init__(name="lms-job-sweeper", daemon=True)
        self.app, self.interval = app, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        from .runner import sweep

        while not self.stopped.is_set():
            try:
                with self.app.app_context():
                    sweep()
            except Exception:  # the database or the queue is away; try again later
                logger.warning("job sweep failed", exc_info=True)
            self.stopped.wait(self.interval)


@click.command("worker")
@click.option(
    "--workers", type=int, default=None, help="Threads running jobs (default LMS_JOBS_WORKERS)."
)
@with_appcontext
def worker_command(workers: int | None) -> None:
    """Run background jobs until stopped (Ctrl-C or SIGTERM finishes the running ones first)."""
    app = current_app._get_current_object()
    if app.config["LMS_JOBS_IMMEDIATE"]:
        raise click.UsageError("LMS_JOBS_IMMEDIATE is on: jobs run where they are committed.")
    huey = queue_for(app).huey
    where = "Redis" if app.config["LMS_REDIS_URL"] else f"SQLite ({huey.storage.filename})"
    count = workers or app.config["LMS_JOBS_WORKERS"]
    click.echo(f"job worker: {count} thread(s), queue in {where}", err=True)
    sweeper = Sweeper(app, sweep_interval(app.config["LMS_JOBS_LEASE_SECONDS"]))
    sweeper.start()
    consumer = huey.create_consumer(workers=count, worker_type="thread", periodic=False)
    try:
        consumer.run()
    finally:
        sweeper.stopped.set()
