"""Prerequisites: the one check every way into a course goes through.

Self-enrolment (:func:`courses.operations.enrol_refusal`), joining a group with
an enrolment key (:func:`courses.cohorts.operations.join`), a cohort upload by a
tutor or an admin (:func:`courses.cohorts.uploads.plan_upload`), accepting an
invitation to a group, and any seating of learners at all
(:func:`courses.cohorts.operations._seat_many`, the last guard) ask
:func:`unmet_prerequisites`. Other plugins (an enacted decision, for one) reach
the same function through the core's :class:`lms.contracts.EnrolmentRules`
contract (:func:`lms.plugins.enrolment_rules`), which :class:`CourseEnrolmentRules`
fills, so no plugin imports this one.

A learner already enrolled in the course is never held back: the check guards
the way in, and a prerequisite added to a course later does not put its
learners out.
"""

from __future__ import annotations

from collections.abc import Collection

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from lms.db import db

from .models import Completion, Course, Enrolment, Prerequisite
from .titles import course_title


def unmet_prerequisites(course: Course, user_ids: Collection[int]) -> dict[int, list[Course]]:
    """For each of ``user_ids`` who may not start ``course`` yet, the courses still to complete.

    People absent from the answer may start it. At most three queries, whatever
    the number of people (an upload of two thousand rows asks once). A new
    account, not yet made, has completed nothing: :func:`required_courses`.
    """
    required = required_courses(course)
    ids = set(user_ids)
    if not required or not ids:
        return {}
    enrolled = set(
        db.session.scalars(
            select(Enrolment.user_id).where(
                Enrolment.course_id == course.id, Enrolment.user_id.in_(ids)
            )
        )
    )
    ids -= enrolled
    if not ids:
        return {}
    done: dict[int, set[int]] = {}
    for user_id, course_id in db.session.execute(
        select(Completion.user_id, Completion.course_id)
        .where(
            Completion.user_id.in_(ids),
            Completion.course_id.in_([c.id for c in required]),
        )
        .distinct()
    ):
        done.setdefault(user_id, set()).add(course_id)
    unmet = {}
    for user_id in ids:
        missing = [c for c in required if c.id not in done.get(user_id, ())]
        if missing:
            unmet[user_id] = missing
    return unmet


def required_courses(course: Course) -> list[Course]:
    """The courses ``course`` requires, in a stable order (a new account has done none)."""
    return list(
        db.session.scalars(
            select(Course)
            .join(Prerequisite, Prerequisite.required_course_id == Course.id)
            .where(Prerequisite.course_id == course.id)
            .order_by(Course.title, Course.id)
        )
    )


def titles(courses: list[Course]) -> str:
    """The courses' titles in quotes, for a sentence of plain text (a report's line)."""
    return ", ".join(f"“{c.title}”" for c in courses)


def shown_titles(courses: list[Course]) -> Markup:
    """The courses' titles in quotes, for a sentence on a page: each in the page's language,
    else marked with its course's (:func:`~courses.titles.course_title`)."""
    return Markup(", ").join(Markup("“{}”").format(course_title(c)) for c in courses)


def held_back_reason(missing: list[Course], *, new_account: bool = False) -> str:
    """Why a person is held back from a course, in plain words for the tutor or admin."""
    if new_account:
        return _(
            "This course requires %(titles)s first, and a new account has not completed any"
            " course yet. Not added.",
            titles=titles(missing),
        )
    return _(
        "Has not completed %(titles)s, which this course requires first. Not added or invited.",
        titles=titles(missing),
    )


class CourseEnrolmentRules:
    """The courses plugin's answer to the core's :class:`lms.contracts.EnrolmentRules`."""

    def unmet_prerequisites(
        self, course_slug: str, user_ids: Collection[int]
    ) -> dict[int, tuple[str, ...]]:
        course = db.session.scalar(select(Course).where(Course.slug == course_slug))
        if course is None:
            raise LookupError(f"there is no course {course_slug!r}")
        return {
            user_id: tuple(c.title for c in missing)
            for user_id, missing in unmet_prerequisites(course, user_ids).items()
        }
