"""Who may see which cohort and which learner: every cohort query goes through here.

Admins see every cohort. A tutor sees the cohorts in their scope, as
:func:`lms.scope.tutor_scope` decides it (the cohorts they are assigned to,
while they hold the tutor role; read on every request, so removing the role or
the assignment takes effect on the tutor's next request), and a learner of
such a cohort only for that cohort's course. Everyone else sees none. A
cohort or learner someone may not see is answered with 404, never 403, so its
existence does not leak.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false, select

from lms.db import db
from lms.permissions import has_permission
from lms.scope import tutor_scope

from ..permissions import COURSES_COHORT_MANAGE, COURSES_COHORT_TEACH
from .models import Cohort, CohortMember


def visible_cohorts(user=None) -> Select:
    """A query of the cohorts ``user`` (default: the current user) may see.

    Every list of cohorts and every lookup of one starts from this query.
    """
    user = current_user if user is None else user
    query = select(Cohort)
    if not user.is_authenticated:
        return query.where(false())
    if has_permission(user, COURSES_COHORT_MANAGE):
        return query
    if not has_permission(user, COURSES_COHORT_TEACH):
        return query.where(false())
    return query.where(Cohort.id.in_(sorted(tutor_scope(user).cohort_ids)))


def cohort_or_404(cohort_id: int, user=None) -> Cohort:
    """The cohort ``cohort_id`` if ``user`` may see it; 404 otherwise."""
    cohort = db.session.scalar(visible_cohorts(user).where(Cohort.id == cohort_id))
    if cohort is None:
        abort(404)
    return cohort


def can_manage_cohorts(user=None) -> bool:
    """Tell whether ``user`` may create cohorts and assign their tutors (admins)."""
    return has_permission(current_user if user is None else user, COURSES_COHORT_MANAGE)


def member_or_404(cohort: Cohort, user_id: int, user=None) -> CohortMember:
    """The member ``user_id`` of ``cohort`` if ``user`` may see their work in its course.

    Admins may see every member; a tutor only a learner their scope covers for
    the cohort's course. 404 otherwise, and for anyone not (yet) in the cohort,
    such as a person invited who has not accepted.
    """
    user = current_user if user is None else user
    member = db.session.scalar(
        select(CohortMember).where(
            CohortMember.cohort_id == cohort.id, CohortMember.user_id == user_id
        )
    )
    if member is None:
        abort(404)
    if not can_manage_cohorts(user) and not tutor_scope(user).covers(
        user_id, cohort.course.slug
    ):
        abort(404)
    return member


def tutors_course(course_id: int, user=None) -> bool:
    """Tell whether ``user`` is staff of ``course_id``: an admin, or a tutor of one of its cohorts.

    Built on :func:`visible_cohorts`, so the course-wide spaces (discussions of
    learners in no group, the marking of self-paced learners) follow the same
    tutor scope as the cohorts themselves.
    """
    user = current_user if user is None else user
    if not user.is_authenticated:
        return False
    if has_permission(user, COURSES_COHORT_MANAGE):
        return True
    query = visible_cohorts(user).where(Cohort.course_id == course_id).limit(1)
    return db.session.scalar(query.with_only_columns(Cohort.id)) is not None
