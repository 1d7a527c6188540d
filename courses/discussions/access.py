"""Who may read, post in and moderate a discussion space.

A space is a course's group (its learners and its tutors) or, for learners in
no group, the course itself (everyone enrolled who is in no group; the
course's tutors, i.e. tutors of any of its groups, and admins moderate it).
A learner sees exactly one space per course: their group's, or the course's.
Tutor scope comes from :mod:`courses.cohorts.access`, the one function that
decides it. A space someone may not open is answered with 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, and_, false, or_, select, true

from lms.accounts.models import User
from lms.db import db
from lms.permissions import has_permission

from ..cohorts.access import tutors_course, visible_cohorts
from ..cohorts.models import Cohort, CohortMember
from ..models import STATUS_DRAFT, Course, Enrolment
from ..permissions import COURSES_COHORT_MANAGE
from ..views.common import check_visible
from .models import DiscussionThread

#: The name of the course-wide space in URLs.
COURSE_SPACE = "all"


@dataclass(frozen=True)
class Space:
    """A space as the current user stands with it."""

    course: Course
    cohort: Cohort | None
    #: Tutor of the space, or admin: may hide posts, lock and pin threads.
    moderates: bool

    @property
    def key(self) -> str:
        return COURSE_SPACE if self.cohort is None else str(self.cohort.id)

    def holds(self, thread: DiscussionThread) -> bool:
        return thread.course_id == self.course.id and thread.cohort_id == (
            self.cohort.id if self.cohort else None
        )


def learner_space_id(user_id: int, course_id: int) -> tuple[bool, int | None]:
    """Whether ``user_id`` is enrolled in ``course_id``, and their group's id (one query)."""
    row = db.session.execute(
        select(Enrolment.id, CohortMember.cohort_id)
        .outerjoin(CohortMember, CohortMember.enrolment_id == Enrolment.id)
        .where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    ).first()
    return (row is not None, row.cohort_id if row is not None else None)


def _moderates(course: Course, cohort: Cohort | None, user) -> bool:
    if cohort is None:
        return tutors_course(course.id, user)
    query = visible_cohorts(user).where(Cohort.id == cohort.id).with_only_columns(Cohort.id)
    return db.session.scalar(query) is not None


def open_space(course: Course, space_key: str, user=None) -> Space:
    """The space ``space_key`` (``all`` or a group id) of ``course``; 404 if ``user`` may not."""
    user = current_user if user is None else user
    cohort = None
    if space_key != COURSE_SPACE:
        if not (space_key.isascii() and space_key.isdigit()) or len(space_key) > 9:
            abort(404)
        cohort = db.session.get(Cohort, int(space_key))
        if cohort is None or cohort.course_id != course.id:
            abort(404)
    if _moderates(course, cohort, user):
        return Space(course, cohort, True)
    enrolled, cohort_id = learner_space_id(user.id, course.id)
    if not enrolled or cohort_id != (cohort.id if cohort else None):
        abort(404)
    # Enrolled: only a draft course is hidden (from all but authors).
    check_visible(course, Enrolment())
    return Space(course, cohort, False)


def readers_among(course: Course, cohort_id: int | None, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` who may open the space ``cohort_id`` (``None``: the course's) now.

    The rules of :func:`open_space`, for other people than the one asking: whom a reply
    may be told to. A follower who has since left the group, moved to another one or
    stopped tutoring it would otherwise keep hearing of a space they may no longer read
    (its thread's title, who replied, a link answering 404). Learners are found in one
    query; the others (tutors, admins) are asked one by one, through the tutor scope.
    """
    ids = set(user_ids)
    if not ids:
        return set()
    readers: set[int] = set()
    if course.status != STATUS_DRAFT:
        in_space = (
            CohortMember.id.is_(None) if cohort_id is None else CohortMember.cohort_id == cohort_id
        )
        readers.update(db.session.scalars(
            select(Enrolment.user_id)
            .outerjoin(CohortMember, CohortMember.enrolment_id == Enrolment.id)
            .where(Enrolment.course_id == course.id, Enrolment.user_id.in_(sorted(ids)), in_space)
        ))
    others = ids - readers
    if others:
        cohort = db.session.get(Cohort, cohort_id) if cohort_id is not None else None
        for user in db.session.scalars(select(User).where(User.id.in_(sorted(others)))):
            if _moderates(course, cohort, user):
                readers.add(user.id)
    return readers


def spaces_of(course: Course, user=None) -> list[Space]:
    """Every space of ``course`` that ``user`` may open: one for a learner, maybe many for staff."""
    user = current_user if user is None else user
    spaces: list[Space] = []
    if tutors_course(course.id, user):
        spaces.append(Space(course, None, True))
        cohorts = db.session.scalars(
            visible_cohorts(user).where(Cohort.course_id == course.id).order_by(Cohort.start_date)
        )
        spaces.extend(Space(course, c, True) for c in cohorts)
        return spaces
    enrolled, cohort_id = learner_space_id(user.id, course.id)
    if enrolled:
        cohort = db.session.get(Cohort, cohort_id) if cohort_id else None
        spaces.append(Space(course, cohort, False))
    return spaces


def moderated_threads(user=None) -> Select:
    """A condition selecting the threads ``user`` moderates (for the reports queue)."""
    user = current_user if user is None else user
    if has_permission(user, COURSES_COHORT_MANAGE):
        return true()
    cohort_ids = visible_cohorts(user).with_only_columns(Cohort.id)
    course_ids = visible_cohorts(user).with_only_columns(Cohort.course_id)
    if not user.is_authenticated:
        return false()
    return or_(
        DiscussionThread.cohort_id.in_(cohort_ids),
        and_(DiscussionThread.cohort_id.is_(None), DiscussionThread.course_id.in_(course_ids)),
    )
