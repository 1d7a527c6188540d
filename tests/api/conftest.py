"""Builders for the API tests: tokens with chosen scopes, and a small world of data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from lms.api import state_of
from lms.api.tokens import create_token
from lms.db import db as _db


@pytest.fixture()
def make_token(app) -> Callable[..., str]:
    """``make_token(user, scopes=None, days=30)``: a committed token's secret (all scopes
    by default)."""

    def factory(user, scopes=None, days: int = 30) -> str:
        known = set(state_of(app).scopes)
        _, secret = create_token(
            user, "test", list(scopes or known), days, known_scopes=known
        )
        _db.session.commit()
        return secret

    return factory


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _course(slug: str, status: str = "published", lessons: int = 3):
    from courses.models import KIND_LESSON, Course, Item, Module

    course = Course(slug=slug, title=slug.replace("-", " ").title(), summary="A summary.",
                    status=status, outcomes=["Know things"], topic="basics")
    module = Module(key="m1", title="Module 1", position=0)
    course.modules = [module]
    for n in range(lessons):
        module.items.append(Item(course=course, key=f"l{n + 1}", kind=KIND_LESSON,
                                 title=f"Lesson {n + 1}", position=n, body_md="Text",
                                 estimated_minutes=10))
    _db.session.add(course)
    _db.session.flush()
    return course


@pytest.fixture()
def world(app, make_user):
    """Two courses (one a draft), learners in two groups with different tutors, their
    progress, completions and certificates, and a closed secret ballot with votes."""
    from courses.models import Completion, Enrolment, Progress
    from governance import operations as gov
    from governance.models import ACTIVE, Membership
    from lms import signals
    from lms.db import utcnow
    from tests.certificates.conftest import snapshot
    from tests.courses.cohort_helpers import make_cohort, seat

    admin = make_user(roles=("learner", "admin"), name="Admin")
    tutor = make_user(roles=("learner", "tutor"), name="Tutor")
    other_tutor = make_user(roles=("learner", "tutor"), name="Other tutor")
    learner = make_user(roles=("learner",), name="Learner")
    classmate = make_user(roles=("learner",), name="Classmate")
    stranger = make_user(roles=("learner",), name="Stranger")
    course = _course("co-op-basics")
    draft = _course("secret-draft", status="draft")
    extra = [_course(f"course-{n:02d}", lessons=1) for n in range(4)]
    _db.session.commit()
    group = make_cohort(course, name="Group A", tutors=[tutor])
    other = make_cohort(course, name="Group B", tutors=[other_tutor])
    seat(group, learner)
    seat(group, classmate)
    seat(other, stranger)
    enrolment = _db.session.query(Enrolment).filter_by(user_id=learner.id).one()
    first = course.items[0]
    _db.session.add(Progress(enrolment_id=enrolment.id, item_id=first.id))
    for person in (learner, stranger):
        mine = _db.session.query(Enrolment).filter_by(user_id=person.id).one_or_none()
        solo = Enrolment(user_id=person.id, course_id=extra[0].id, completed_dt=utcnow(),
                         completed_version=1)
        _db.session.add(solo)
        _db.session.flush()
        _db.session.add(Completion(enrolment_id=solo.id, user_id=person.id,
                                   course_id=extra[0].id, course_version=1, final_score=0.9))
        assert mine is not None
    _db.session.commit()
    # Certificates of the groups' course (a tutor reaches their learners for that course only)
    # and one of another course, outside every tutor's scope.
    for person in (learner, classmate, stranger):
        signals.course_completed.send(app, completion=snapshot(person, slug="co-op-basics"))
    signals.course_completed.send(app, completion=snapshot(classmate, slug="course-01"))
    _db.session.commit()
    # A secret ballot, closed, with votes on the record.
    members = [admin, tutor, other_tutor, learner, classmate]
    joined = utcnow() - dt.timedelta(days=365)
    for person in members:
        _db.session.add(Membership(user_id=person.id, member_class="learner", status=ACTIVE,
                                   applied_dt=joined, joined_dt=joined))
    _db.session.commit()
    rules = gov.current_rules()
    raised = utcnow() - dt.timedelta(days=30)
    proposal = gov.raise_proposal(admin.id, "governance:resolution", "Meet monthly",
                                  {"text": "We resolve to meet monthly."}, secret=True,
                                  now=raised)
    for person in (tutor, other_tutor):
        gov.second(proposal, person.id, now=raised + dt.timedelta(minutes=1))
    opened = raised + dt.timedelta(hours=rules["notice_hours"] + 1)
    ballot = gov.maybe_open_ballot(proposal, now=opened)
    assert ballot is not None
    for person, choice in zip(members, ("for", "for", "against", "for", "abstain"), strict=True):
        gov.cast_vote(ballot, person.id, choice, now=ballot.opens_dt + dt.timedelta(minutes=5))
    gov.close_ballot(ballot, now=ballot.closes_dt + dt.timedelta(minutes=1))
    _db.session.commit()
    return {
        "admin": admin, "tutor": tutor, "other_tutor": other_tutor, "learner": learner,
        "classmate": classmate, "stranger": stranger, "course": course, "draft": draft,
        "group": group, "other_group": other, "proposal": proposal, "members": members,
    }
