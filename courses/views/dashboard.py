"""My learning: the learner's courses with progress and what remains."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from lms.db import db
from lms.permissions import login_required

from ..models import Enrolment
from ..progress import progress_for
from . import bp


def learner_courses(user_id: int) -> dict:
    """The learner's enrolments split into in progress and completed, with their progress.

    Three queries whatever the number of courses: enrolments with their
    courses, then :func:`~courses.progress.progress_for`.
    """
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Enrolment.course)
        .options(contains_eager(Enrolment.course))
        .where(Enrolment.user_id == user_id)
        .order_by(Enrolment.last_activity_dt.desc().nulls_last(), Enrolment.enrolled_dt.desc())
    ).all()
    progress = progress_for(enrolments)
    rows = [(e, e.course, progress[e.id]) for e in enrolments]
    return {
        "active": [r for r in rows if not r[2].completed],
        "completed": [r for r in rows if r[2].completed],
    }


def dashboard_data() -> dict:
    """For the dashboard slot on the home page (a template global).

    Besides the learner's courses: the course to continue (the one worked on
    last that has something left), how many courses the catalogue lists and,
    for someone who has joined none yet, the course to start with. Five
    queries whatever the numbers of courses and enrolments.
    """
    from flask import current_app
    from sqlalchemy import func

    from ..models import Course
    from .catalogue import listed_courses

    data = learner_courses(current_user.id)
    data["resume"] = next((r for r in data["active"] if r[2].continue_item), None)
    listed = listed_courses().subquery()
    data["course_count"] = db.session.scalar(select(func.count()).select_from(listed))
    first_slug = current_app.config.get("COURSES_FIRST_COURSE", "")
    data["first_course"] = db.session.scalar(
        select(Course).join(listed, listed.c.id == Course.id).where(Course.slug == first_slug)
    )
    data["new_learner"] = not data["active"] and not data["completed"]
    return data


@bp.route("/my")
@login_required
def my_learning():
    """The learner's courses, progress bars, what remains, and completed courses."""
    return render_template("courses/my_learning.html", **learner_courses(current_user.id))

