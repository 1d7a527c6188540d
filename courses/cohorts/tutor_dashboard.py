"""What a tutor sees first: their groups, who is at risk, what opens and falls due soon.

The groups are the tutor's own (:func:`lms.scope.tutor_scope`, the one rule
of a tutor's reach), even for a tutor who is also an admin: the dashboard is
about their teaching. A fixed number of queries whatever the number of groups,
learners and modules: the scope, the groups with their courses, the members
with their enrolments, the progress rows, and the modules.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_login import current_user
from sqlalchemy import select

from lms.accounts.models import User
from lms.db import db, utcnow
from lms.scope import tutor_scope

from ..models import Course, Enrolment, Module
from ..progress import progress_for
from .matrix import _risks
from .models import Cohort, CohortMember
from .schedule import ModuleDates, build_schedule, today

#: Days after the last activity (or joining) before a learner counts as at risk.
IDLE_DAYS = 7
#: Openings and due dates this many days ahead are "upcoming".
UPCOMING_DAYS = 14
#: At-risk learners named per group (the group's page has the rest).
AT_RISK_SHOWN = 5


@dataclass
class AtRisk:
    user_id: int
    name: str
    risks: tuple[str, ...]


@dataclass
class GroupCard:
    cohort: Cohort
    course: Course
    learners: int = 0
    completed: int = 0
    at_risk: list[AtRisk] = field(default_factory=list)
    openings: list[tuple[ModuleDates, str]] = field(default_factory=list)
    due: list[tuple[ModuleDates, str]] = field(default_factory=list)

    @property
    def at_risk_count(self) -> int:
        return len(self.at_risk)


def tutor_groups(user=None) -> list[GroupCard]:
    """The groups ``user`` (default: the current user) tutors that have not ended."""
    user = user or current_user
    ids = sorted(tutor_scope(user).cohort_ids)
    if not ids:
        return []
    on, now = today(), utcnow()
    rows = db.session.execute(
        select(Cohort, Course)
        .join(Course, Course.id == Cohort.course_id)
        .where(Cohort.id.in_(ids), Cohort.end_date >= on)
        .order_by(Cohort.start_date, Cohort.id)
    ).all()
    if not rows:
        return []
    cards = {cohort.id: GroupCard(cohort, course) for cohort, course in rows}
    members = db.session.execute(
        select(CohortMember.cohort_id, CohortMember.joined_dt, User.id, User.display_name,
               Enrolment)
        .join(User, User.id == CohortMember.user_id)
        .join(Enrolment, Enrolment.id == CohortMember.enrolment_id)
        .where(CohortMember.cohort_id.in_(list(cards)))
        .order_by(User.display_name, User.id)
    ).all()
    progress = progress_for([m.Enrolment for m in members])
    modules: dict[int, list] = defaultdict(list)
    for m in db.session.execute(
        select(Module.id, Module.course_id, Module.title, Module.unlock_after_days)
        .where(Module.course_id.in_({course.id for _c, course in rows}))
        .order_by(Module.position, Module.id)
    ):
        modules[m.course_id].append(m)
    schedules = {}
    horizon = on + dt.timedelta(days=UPCOMING_DAYS)
    for cohort, course in rows:
        course_modules = modules.get(course.id, [])
        titles = {m.id: m.title for m in course_modules}
        schedule = build_schedule(cohort.id, cohort.name, cohort.start_date, cohort.end_date,
                                  [(m.id, m.unlock_after_days) for m in course_modules])
        schedules[cohort.id] = schedule
        card = cards[cohort.id]
        dates = sorted(schedule.modules.values(), key=lambda d: (d.opens_on, d.module_id))
        card.openings = [(d, titles.get(d.module_id, "")) for d in dates
                         if on < d.opens_on <= horizon]
        card.due = [(d, titles.get(d.module_id, "")) for d in
                    sorted(dates, key=lambda d: d.due_on)
                    if d.opens_on <= on <= d.due_on <= horizon]
    for m in members:
        card = cards[m.cohort_id]
        state = progress[m.Enrolment.id]
        card.learners += 1
        if state.completed:
            card.completed += 1
            continue
        risks = _risks(state, m.Enrolment.last_activity_dt, m.joined_dt,
                       schedules[m.cohort_id], IDLE_DAYS, now, on)
        if risks:
            card.at_risk.append(AtRisk(m.id, m.display_name, risks))
    return list(cards.values())
