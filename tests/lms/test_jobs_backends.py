"""The job queue on its real storages: Redis on this machine (db 1), Redis down, and SQLite
storage with a real worker process killed in the middle of a job."""

from __future__ import annotations

import asyncio
import email
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from sqlalchemy import select

from lms import jobs
from lms.db import db as _db
from lms.jobs import Job
from lms.mail import OutboxMessage, send_many
from lms.testing import csrf_token

REDIS_URL = "redis://127.0.0.1:6379/1"  # scale's database on the shared Redis


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Collect:
    def __init__(self, stall_subject: str | None = None):
        self.envelopes = []
        self.stall_subject = stall_subject
        self.stalled = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        subject = email.message_from_bytes(envelope.content)["Subject"]
        if subject == self.stall_subject and not self.stalled:
            self.stalled = True
            await asyncio.sleep(600)  # the worker dies waiting for our answer
        return "250 OK"


@pytest.fixture()
def smtp():
    handler = _Collect(stall_subject="Two")
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture()
def redis_db1():
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # fails, never skips, when this machine's Redis is not running
    yield client
    for key in client.scan_iter("huey.*lms*"):
        client.delete(key)


def test_jobs_go_through_the_real_redis(app, db, make_app, smtp, redis_db1):
    controller, handler = smtp
    handler.stall_subject = None
    queued = make_app({
        "LMS_JOBS_IMMEDIATE": False, "LMS_REDIS_URL": REDIS_URL,
        "LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": controller.port,
    })
    with queued.app_context():
        queue = jobs.queue_for(queued)
        queue.huey.flush()
        send_many([("r@example.org", "Via Redis", "Hello")])
        assert queue.depth() == 0  # nothing handed over before the commit
        _db.session.commit()
        assert queue.depth() == 1
        assert any(redis_db1.scan_iter("huey.*lms*"))
        # What a worker does: take the task from Redis and run it.
        task = queue.huey.dequeue()
        queue.huey.execute(task)
        assert queue.depth() == 0
    (envelope,) = handler.envelopes
    assert envelope.rcpt_tos == ["r@example.org"]
    db.session.expire_all()
    assert db.session.scalars(select(Job.state)).all() == ["done"]
    assert db.session.scalars(select(OutboxMessage.status)).all() == ["sent"]


def test_redis_down_requests_work_and_jobs_wait_then_go(
    app, db, make_app, make_user, smtp, redis_db1, caplog
):
    controller, handler = smtp
    handler.stall_subject = None
    settings = {
        "LMS_JOBS_IMMEDIATE": False,
        "LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": controller.port,
        "RATELIMIT_ENABLED": True,
    }
    down = make_app({**settings, "LMS_REDIS_URL": f"redis://127.0.0.1:{_free_port()}/1"})
    user = make_user(email="waits@example.org")
    client = down.test_client()
    token = csrf_token(client, "/account/reset")
    response = client.post("/account/reset", data={"email": user.email, "csrf_token": token})
    assert response.status_code == 302  # the request works without Redis
    assert "not handed to the workers yet" in caplog.text
    login_page = client.get("/account/login")
    assert login_page.status_code == 200
    admin = make_user(roles=("admin",))
    admin_client = down.test_client()
    token = csrf_token(admin_client, "/account/login")
    assert admin_client.post(
        "/account/login", data={"email": admin.email, "password": "correct horse battery",
                                "csrf_token": token},
    ).status_code == 302
    jobs_page = admin_client.get("/admin/jobs").get_data(as_text=True)
    assert "The queue cannot be reached just now" in jobs_page
    assert "lms.mail.deliver" in jobs_page
    db.session.expire_all()
    (job,) = db.session.scalars(select(Job)).all()
    assert job.state == "queued"
    assert handler.envelopes == []
    later = job.run_after_dt + jobs.runner.SWEEP_GRACE
    db.session.commit()  # SQLite: free the write lock for the sweep
    # Redis is back (the same settings, a live server): the sweep hands the job over.
    back = make_app({**settings, "LMS_REDIS_URL": REDIS_URL})
    with back.app_context():
        queue = jobs.queue_for(back)
        queue.huey.flush()
        assert jobs.sweep(now=later) == 1
        queue.huey.execute(queue.huey.dequeue())
    (envelope,) = handler.envelopes
    assert envelope.rcpt_tos == ["waits@example.org"]


def _worker(instance: Path, env_extra: dict[str, str]) -> subprocess.Popen:
    env = {
        **os.environ,
        "LMS_INSTANCE_PATH": str(instance),
        "LMS_JOBS_IMMEDIATE": "0",
        "LMS_JOBS_LEASE_SECONDS": "2",
        "LMS_REDIS_URL": "",
        **env_extra,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "lms", "worker", "--workers", "1"],
        cwd=Path(__file__).resolve().parents[2], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_killing_the_worker_mid_job_loses_nothing_and_sends_no_mail_twice(
    app, db, app_config, make_app, smtp, tmp_path, monkeypatch
):
    controller, handler = smtp
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    env = {
        "LMS_ENV": "testing",
        "LMS_SECRET_KEY": app_config["LMS_SECRET_KEY"],
        "LMS_DATABASE_URL": app_config["LMS_DATABASE_URL"],
        "LMS_SMTP_HOST": "127.0.0.1",
        "LMS_SMTP_PORT": str(controller.port),
        "LMS_SMTP_TIMEOUT": "30",
    }
    sender = make_app({"LMS_JOBS_IMMEDIATE": False, "LMS_SMTP_HOST": "127.0.0.1",
                       "LMS_SMTP_PORT": controller.port})
    with sender.app_context():
        send_many([(f"{n.lower()}@example.org", n, f"Body {n}") for n in ("One", "Two", "Three")])
        _db.session.commit()
    assert (tmp_path / "jobs.sqlite3").exists()
    first = _worker(tmp_path, env)
    try:
        _wait(lambda: handler.stalled, 60, "the second message to reach the server")
        first.send_signal(signal.SIGKILL)  # mid-job: "Two" is being sent
        first.wait(10)
        db.session.expire_all()
        rows = db.session.execute(select(OutboxMessage.subject, OutboxMessage.status)).all()
        statuses = dict(rows)
        assert statuses == {"One": "sent", "Two": "queued", "Three": "queued"}
        assert db.session.scalars(select(Job.state)).all() == ["running"]
        db.session.commit()
        second = _worker(tmp_path, env)
        try:
            def finished():
                db.session.expire_all()
                done = db.session.scalars(select(Job.state)).all() == ["done"]
                db.session.commit()
                return done

            _wait(finished, 60, "the job to be taken over and finished")
        finally:
            second.send_signal(signal.SIGINT)
            second.wait(20)
    finally:
        if first.poll() is None:
            first.kill()
    subjects = [email.message_from_bytes(e.content)["Subject"] for e in handler.envelopes]
    # "One" was marked sent before the kill and never goes again; "Two" was in flight (the
    # server had not answered) and goes again with the same Message-ID, for the receiving
    # server to recognise; "Three" goes once.
    assert subjects == ["One", "Two", "Two", "Three"]
    ids = [email.message_from_bytes(e.content)["Message-ID"] for e in handler.envelopes]
    assert ids[1] == ids[2] and len(set(ids)) == 3
    db.session.expire_all()
    assert set(db.session.scalars(select(OutboxMessage.status))) == {"sent"}
    (job,) = db.session.scalars(select(Job)).all()
    assert job.attempts == 2
