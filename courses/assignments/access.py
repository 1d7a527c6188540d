"""Who may mark (and see) whose submission: the one place it is decided.

A learner's work in a course is marked by the tutors whose scope covers that
learner in that course (:func:`lms.scope.tutor_scope`: the tutors of their
group), and by admins. A learner at their own pace (in no group) is marked by
the course's tutors (tutors of any of its groups,
:func:`courses.cohorts.access.tutors_course`) and admins. Nobody marks their
own work. The marking queue lists exactly the submissions its reader may mark.
"""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import ColumnElement, and_, false, or_, true

from lms.permissions import has_permission
from lms.scope import tutor_scope

from ..cohorts.access import tutors_course, visible_cohorts
from ..cohorts.models import Cohort, CohortMember
from ..models import Course, Enrolment
from ..permissions import COURSES_COHORT_MANAGE


def can_mark(learner_id: int, course: Course, cohort_id: int | None, user=None) -> bool:
    """Tell whether ``user`` may see and mark ``learner_id``'s work in ``course``."""
    user = current_user if user is None else user
    if not user.is_authenticated or user.id == learner_id:
        return False
    if has_permission(user, COURSES_COHORT_MANAGE):
        return True
    if cohort_id is not None:
        return tutor_scope(user).covers(learner_id, course.slug)
    return tutors_course(course.id, user)


def markable(user=None) -> ColumnElement[bool]:
    """A condition on a query joining Enrolment, Course and (outer) CohortMember.

    True for the rows whose learner ``user`` may mark.
    """
    user = current_user if user is None else user
    if not user.is_authenticated:
        return false()
    not_self = Enrolment.user_id != user.id
    if has_permission(user, COURSES_COHORT_MANAGE):
        return and_(true(), not_self)
    scope = tutor_scope(user)
    if not scope:
        return false()
    taught = visible_cohorts(user).with_only_columns(Cohort.course_id)
    return and_(
        not_self,
        or_(
            and_(CohortMember.id.is_not(None), scope.where(Enrolment.user_id, Course.slug)),
            and_(CohortMember.id.is_(None), Course.id.in_(taught)),
        ),
    )
