"""The review report of one course, in course authoring (``flask courses review`` as a page)."""

from __future__ import annotations

from flask import render_template

from lms.permissions import require

from ..permissions import COURSES_AUTHOR
from ..review import review_report
from . import author_bp as bp
from .common import course_by_slug


@bp.route("/<slug>/review")
@require(COURSES_AUTHOR)
def review(slug: str):
    """What in the course needs a person to check it: due reviews, missing sources, links."""
    course = course_by_slug(slug)
    return render_template(
        "courses/author/review.html", course=course, report=review_report(slug=course.slug)
    )
