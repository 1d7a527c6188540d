"""Who may see which cohort: the one object-level check every cohort query goes through.

Admins see every cohort. A tutor sees the cohorts they are assigned to, and
only while they hold the tutor role: both are read from the database on
every request, so removing the role or the assignment takes effect on the
tutor's next request. Everyone else sees none. A cohort someone may not see
is answered with 404, never 403, so its existence does not leak.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, false, select

from lms.db import db
from lms.permissions import has_permission

from ..permissions import COURSES_COHORT_MANAGE, COURSES_COHORT_TEACH
from .models import Cohort, CohortTutor


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
    assigned = select(CohortTutor.cohort_id).where(CohortTutor.user_id == user.id)
    return query.where(Cohort.id.in_(assigned))


def cohort_or_404(cohort_id: int, user=None) -> Cohort:
    """The cohort ``cohort_id`` if ``user`` may see it; 404 otherwise."""
    cohort = db.session.scalar(visible_cohorts(user).where(Cohort.id == cohort_id))
    if cohort is None:
        abort(404)
    return cohort


def can_manage_cohorts(user=None) -> bool:
    """Tell whether ``user`` may create cohorts and assign their tutors (admins)."""
    return has_permission(current_user if user is None else user, COURSES_COHORT_MANAGE)
