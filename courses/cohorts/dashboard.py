"""What a learner sees of their cohorts: dates, tutors, what opens and falls due, announcements."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from flask_login import current_user
from sqlalchemy import bindparam, select

from lms.accounts.models import User
from lms.db import db

from ..models import Course, Module
from .models import Cohort, CohortAnnouncement, CohortMember, CohortTutor
from .schedule import ModuleDates, Schedule, build_schedule, today

#: Announcements shown on the dashboard (newest first, across the learner's cohorts).
RECENT_ANNOUNCEMENTS = 5


@dataclass(frozen=True)
class CohortCard:
    cohort: Cohort
    course: Course
    tutors: list[str]
    schedule: Schedule
    module_titles: dict[int, str]
    next_opening: ModuleDates | None
    #: Modules open now and falling due from today on, soonest first.
    due: list[ModuleDates]


def learner_cohorts(user_id: int) -> tuple[list[CohortCard], list]:
    """The learner's cohorts and their latest announcements, in four queries (one for a
    learner in no cohort)."""
    rows = db.session.execute(_cohorts_query(), {"user_id": user_id}).all()
    if not rows:
        return [], []
    ids = [c.id for c, _course in rows]
    tutors: dict[int, list[str]] = defaultdict(list)
    for cohort_id, name in db.session.execute(
        select(CohortTutor.cohort_id, User.display_name)
        .join(User, User.id == CohortTutor.user_id)
        .where(CohortTutor.cohort_id.in_(ids))
        .order_by(User.display_name)
    ):
        tutors[cohort_id].append(name)
    modules: dict[int, list] = defaultdict(list)
    for module in db.session.execute(
        select(Module.id, Module.course_id, Module.title, Module.unlock_after_days)
        .where(Module.course_id.in_([course.id for _c, course in rows]))
        .order_by(Module.position, Module.id)
    ):
        modules[module.course_id].append(module)
    announcements = db.session.execute(
        select(CohortAnnouncement, Cohort.name, User.display_name)
        .join(Cohort, Cohort.id == CohortAnnouncement.cohort_id)
        .outerjoin(User, User.id == CohortAnnouncement.author_id)
        .where(CohortAnnouncement.cohort_id.in_(ids))
        .order_by(CohortAnnouncement.posted_dt.desc(), CohortAnnouncement.id.desc())
        .limit(RECENT_ANNOUNCEMENTS)
    ).all()
    on = today()
    cards = []
    for cohort, course in rows:
        course_modules = modules.get(course.id, [])
        schedule = build_schedule(
            cohort.id, cohort.name, cohort.start_date, cohort.end_date,
            [(m.id, m.unlock_after_days) for m in course_modules],
        )
        due = sorted(
            (d for d in schedule.modules.values() if d.is_open(on) and d.due_on >= on),
            key=lambda d: d.due_on,
        )
        cards.append(
            CohortCard(
                cohort=cohort,
                course=course,
                tutors=tutors.get(cohort.id, []),
                schedule=schedule,
                module_titles={m.id: m.title for m in course_modules},
                next_opening=schedule.next_opening(on),
                due=due[:3],
            )
        )
    return cards, announcements


@cache
def _cohorts_query():
    """The learner's cohorts with their courses; built once per process, as every
    dashboard runs it and building it cost more than running it."""
    return (
        select(Cohort, Course)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(Course, Course.id == Cohort.course_id)
        .where(CohortMember.user_id == bindparam("user_id"))
        .order_by(Cohort.start_date, Cohort.id)
    )


def cohort_dashboard() -> dict:
    """For the dashboard slot (a template global)."""
    cards, announcements = learner_cohorts(current_user.id)
    return {"cards": cards, "announcements": announcements}


def course_group(user_id: int, course_id: int) -> CohortCard | None:
    """The learner's cohort card for one course (their group, dates, tutors), if any."""
    cards, _announcements = learner_cohorts(user_id)
    return next((c for c in cards if c.course.id == course_id), None)
