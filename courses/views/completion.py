"""The page a learner reaches when they finish a course: congratulations and what comes next."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from sqlalchemy import select

from lms.db import db
from lms.permissions import login_required

from ..models import Course, Prerequisite
from ..progress import progress_for
from ..shown import page_language, translated_for
from . import bp
from .catalogue import listed_courses
from .common import visible_course


def builds_on(course: Course) -> list[Course]:
    """Listed courses that name ``course`` as a prerequisite: the natural next steps."""
    listed = listed_courses().subquery()
    return list(
        db.session.scalars(
            select(Course)
            .join(listed, listed.c.id == Course.id)
            .join(Prerequisite, Prerequisite.course_id == Course.id)
            .where(Prerequisite.required_course_id == course.id)
            .order_by(Course.title)
        )
    )


@bp.route("/<slug>/completed")
@login_required
def completed(slug: str):
    """Congratulations, the certificate (from whichever plugin issues them) and next courses.

    The course's title and outcomes are shown in the page's language where the
    course is translated into it. Learners who have not finished the course are
    sent to its page.
    """
    course, enrolment = visible_course(slug)
    if enrolment is None:
        return redirect(url_for("courses.course_page", slug=course.slug))
    progress = progress_for([enrolment])[enrolment.id]
    if not progress.completed:
        return redirect(url_for("courses.course_page", slug=course.slug))
    language = page_language()
    return render_template(
        "courses/completed.html",
        course=_shown(course, language),
        enrolment=enrolment,
        progress=progress,
        next_courses=[_shown(c, language) for c in builds_on(course)],
    )


def _shown(course: Course, language: str):
    """``course`` with its title and summary in ``language`` where translated; what is not
    says so (``lang``, ``summary_lang``: :meth:`~courses.shown.Translated.course`)."""
    found = translated_for(course, None, language)
    return found.course(course) if found else course
