"""No input gets a 500: every route, as every kind of visitor, with hostile values.

The routes come from ``app.url_map``, so routes added later are walked
without touching this file; the parameters are the ones the code reads (see
:mod:`tests.hostile.walker`). Runs on SQLite and, with
``LMS_TEST_DATABASE_URL``, on PostgreSQL, whose integer columns end at
2,147,483,647 and whose text refuses NUL.

Every hostile value goes to every parameter as the administrator, who can
reach the most code; the learner, the tutor and the anonymous visitor each
get every other value (a different half per route), which keeps the walk
to a few thousand requests without leaving a parameter untried.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from lms import signals
from lms.accounts.models import User
from lms.accounts.operations import create_user, send_password_reset
from lms.cli import DEMO_ACCOUNTS
from lms.contracts import CompletionSnapshot
from lms.db import db, utcnow
from lms.testing import TEST_PASSWORD

from .walker import Walk, instrument, route_cases

ROLES = {
    "anonymous": None,
    "learner": "learner@example.org",
    "tutor": "tutor@example.org",
    "admin": "admin@example.org",
}


#: Every value to every parameter as the admin; every n-th (a different share per route)
#: as the others.
STRIDES = {"admin": 1, "tutor": 2, "learner": 3, "anonymous": 3}


@pytest.fixture()
def app_config(app_config):
    # CSRF is tested elsewhere; here it would stop every hostile form at the door.
    return {**app_config, "WTF_CSRF_ENABLED": False}


def seed_site(app) -> dict[str, str]:
    """Make a small site (as ``flask lms init --demo`` does, plus a certificate, members,
    a ballot and a mail) and return plausible values for the routes' path parameters."""
    for email, name, roles in DEMO_ACCOUNTS:
        create_user(email, name, TEST_PASSWORD, roles)
    for plugin in app.extensions["lms"].plugins.values():
        if plugin.seed is not None:
            plugin.seed(app, True)
    db.session.commit()
    users = {u.email: u for u in db.session.scalars(select(User))}
    learner = users[ROLES["learner"]]
    values: dict[str, str] = {
        "user_id": str(learner.id),
        "token": "not-a-token",
        "filename": "lms.css",
        "kind": "lesson",
        "number": "1",
        "action": "issue",
    }
    values.update(_courses_values(learner))
    values.update(_certificates_values(app, learner, values.get("slug", "co-op-basics")))
    values.update(_governance_values(users))
    send_password_reset(learner.email)
    db.session.commit()
    from lms.jobs import Job

    job = db.session.scalar(select(Job.id).limit(1))
    if job is not None:
        values["job_id"] = str(job)
    return values


def _courses_values(learner) -> dict[str, str]:
    from courses.cohorts.models import Cohort
    from courses.models import KIND_QUIZ, Course, Item, Module, Question

    cohort = db.session.scalar(select(Cohort).order_by(Cohort.id).limit(1))
    course = db.session.get(Course, cohort.course_id)
    quiz = db.session.scalar(
        select(Item).where(Item.kind == KIND_QUIZ, Item.questions.any()).limit(1)
    )
    lesson = db.session.scalar(
        select(Item).where(Item.course_id == course.id).order_by(Item.position).limit(1)
    )
    module = db.session.scalar(select(Module.id).where(Module.course_id == course.id).limit(1))
    question = db.session.scalar(select(Question.id).where(Question.item_id == quiz.id).limit(1))
    return {
        "slug": course.slug,
        "course": course.slug,
        "key": lesson.key,
        "cohort_id": str(cohort.id),
        "item_id": str(quiz.id),
        "module_id": str(module),
        "question_id": str(question),
    }


def _certificates_values(app, learner, slug: str) -> dict[str, str]:
    from certificates.models import Certificate, StatusList

    signals.course_completed.send(
        app,
        completion=CompletionSnapshot(
            enrolment_id=1,
            user_id=learner.id,
            display_name=learner.display_name,
            email=learner.email,
            course_slug=slug,
            course_title="A course",
            course_version=1,
            completed_dt=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
            outcomes=("Run a meeting",),
            estimated_hours=2.0,
        ),
    )
    db.session.commit()
    values = {}
    code = db.session.scalar(select(Certificate.code).limit(1))
    if code:
        values["code"] = code
    status_list = db.session.scalar(select(StatusList.id).limit(1))
    if status_list:
        values["list_id"] = str(status_list)
    return values


def _governance_values(users: dict[str, User]) -> dict[str, str]:
    from governance import operations as ops

    classes = list(ops.current_rules()["member_classes"])
    long_ago = utcnow() - dt.timedelta(days=400)
    members = [users[e] for e in (ROLES["admin"], ROLES["tutor"], ROLES["learner"])]
    for user in members:
        membership = ops.apply_for_membership(user.id, classes[0], now=long_ago)
        ops.approve(membership, actor_id=None, now=long_ago)
    applicant = create_user("applicant@example.org", "An Applicant", TEST_PASSWORD)
    applied = ops.apply_for_membership(applicant.id, classes[0])
    rules = ops.current_rules()
    raised = utcnow() - dt.timedelta(hours=rules["notice_hours"], minutes=5)
    proposal = ops.raise_proposal(
        members[0].id, "governance:resolution", "A resolution",
        {"text": "We resolve to meet monthly."}, now=raised,
    )
    for seconder in members[1:]:
        ops.second(proposal, seconder.id, now=raised + dt.timedelta(minutes=1))
    ops.maybe_open_ballot(proposal)
    db.session.commit()
    return {"proposal_id": str(proposal.id), "membership_id": str(applied.id)}


def _client_maker(app, email: str | None):
    def new_client():
        client = app.test_client()
        if email is not None:
            response = client.post(
                "/account/login", data={"email": email, "password": TEST_PASSWORD}
            )
            assert response.status_code == 302, f"{email} could not sign in"
        return client

    return new_client


@pytest.mark.parametrize("role", list(ROLES))
def test_no_route_answers_5xx_to_hostile_input(app, role):
    instrument(app)
    path_values = seed_site(app)
    cases = route_cases(app)
    walk = Walk(
        app,
        role,
        _client_maker(app, ROLES[role]),
        path_values,
        value_stride=STRIDES[role],
    )
    walk.walk(cases)
    assert walk.requests > len(cases)
    report = "\n".join(str(f) for f in walk.findings[:150])
    assert not walk.findings, (
        f"{len(walk.findings)} of {walk.requests} requests as {role} failed:\n{report}"
    )
