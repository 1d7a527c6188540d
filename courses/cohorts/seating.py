"""Putting people in a cohort for another package (the ``lms.contracts.CohortSeating`` contract).

The LTI roster of the core uses it: people the platform lists, whose accounts here are
linked to the platform with their consent, join the group linked to the platform's
course. The rules are the plugin's own (:func:`.operations._seat_many` seats them,
prerequisites checked once more there); a membership made this way is recorded with the
source ``upload`` (a class list from elsewhere, like a file) and ``via`` in the audit log.
"""

from __future__ import annotations

from collections.abc import Collection

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from lms import audit
from lms.accounts.models import User
from lms.contracts import SeatingPlan
from lms.db import db

from ..prerequisites import held_back_reason, unmet_prerequisites
from .models import SOURCE_UPLOAD, Cohort, CohortMember
from .operations import _lock_places, _seat_many, join_refusal, places_left


def _cohort(cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise LookupError(f"no cohort {cohort_id}")
    return cohort


def _plan(cohort: Cohort, user_ids: Collection[int]) -> SeatingPlan:
    ids = list(dict.fromkeys(user_ids))
    course = cohort.course
    refusal = join_refusal(cohort, course)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} \
        if ids else {}
    memberships = dict(db.session.execute(
        select(CohortMember.user_id, CohortMember.cohort_id).where(
            CohortMember.course_id == course.id, CohortMember.user_id.in_(ids))
    ).all()) if ids else {}
    unmet = unmet_prerequisites(course, list(users))
    left = places_left(cohort)
    seats = left
    to_add, already, refused = [], [], {}
    for user_id in ids:
        user = users.get(user_id)
        if memberships.get(user_id) == cohort.id:
            already.append(user_id)
        elif user is None:
            refused[user_id] = _("This account no longer exists.")
        elif user_id in memberships:
            refused[user_id] = _("Already in another group of this course.")
        elif not user.is_active:
            refused[user_id] = _("This account is switched off.")
        elif user_id in unmet:
            refused[user_id] = held_back_reason(unmet[user_id])
        elif refusal:
            refused[user_id] = refusal
        elif seats is not None and seats <= 0:
            refused[user_id] = ngettext("Over capacity: the group has %(num)d place left.",
                                        "Over capacity: the group has %(num)d places left.",
                                        left)
        else:
            if seats is not None:
                seats -= 1
            to_add.append(user_id)
    return SeatingPlan(cohort.id, tuple(to_add), tuple(already), refused, refusal)


class CourseCohortSeating:
    """The courses plugin's answer to :class:`lms.contracts.CohortSeating`."""

    def plan_seating(self, cohort_id: int, user_ids: Collection[int]) -> SeatingPlan:
        return _plan(_cohort(cohort_id), user_ids)

    def seat(self, cohort_id: int, user_ids: Collection[int], *, via: str) -> SeatingPlan:
        cohort = _cohort(cohort_id)
        _lock_places(cohort)
        plan = _plan(cohort, user_ids)
        users = db.session.scalars(
            select(User).where(User.id.in_(plan.to_add)).order_by(User.id)
        ).all() if plan.to_add else []
        _seat_many(cohort, cohort.course, list(users), SOURCE_UPLOAD)
        audit.record("courses.cohort.roster_seated", subject_type="cohort", subject_id=cohort.id,
                     data={"via": via, "added": list(plan.to_add),
                           "already": len(plan.already), "refused": len(plan.refused)})
        return plan
