"""What a tutor sees first: their groups, who is at risk, what opens and falls due soon.

The groups are the tutor's own (:func:`lms.scope.tutor_cohort_ids`, the one
rule of a tutor's reach, without reading who is in the groups), even for a
tutor who is also an admin: the dashboard is about their teaching. A fixed
number of queries whatever the number of groups, learners and modules: the
tutor's groups, those groups with their courses, the modules with their
required items, and one statement (:func:`.risk.group_query`) that counts
each group's learners, finished and at risk in the database and names the
:data:`AT_RISK_SHOWN` most at risk of each. No learner is read one by one.
That statement reads every member's progress, so each group's answer is
kept until something it depends on changes (:mod:`.group_figures`): a view
with nothing changed costs three small queries, whatever the groups' size.

Who is at risk is decided by the progress page's rule, written once
(:func:`.risk.verdicts`): not finished, and either without activity for
:data:`IDLE_DAYS` days once the group has started, or with a required item
of an overdue module not done. The group's progress page lists them all.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_login import current_user
from sqlalchemy import and_, func, select

from lms.db import db, utcnow
from lms.scope import tutor_cohort_ids

from ..models import Course, Item, Module
from .group_figures import group_figures
from .models import Cohort
from .risk import GroupRule, RiskWords
from .schedule import ModuleDates, build_schedule

#: Days after the last activity (or joining) before a learner counts as at risk.
IDLE_DAYS = 7
#: Openings and due dates this many days ahead are "upcoming".
UPCOMING_DAYS = 14
#: At-risk learners named per group, most at risk first (the group's page has the rest).
AT_RISK_SHOWN = 10


@dataclass(frozen=True)
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

    def shown(self) -> dict:
        """Everything the card prints, as the values of its fragment (:mod:`lms.fragments`).

        A tutor's card reads the same view after view until its group
        changes: it is rendered once per distinct values and kept.
        """
        cohort = self.cohort
        return {
            "cohort_id": cohort.id, "name": cohort.name, "course": self.course.title,
            "start": cohort.start_date, "end": cohort.end_date, "learners": self.learners,
            "completed": self.completed, "at_risk": tuple(self.at_risk),
            "at_risk_count": self.at_risk_count,
            "openings": tuple((d.opens_on, title) for d, title in self.openings),
            "due": tuple((d.due_on, title) for d, title in self.due),
        }


def tutor_groups(user=None) -> list[GroupCard]:
    """The groups ``user`` (default: the current user) tutors that have not ended."""
    user = user or current_user
    ids = sorted(tutor_cohort_ids(user))
    if not ids:
        return []
    now = utcnow()
    on = now.date()
    rows = db.session.execute(
        # The version as a column: the row's value, never an older one the session holds.
        select(Cohort, Course, Cohort.figures_version)
        .join(Course, Course.id == Cohort.course_id)
        .where(Cohort.id.in_(ids), Cohort.end_date >= on)
        .order_by(Cohort.start_date, Cohort.id)
    ).all()
    if not rows:
        return []
    cards = {cohort.id: GroupCard(cohort, course) for cohort, course, _version in rows}
    modules: dict[int, list] = defaultdict(list)
    for m in db.session.execute(
        select(Module.id, Module.course_id, Module.title, Module.unlock_after_days,
               func.count(Item.id).label("required"))
        .outerjoin(Item, and_(Item.module_id == Module.id, Item.course_id == Module.course_id,
                              Item.required))
        .where(Module.course_id.in_({course.id for _c, course, _v in rows}))
        .group_by(Module.id, Module.course_id, Module.title, Module.unlock_after_days,
                  Module.position)
        .order_by(Module.position, Module.id)
    ):
        modules[m.course_id].append(m)
    horizon = on + dt.timedelta(days=UPCOMING_DAYS)
    rules: dict[int, GroupRule] = {}
    idle_since = now - dt.timedelta(days=IDLE_DAYS)
    for cohort, course, _version in rows:
        course_modules = modules.get(course.id, [])
        titles = {m.id: m.title for m in course_modules}
        schedule = build_schedule(cohort.id, cohort.name, cohort.start_date, cohort.end_date,
                                  [(m.id, m.unlock_after_days) for m in course_modules])
        late = schedule.overdue_modules(on)
        rules[cohort.id] = GroupRule(
            sum(m.required for m in course_modules), tuple(sorted(late)),
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
    words = RiskWords(now)
    versions = {cohort.id: version for cohort, _course, version in rows}
    figures = group_figures({cohort_id: (versions[cohort_id], rule)
                             for cohort_id, rule in rules.items()},
                            AT_RISK_SHOWN, IDLE_DAYS, now)
    for cohort_id, found in figures.items():
        card = cards[cohort_id]
        card.learners, card.completed, card.at_risk_count = (
            found.learners, found.completed, found.at_risk_count)
        card.at_risk = [AtRisk(n.user_id, n.name, words.of(n.idle, n.behind, n.since))
                        for n in found.at_risk]
    return list(cards.values())
