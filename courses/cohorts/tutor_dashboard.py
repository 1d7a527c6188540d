"""What a tutor sees first: their groups, who is at risk, what opens and falls due soon.

The groups are the tutor's own (:func:`lms.scope.tutor_scope`, the one rule
of a tutor's reach), even for a tutor who is also an admin: the dashboard is
about their teaching. A fixed number of queries whatever the number of groups,
learners and modules: the scope, the groups with their courses, the modules
with their required items, and one row per learner of every group from the
progress page's aggregated statement (:func:`.risk.summary_query`).

Who is at risk is decided by the progress page's rule (:func:`.risk.flags`,
:func:`.risk.at_risk`), applied to those rows in Python: not finished, and
either without activity for :data:`IDLE_DAYS` days once the group has
started, or with a required item of an overdue module not done. The group's
progress page lists them all; the card names the :data:`AT_RISK_SHOWN` most
at risk.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_login import current_user
from sqlalchemy import and_, func, select

from lms.db import db, utcnow
from lms.scope import tutor_scope

from ..models import Course, Item, Module
from .models import Cohort
from .risk import GroupRule, RiskWords, at_risk, completed, flags, summaries
from .schedule import ModuleDates, build_schedule, today

#: Days after the last activity (or joining) before a learner counts as at risk.
IDLE_DAYS = 7
#: Openings and due dates this many days ahead are "upcoming".
UPCOMING_DAYS = 14
#: At-risk learners named per group, most at risk first (the group's page has the rest).
AT_RISK_SHOWN = 10


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
    #: The :data:`AT_RISK_SHOWN` learners most at risk, most at risk first.
    at_risk: list[AtRisk] = field(default_factory=list)
    #: Every learner of the group at risk (``at_risk`` names the first of them).
    at_risk_count: int = 0
    openings: list[tuple[ModuleDates, str]] = field(default_factory=list)
    due: list[tuple[ModuleDates, str]] = field(default_factory=list)


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
    modules: dict[int, list] = defaultdict(list)
    for m in db.session.execute(
        select(Module.id, Module.course_id, Module.title, Module.unlock_after_days,
               func.count(Item.id).label("required"))
        .outerjoin(Item, and_(Item.module_id == Module.id, Item.course_id == Module.course_id,
                              Item.required))
        .where(Module.course_id.in_({course.id for _c, course in rows}))
        .group_by(Module.id, Module.course_id, Module.title, Module.unlock_after_days,
                  Module.position)
        .order_by(Module.position, Module.id)
    ):
        modules[m.course_id].append(m)
    horizon = on + dt.timedelta(days=UPCOMING_DAYS)
    rules: dict[int, GroupRule] = {}
    overdue: dict[int, list[int]] = {}
    idle_since = now - dt.timedelta(days=IDLE_DAYS)
    for cohort, course in rows:
        course_modules = modules.get(course.id, [])
        titles = {m.id: m.title for m in course_modules}
        schedule = build_schedule(cohort.id, cohort.name, cohort.start_date, cohort.end_date,
                                  [(m.id, m.unlock_after_days) for m in course_modules])
        late = schedule.overdue_modules(on)
        overdue[cohort.id] = sorted(late)
        rules[cohort.id] = GroupRule(
            sum(m.required for m in course_modules),
            sum(m.required for m in course_modules if m.id in late),
            schedule.start_date <= on, idle_since,
        )
        card = cards[cohort.id]
        dates = sorted(schedule.modules.values(), key=lambda d: (d.opens_on, d.module_id))
        card.openings = [(d, titles.get(d.module_id, "")) for d in dates
                         if on < d.opens_on <= horizon]
        card.due = [(d, titles.get(d.module_id, "")) for d in
                    sorted(dates, key=lambda d: d.due_on)
                    if d.opens_on <= on <= d.due_on <= horizon]
    risky: dict[int, list[tuple]] = defaultdict(list)
    for r in summaries(overdue):
        rule, card = rules[r.cohort_id], cards[r.cohort_id]
        since = r.last_activity_dt or r.joined_dt
        idle, behind = flags(rule, since, r.overdue_done)
        card.learners += 1
        if completed(r.done, rule.required):
            card.completed += 1
        elif at_risk(r.done, rule.required, idle, behind):
            # Most at risk first: both reasons, then the longest idle, then by name.
            risky[r.cohort_id].append((-(idle + behind), since, r.display_name,
                                       r.user_id, r.display_name, idle, behind))
    words = RiskWords(now)
    for cohort_id, learners in risky.items():
        card = cards[cohort_id]
        card.at_risk_count = len(learners)
        for _k, since, _n, user_id, name, idle, behind in heapq.nsmallest(
                AT_RISK_SHOWN, learners):
            card.at_risk.append(AtRisk(user_id, name, words(_Flagged(
                True, idle, behind, since, since))))
    return list(cards.values())


class _Flagged(NamedTuple):
    """What :class:`.risk.RiskWords` reads of a learner."""

    at_risk: bool
    idle: bool
    behind: bool
    last_activity_dt: dt.datetime
    joined_dt: dt.datetime
