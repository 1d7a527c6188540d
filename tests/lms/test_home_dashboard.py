"""The home page's core parts: the greeting and the administrators' to-dos."""

from __future__ import annotations

from lms.jobs import FAILED, Job
from lms.mail import OutboxMessage

from .conftest import html_of


def test_admins_see_failed_jobs_and_refused_mail_others_do_not(app, db, make_user, login):
    admin, learner = make_user(roles=("learner", "admin")), make_user(name="Lee Learner")
    db.session.add(Job(name="lms.mail.deliver", args={}, state=FAILED, attempts=9,
                       max_attempts=9))
    db.session.add(OutboxMessage(recipient="x@example.org", subject="s", body="b",
                                 status="failed"))
    db.session.commit()
    page = html_of(login(admin).get("/"))
    assert "For administrators" in page
    assert "1 background job failed" in page and 'href="/admin/jobs?state=failed"' in page
    assert "1 email was refused by the mail server" in page
    page = html_of(login(learner).get("/"))
    assert "For administrators" not in page
    assert "Hello, <bdi>Lee Learner</bdi>" in page and "Welcome back" not in page
