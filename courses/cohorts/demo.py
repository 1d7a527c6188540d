"""A demo group for ``flask lms init --demo``: something to look at on a fresh install."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from lms.accounts.operations import find_user_by_email
from lms.db import db

from ..models import STATUS_PUBLISHED, Course
from .models import SOURCE_ADMIN, Cohort, CohortMember, CohortTutor
from .operations import _seat_many
from .schedule import today

DEMO_COHORT = "Demo group"
DEMO_TUTOR = "tutor@example.org"
DEMO_LEARNER = "learner@example.org"


def seed_demo_cohort() -> None:
    """Give the first published course a running group tutored by the demo tutor, with the
    demo learner in it. Does nothing when it exists or the demo accounts are missing."""
    tutor, learner = find_user_by_email(DEMO_TUTOR), find_user_by_email(DEMO_LEARNER)
    course = db.session.scalar(
        select(Course).where(Course.status == STATUS_PUBLISHED).order_by(Course.id).limit(1)
    )
    if tutor is None or learner is None or course is None:
        return
    if db.session.scalar(select(Cohort.id).where(Cohort.name == DEMO_COHORT)):
        return
    start = today() - dt.timedelta(days=3)
    cohort = Cohort(
        course_id=course.id,
        name=DEMO_COHORT,
        start_date=start,
        end_date=start + dt.timedelta(days=90),
        capacity=30,
        enrolment_key="demo-group-key",
    )
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor.id))
    if not db.session.scalar(
        select(CohortMember.id).where(
            CohortMember.user_id == learner.id, CohortMember.course_id == course.id
        )
    ):
        _seat_many(cohort, course, [learner], SOURCE_ADMIN)
    db.session.flush()
