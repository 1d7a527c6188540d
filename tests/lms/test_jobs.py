"""The job queue: enqueue in the caller's transaction, retries with backoff, failed jobs kept
for an admin, the sweep, and plugins registering tasks by name."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from lms import jobs
from lms.audit import AuditEvent
from lms.db import utcnow
from lms.jobs import Job, JobError, Task
from lms.plugins import Plugin, PluginError
from lms.testing import csrf_token

CALLS: list[tuple[str, dict]] = []


def _remember(ctx, **args):
    CALLS.append(("ok", args))


def _flaky(ctx, fail_times: int):
    CALLS.append(("flaky", {"attempt": ctx.attempt}))
    if ctx.attempt <= fail_times:
        raise RuntimeError(f"attempt {ctx.attempt} broke")


def _give_up(ctx):
    raise jobs.GiveUp("the course is gone")


@pytest.fixture()
def tasks(app):
    CALLS.clear()
    for task in (
        Task("lms.test_remember", _remember),
        Task("lms.test_flaky", _flaky, retries=2, retry_delay=10, backoff=3),
        Task("lms.test_give_up", _give_up),
    ):
        jobs.register_task(app, task, owner="lms")
    yield
    CALLS.clear()


def _job(db, job_id) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _make_due(db, job_id):
    db.session.execute(
        update(Job).where(Job.id == job_id).values(run_after_dt=utcnow() - dt.timedelta(seconds=1))
    )
    db.session.commit()


def test_a_job_runs_only_once_its_transaction_commits(app, db, tasks):
    job = jobs.enqueue("lms.test_remember", course="x")
    assert CALLS == []  # not before the commit
    db.session.rollback()
    assert CALLS == [] and db.session.scalars(select(Job)).all() == []
    job = jobs.enqueue("lms.test_remember", course="y")
    db.session.commit()
    assert CALLS == [("ok", {"course": "y"})]
    assert _job(db, job.id).state == "done"


def test_a_failing_job_is_retried_with_growing_delays_then_kept_as_failed(app, db, tasks):
    job_id = jobs.enqueue("lms.test_flaky", fail_times=5).id
    started = utcnow()
    db.session.commit()
    job = _job(db, job_id)
    assert (job.state, job.attempts, job.max_attempts) == ("queued", 1, 3)
    assert "attempt 1 broke" in job.last_error
    first_delay = (job.run_after_dt - started).total_seconds()
    assert 9 <= first_delay <= 11
    assert jobs.run_job(job_id) == "skipped"  # not due yet
    _make_due(db, job_id)
    before = utcnow()
    assert jobs.run_job(job_id) == "retry"
    second_delay = (_job(db, job_id).run_after_dt - before).total_seconds()
    assert 29 <= second_delay <= 31  # 10 s, then 10 x 3
    _make_due(db, job_id)
    assert jobs.run_job(job_id) == "failed"
    job = _job(db, job_id)
    assert (job.state, job.attempts) == ("failed", 3)
    assert "attempt 3 broke" in job.last_error
    assert jobs.run_job(job_id) == "skipped"  # a failed job stays failed until retried


def test_a_job_that_recovers_is_done(app, db, tasks):
    job_id = jobs.enqueue("lms.test_flaky", fail_times=1).id
    db.session.commit()
    _make_due(db, job_id)
    assert jobs.run_job(job_id) == "done"
    assert [c[1]["attempt"] for c in CALLS] == [1, 2]


def test_give_up_fails_at_once(app, db, tasks):
    job_id = jobs.enqueue("lms.test_give_up").id
    db.session.commit()
    job = _job(db, job_id)
    assert (job.state, job.attempts, job.last_error) == ("failed", 1, "the course is gone")


def test_one_active_job_per_key(app, db, tasks):
    first = jobs.enqueue("lms.test_flaky", key="course:x", fail_times=9)
    again = jobs.enqueue("lms.test_flaky", key="course:x", fail_times=9)
    assert again.id == first.id
    db.session.commit()
    assert db.session.query(Job).count() == 1


def test_unknown_and_misnamed_tasks_are_refused(app, tasks):
    with pytest.raises(JobError, match="no task named"):
        jobs.enqueue("courses.nothing")
    with pytest.raises(JobError, match="must be named 'lms.<what>'"):
        jobs.register_task(app, Task("courses.mine", _remember), owner="lms")
    with pytest.raises(JobError, match="registered twice"):
        jobs.register_task(app, Task("lms.test_remember", _remember), owner="lms")


GOOD_PLUGIN = Plugin(name="jobby", tasks=[Task("jobby.work", _remember)])
BAD_PLUGIN = Plugin(name="jobby", tasks=[Task("courses.work", _remember)])


def test_plugins_register_tasks_named_after_themselves(make_app):
    from importlib.metadata import EntryPoint

    def installed(attr):
        return {"jobby": EntryPoint("jobby", f"tests.lms.test_jobs:{attr}", "lms.plugins")}

    app = make_app({"LMS_PLUGINS": "jobby"}, plugins=installed("GOOD_PLUGIN"))
    assert "jobby.work" in jobs.queue_for(app).tasks
    with pytest.raises(PluginError, match="jobby.*must be named 'jobby.<what>'"):
        make_app({"LMS_PLUGINS": "jobby"}, plugins=installed("BAD_PLUGIN"))


def test_the_sweep_hands_over_jobs_whose_worker_died(app, db, tasks):
    job_id = jobs.enqueue("lms.test_remember", n=1).id
    db.session.commit()
    CALLS.clear()
    # As a worker killed mid-job leaves it: running, with a lease that has ended.
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(state="running", lease_until_dt=utcnow() - dt.timedelta(seconds=1))
    )
    db.session.commit()
    assert jobs.sweep() == 1
    assert CALLS == [("ok", {"n": 1})]
    assert _job(db, job_id).state == "done"
    assert jobs.sweep() == 0


def test_a_running_job_with_a_live_lease_is_not_taken_twice(app, db, tasks):
    job_id = jobs.enqueue("lms.test_remember").id
    db.session.commit()
    CALLS.clear()
    db.session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(state="running", lease_until_dt=utcnow() + dt.timedelta(minutes=5))
    )
    db.session.commit()
    assert jobs.run_job(job_id) == "skipped"
    assert jobs.sweep() == 0
    assert CALLS == []


def test_failed_jobs_are_listed_for_admins_who_retry_them(app, db, tasks, make_user, login):
    job_id = jobs.enqueue("lms.test_flaky", fail_times=99).id
    db.session.commit()
    for _ in range(2):
        _make_due(db, job_id)
        jobs.run_job(job_id)
    assert _job(db, job_id).state == "failed"
    learner = login(make_user())
    assert learner.get("/admin/jobs").status_code == 403
    admin = login(make_user(roles=("admin",)))
    page = admin.get("/admin/jobs?state=failed").get_data(as_text=True)
    assert "lms.test_flaky" in page and "attempt 3 broke" in page
    detail = admin.get(f"/admin/jobs/{job_id}").get_data(as_text=True)
    assert "RuntimeError: attempt 3 broke" in detail
    token = csrf_token(admin, f"/admin/jobs/{job_id}")
    assert admin.post(f"/admin/jobs/{job_id}/retry").status_code == 400  # CSRF
    CALLS.clear()
    response = admin.post(f"/admin/jobs/{job_id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    job = _job(db, job_id)
    # Runs again at once, with a fresh set of attempts (fails again here).
    assert CALLS == [("flaky", {"attempt": 1})]
    assert (job.state, job.attempts) == ("queued", 1)
    # Not failed (queued again; below, finished): refused on the job's page, unchanged.
    again = admin.post(f"/admin/jobs/{job_id}/retry", data={"csrf_token": token})
    assert again.status_code == 303 and again.location.endswith(f"/admin/jobs/{job_id}")
    page = admin.get(again.location).get_data(as_text=True)
    assert "Only a failed job can be tried again, and this one has not failed" in page
    assert "Bad request" not in page
    assert (_job(db, job_id).state, _job(db, job_id).attempts) == ("queued", 1)


def test_a_finished_job_is_not_retried(app, db, tasks, make_user, login):
    job_id = jobs.enqueue("lms.test_flaky", fail_times=0).id
    db.session.commit()  # runs it at once (the tests' immediate mode)
    assert _job(db, job_id).state == "done"
    admin = login(make_user(roles=("admin",)))
    token = csrf_token(admin, f"/admin/jobs/{job_id}")
    response = admin.post(f"/admin/jobs/{job_id}/retry", data={"csrf_token": token})
    assert response.status_code == 303
    page = admin.get(response.location).get_data(as_text=True)
    assert "Only a failed job can be tried again" in page and "Finished" in page
    assert _job(db, job_id).state == "done"
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "lms.job.retried")) is None


def test_progress_page_for_its_creator_and_admins_only(app, db, tasks, make_user, login):
    owner, other = make_user(), make_user()
    job = jobs.enqueue("lms.test_flaky", fail_times=99, created_by_id=owner.id)
    db.session.commit()
    assert login(owner).get(f"/jobs/{job.id}").status_code == 200
    assert login(other).get(f"/jobs/{job.id}").status_code == 404
    assert login(make_user(roles=("admin",))).get(f"/jobs/{job.id}").status_code == 200
    assert app.test_client().get(f"/jobs/{job.id}").status_code == 302  # to the login page
    admin = login(make_user(roles=("admin",)))
    for path in ("/jobs/123456789012345678901234567890", "/admin/jobs/99999999999"):
        assert admin.get(path).status_code == 404
    page = admin.get(f"/jobs/{job.id}?back=/%5Cevil.example").get_data(as_text=True)
    assert "evil.example" not in page


def test_get_requests_cannot_enqueue(app, tasks):
    with app.test_request_context("/", method="GET"), pytest.raises(RuntimeError):
        jobs.enqueue("lms.test_remember")


def test_the_sweep_deletes_old_done_jobs_and_keeps_failed_ones(app, db, tasks):
    old_done = jobs.enqueue("lms.test_remember").id
    new_done = jobs.enqueue("lms.test_remember").id
    old_failed = jobs.enqueue("lms.test_give_up").id
    db.session.commit()
    long_ago = utcnow() - dt.timedelta(days=31)
    db.session.execute(
        update(Job).where(Job.id.in_([old_done, old_failed])).values(finished_dt=long_ago)
    )
    db.session.commit()
    jobs.sweep()
    db.session.expire_all()
    assert set(db.session.scalars(select(Job.id))) == {new_done, old_failed}
