"""The cohort directory other plugins use (the ``lms.contracts.CohortDirectory`` contract)."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from sqlalchemy import bindparam, select

from lms.contracts import CohortRoster
from lms.db import db
from lms.directread import DirectRead

from ..models import Course
from .models import Cohort, CohortMember, CohortTutor


def _rosters(query) -> list[CohortRoster]:
    rows = db.session.execute(query.order_by(Cohort.start_date, Cohort.id)).all()
    if not rows:
        return []
    members: dict[int, list[int]] = defaultdict(list)
    for cohort_id, user_id in db.session.execute(
        select(CohortMember.cohort_id, CohortMember.user_id)
        .where(CohortMember.cohort_id.in_([r.id for r in rows]))
        .order_by(CohortMember.user_id)
    ):
        members[cohort_id].append(user_id)
    return [CohortRoster(r.id, r.name, r.slug, tuple(members.get(r.id, ()))) for r in rows]


_BASE = select(Cohort.id, Cohort.name, Course.slug).join(Course, Course.id == Cohort.course_id)


class CourseCohorts:
    """The courses plugin's cohorts, for other plugins (reads only)."""

    def roster(self, cohort_id: int) -> CohortRoster | None:
        found = _rosters(_BASE.where(Cohort.id == cohort_id))
        return found[0] if found else None

    def cohorts_of(self, tutor_id: int | None) -> list[CohortRoster]:
        if tutor_id is None:
            return _rosters(_BASE)
        taught = select(CohortTutor.cohort_id).where(CohortTutor.user_id == tutor_id)
        return _rosters(_BASE.where(Cohort.id.in_(taught)))

    def cohort_ids_of(self, tutor_id: int) -> list[int]:
        return [row[0] for row in _taught_ids_read().in_session(tutor_id=tutor_id)]


@cache
def _taught_ids_read() -> DirectRead:
    """The ids of the cohorts ``tutor_id`` is assigned to, read on the session's connection
    (:mod:`lms.directread`): every page of a tutor's dashboard asks."""
    return DirectRead(
        select(CohortTutor.cohort_id).where(CohortTutor.user_id == bindparam("tutor_id"))
        .order_by(CohortTutor.cohort_id)
    )
