"""The cohort directory other plugins use (the ``lms.contracts.CohortDirectory`` contract)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from lms.contracts import CohortRoster
from lms.db import db

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
        return list(db.session.scalars(
            select(CohortTutor.cohort_id).where(CohortTutor.user_id == tutor_id)
            .order_by(CohortTutor.cohort_id)
        ))
