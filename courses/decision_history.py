"""The decisions that shaped a course, as its page lists them (members' decisions
recorded by :mod:`.decisions` when enacted)."""

from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, select

from lms.directread import DirectRead

from .models import Course, CourseDecision


def decisions_for(course: Course) -> list:
    """The decisions that shaped ``course``, oldest first: rows of ``title``, ``url`` and
    ``enacted_dt``.

    Every course page asks (nearly always to find none): the statement is built
    once and runs directly on the session's connection (:mod:`lms.directread`), as
    SQLAlchemy's execution machinery cost more than the query.
    """
    return _decisions_read().in_session(course_id=course.id)


@cache
def _decisions_read() -> DirectRead:
    return DirectRead(_decisions_query())


@cache
def _decisions_query():
    """The statement of :func:`decisions_for`, built once per process."""
    return (
        select(CourseDecision.title, CourseDecision.url, CourseDecision.enacted_dt)
        .where(CourseDecision.course_id == bindparam("course_id"))
        .order_by(CourseDecision.enacted_dt, CourseDecision.id)
    )
