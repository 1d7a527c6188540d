"""What a learner sees of their cohorts: dates, tutors, what opens and falls due, announcements."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from flask_login import current_user
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import aliased

from lms.accounts.models import User
from lms.db import db
from lms.directread import DirectRead

from ..learner_progress import CourseRef
from ..models import Course, Module
from ..shown import page_language
from ..translation_models import CourseTranslation
from .models import Cohort, CohortAnnouncement, CohortMember, CohortTutor
from .schedule import ModuleDates, Schedule, build_schedule, today

#: Announcements shown on the dashboard (newest first, across the learner's cohorts).
RECENT_ANNOUNCEMENTS = 5


class CohortRef(NamedTuple):
    """What a learner's cards show of their cohort."""

    id: int
    name: str
    start_date: dt.date
    end_date: dt.date


@dataclass(frozen=True)
class CohortCard:
    cohort: CohortRef
    course: CourseRef
    tutors: list[str]
    schedule: Schedule
    module_titles: dict[int, str]
    next_opening: ModuleDates | None
    #: Modules open now and falling due from today on, soonest first.
    due: list[ModuleDates]


def learner_cohorts(user_id: int, language: str | None = None
                    ) -> tuple[list[CohortCard], list]:
    """The learner's cohorts and their latest announcements, in four queries (one for a
    learner in no cohort: every dashboard asks, so that one selects columns and runs
    directly on the session's connection (:mod:`lms.directread`), as SQLAlchemy's
    execution machinery cost more than the query).

    :param language: the page's language: a course in another language is named, and its
        modules, as translated into it where a translation exists (joined into the first
        query, as :func:`~courses.learner_progress.learner_progress` does).
    """
    rows = []
    module_texts: dict[int, dict[str, str]] = {}
    for row in _cohorts_read().in_session(user_id=user_id, language=language or ""):
        course_id, slug, title, course_language, translated, data = row[4:]
        untranslated = bool(language) and course_language != language and translated is None
        rows.append((CohortRef(*row[:4]), CourseRef(
            course_id, slug, translated or title, course_language,
            course_language if untranslated else "",
        )))
        module_texts[course_id] = (data or {}).get("modules") or {}
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
        select(Module.id, Module.course_id, Module.key, Module.title, Module.unlock_after_days)
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
                module_titles={
                    m.id: module_texts[course.id].get(m.key, m.title) for m in course_modules
                },
                next_opening=schedule.next_opening(on),
                due=due[:3],
            )
        )
    return cards, announcements


@cache
def _cohorts_read() -> DirectRead:
    """The learner's cohorts with their courses (and the course's own text in the page's
    language, for a course in another); built once per process, as every dashboard runs it
    and building it cost more than running it."""
    language = bindparam("language")
    text = aliased(CourseTranslation)
    return DirectRead(
        select(Cohort.id, Cohort.name, Cohort.start_date, Cohort.end_date,
               Course.id.label("course_id"), Course.slug, Course.title, Course.language,
               text.title.label("translated"), text.data)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(Course, Course.id == Cohort.course_id)
        .outerjoin(text, and_(text.course_id == Course.id, text.item_id.is_(None),
                              text.language == language, Course.language != language))
        .where(CohortMember.user_id == bindparam("user_id"))
        .order_by(Cohort.start_date, Cohort.id)
    )


def cohort_dashboard() -> dict:
    """For the dashboard slot (a template global)."""
    cards, announcements = learner_cohorts(current_user.id, page_language())
    return {"cards": cards, "announcements": announcements}


def course_group(user_id: int, course_id: int) -> CohortCard | None:
    """The learner's cohort card for one course (their group, dates, tutors), if any."""
    cards, _announcements = learner_cohorts(user_id, page_language())
    return next((c for c in cards if c.course.id == course_id), None)
