"""The authoring blueprint's guard: a live course changes only as its authority allows.

Every POST about a course asks :mod:`courses.authority` (as a revision) before
its view runs (:func:`_live_courses_change_by_decision`), except the views whose
change depends on what they are sent, which ask it themselves.
"""

from __future__ import annotations

from flask import request
from flask_login import current_user
from sqlalchemy import select

from lms.db import db
from lms.errors import abort_with
from lms.permissions import has_permission

from .. import authority
from ..models import Course
from ..permissions import COURSES_AUTHOR
from . import author_bp as bp

#: POST endpoints that ask the curriculum authority themselves: what they change depends on
#: the form (a status, a retire date, a minor correction), or they make no change to a live
#: course (a new course, a revision). Every other POST about a live course is a revision.
_ASK_THEMSELVES = frozenset(
    "courses_author." + name
    for name in ("new_course", "status", "edit_course", "edit_item", "prepare_revision",
                 "publish_revision")
)


@bp.before_request
def _live_courses_change_by_decision():
    """Refuse any change to a live course that its authority does not allow, saying why."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in _ASK_THEMSELVES:
        return
    slug = (request.view_args or {}).get("slug")
    if slug is None or not has_permission(current_user, COURSES_AUTHOR):
        return  # the view's own policy answers (login page, 403)
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        return  # the view answers 404
    reason = authority.refusal(authority.CURRICULUM_REVISE, course)
    if reason:
        abort_with(403, reason)
