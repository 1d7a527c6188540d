"""My learning: the learner's courses with progress and what remains."""

from __future__ import annotations

from functools import cache

from flask import current_app, render_template
from flask_login import current_user
from sqlalchemy import bindparam, func, select

from lms.db import db, utcnow
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
    queries whatever the numbers of courses and enrolments (three for a new
    learner, four in another language than the first course's, which is shown in
    the page's language where it is translated).
    """
    data = learner_courses(current_user.id)
    data["resume"] = next((r for r in data["active"] if r[2].continue_item), None)
    data["course_count"] = _listed_count_read().in_session(now=utcnow())[0].count
    data["new_learner"] = not data["active"] and not data["completed"]
    data["first_course"] = None
    if data["new_learner"]:
        first = db.session.scalar(
            select(Course).where(
                is_listed_clause(utcnow()),
                Course.slug == current_app.config.get("COURSES_FIRST_COURSE", ""),
            )
        )
        found = translated_for(first, None, page_language()) if first is not None else None
        data["first_course"] = found.course(first) if found else first
    return data


@cache
def _listed_count_read() -> DirectRead:
    """How many courses the catalogue lists; built once per process, the time bound, run
    directly on the session's connection (:mod:`lms.directread`)."""
    return DirectRead(
        select(func.count(Course.id).label("count")).where(is_listed_clause(bindparam("now")))
    )


@bp.route("/my")
@login_required
def my_learning():
    """The learner's courses, progress bars, what remains, and completed courses."""
    return render_template("courses/my_learning.html", **learner_courses(current_user.id))
