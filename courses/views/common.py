"""Lookups shared by the courses views."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from lms.db import db

from ..models import STATUS_DRAFT, Course, Enrolment, Item
from ..operations import find_enrolment, is_listed
from ..permissions import can_see_drafts


def course_by_slug(slug: str) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug)) or abort(404)


def visible_course(slug: str) -> tuple[Course, Enrolment | None]:
    """The course as the current visitor may see it, with their enrolment.

    Drafts are 404 for everyone but authors; a course that has left the
    catalogue stays visible to the learners enrolled in it.
    """
    course = course_by_slug(slug)
    enrolment = (
        find_enrolment(current_user.id, course.id) if current_user.is_authenticated else None
    )
    check_visible(course, enrolment)
    return course, enrolment


def check_visible(course: Course, enrolment: Enrolment | None) -> None:
    """404 unless the current visitor may see ``course`` (the rules of :func:`visible_course`)."""
    # The permission check last: learners on their course's pages never need it.
    if course.status != STATUS_DRAFT and (enrolment is not None or is_listed(course)):
        return
    if not can_see_drafts():
        abort(404)


def item_by_key(course: Course, key: str) -> Item:
    return db.session.scalar(
        select(Item).where(Item.course_id == course.id, Item.key == key)
    ) or abort(404)
