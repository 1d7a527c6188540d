"""My learning: the learner's courses with progress and what remains."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import NamedTuple

from flask import current_app, render_template
from flask_login import current_user
from sqlalchemy import and_, bindparam, func, literal, select

from lms.db import utcnow
from lms.directread import DirectRead
from lms.permissions import login_required

from ..learner_progress import learner_progress
from ..models import Course
from ..shown import page_language, translated_for
from . import bp
from .catalogue import is_listed_clause


def learner_courses(user_id: int) -> dict:
    """The learner's enrolments split into in progress and completed, with their progress.

    One query whatever the number of courses, titles in the page's language where
    translated (:func:`~courses.learner_progress.learner_progress`); each row is
    ``(enrolment, course, progress)``.
    """
    rows = learner_progress(user_id, page_language())
    return {
        "active": [r for r in rows if not r[2].completed],
        "completed": [r for r in rows if r[2].completed],
    }


def dashboard_data() -> dict:
    """For the dashboard slot on the home page (a template global).

    Besides the learner's courses: the course to continue (the one worked on
    last that has something left), how many courses the catalogue lists and,
    for someone who has joined none yet, the course to start with. Two
    queries whatever the numbers of courses and enrolments (three in another
    language than the first course's for a new learner, whose first course is
    shown in the page's language where it is translated).
    """
    data = learner_courses(current_user.id)
    data["resume"] = next((r for r in data["active"] if r[2].continue_item), None)
    data["new_learner"] = not data["active"] and not data["completed"]
    if data["new_learner"]:
        data["course_count"], data["first_course"] = first_steps()
    else:
        data["course_count"] = _listed_count_read().in_session(now=utcnow())[0].count
        data["first_course"] = None
    return data


class FirstCourse(NamedTuple):
    """What "Where to start" shows of the course to start with, in the page's language where
    translated (a value: the section is a kept fragment keyed by it)."""

    id: int
    slug: str
    title: str
    summary: str
    language: str
    #: Keys what is kept of the course's translations (:func:`courses.shown.translated_for`).
    updated_dt: dt.datetime


def first_steps() -> tuple[int, FirstCourse | None]:
    """How many courses the catalogue lists, and the course a newcomer is pointed to
    (``COURSES_FIRST_COURSE``) if it is listed."""
    (row,) = _first_steps_read().in_session(
        now=utcnow(), slug=current_app.config.get("COURSES_FIRST_COURSE", "")
    )
    count, *course = row
    if course[0] is None:
        return count, None
    first = FirstCourse._make(course)
    found = translated_for(first, None, page_language())
    if found:
        shown = found.course(first)
        first = first._replace(title=shown.title, summary=shown.summary)
    return count, first


@cache
def _listed_count_read() -> DirectRead:
    """How many courses the catalogue lists; built once per process, the time bound, run
    directly on the session's connection (:mod:`lms.directread`)."""
    return DirectRead(
        select(func.count(Course.id).label("count")).where(is_listed_clause(bindparam("now")))
    )


@cache
def _first_steps_read() -> DirectRead:
    """:func:`first_steps`' statement, built once per process and run directly: one row,
    the count of listed courses with the first course's columns (``NULL`` when it is not
    listed), the columns it shows rather than the whole course."""
    one = select(literal(1).label("one")).subquery("one")
    listed = _listed_count_read().statement.scalar_subquery()
    return DirectRead(
        select(listed.label("count"), *(getattr(Course, name) for name in FirstCourse._fields))
        .select_from(one)
        .outerjoin(Course, and_(is_listed_clause(bindparam("now")),
                                Course.slug == bindparam("slug")))
    )


@bp.route("/my")
@login_required
def my_learning():
    """The learner's courses, progress bars, what remains, and completed courses."""
    return render_template("courses/my_learning.html", **learner_courses(current_user.id))
