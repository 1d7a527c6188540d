"""Prometheus metrics: request latency by endpoint, job failures and queue depth.

The counters and histograms live in prometheus_client's default registry.
Under gunicorn each worker is a process of its own: set the environment
variable ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (before start, for
every worker and the job worker) and prometheus_client keeps the values in
files there, which ``/metrics`` adds up across processes (see
``docs/operations.md``). Queue depth and job counts are read from the
database at each scrape, so every process answers the same.

``/metrics`` is closed to the public: it answers a bearer token equal to
``LMS_METRICS_TOKEN``, clients in ``LMS_METRICS_NETWORKS``, and signed-in
holders of ``lms:metrics:view`` (admins); anybody else gets 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterable

from flask import Blueprint, Flask, abort, current_app, request
from flask_login import current_user
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from .extensions import limiter
from .permissions import LMS_METRICS_VIEW, has_permission, public

REQUEST_LATENCY = Histogram(
    "lms_request_duration_seconds",
    "Time to answer a request (until the response starts), by endpoint.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
JOB_ATTEMPT_FAILURES = Counter(
    "lms_job_attempt_failures", "Job attempts that raised (retried or not), by task.", ["task"]
)
JOB_FAILURES = Counter(
    "lms_job_failures", "Jobs that failed for good (kept for an admin), by task.", ["task"]
)
HANDOVER_FAILURES = Counter(
    "lms_job_handover_failures",
    "Jobs committed but not handed to the workers (queue storage unreachable); the sweep will.",
)

bp = Blueprint("metrics", __name__)


def _networks(setting: str) -> list[ipaddress._BaseNetwork]:
    return [ipaddress.ip_network(n.strip(), strict=False) for n in setting.split(",") if n.strip()]


def _allowed() -> bool:
    cfg = current_app.config
    token = cfg["LMS_METRICS_TOKEN"]
    sent = request.headers.get("Authorization", "")
    if token and sent.startswith("Bearer ") and hmac.compare_digest(
        sent[7:].strip().encode(), token.encode()
    ):
        return True
    networks = current_app.extensions.get("lms.metrics_networks")
    if networks is None:
        networks = current_app.extensions["lms.metrics_networks"] = _networks(
            cfg["LMS_METRICS_NETWORKS"]
        )
    if networks and request.remote_addr:
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            address = None
        if address is not None and any(address in n for n in networks):
            return True
    return has_permission(current_user, LMS_METRICS_VIEW)


@bp.route("/metrics")
@public  # decided below: token, network or permission; everyone else gets 404
@limiter.exempt
def metrics():
    if not _allowed():
        abort(404)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    body = generate_latest(registry) + generate_latest(_JobsRegistry())
    return current_app.response_class(body, mimetype=CONTENT_TYPE_LATEST)


class _JobsRegistry:
    """A one-scrape collector of the job table's counts and Huey's queue depth."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from sqlalchemy import func, select

        from .db import db
        from .jobs import DONE, STATES, Job, queue_for

        counts = dict.fromkeys((s for s in STATES if s != DONE), 0)
        counts.update(
            db.session.execute(
                select(Job.state, func.count()).where(Job.state != DONE).group_by(Job.state)
            ).all()
        )
        jobs = GaugeMetricFamily("lms_jobs", "Jobs not done, by state.", labels=["state"])
        for state, n in sorted(counts.items()):
            jobs.add_metric([state], n)
        yield jobs
        oldest = db.session.scalar(
            select(func.min(Job.run_after_dt)).where(Job.state == "queued")
        )
        age = GaugeMetricFamily(
            "lms_jobs_oldest_queued_age_seconds", "How long the oldest due queued job has waited."
        )
        age.add_metric([], max(0.0, time.time() - oldest.timestamp()) if oldest else 0.0)
        yield age
        depth = queue_for().depth()
        queue = GaugeMetricFamily(
            "lms_job_queue_depth", "Tasks waiting in the queue's storage (-1: unreachable)."
        )
        queue.add_metric([], -1 if depth is None else depth)
        yield queue


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
