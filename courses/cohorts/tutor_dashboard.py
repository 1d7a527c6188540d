"""What a tutor sees first: their groups, who is at risk, what opens and falls due soon.

The groups are the tutor's own (:func:`lms.scope.tutor_cohort_ids`, the one
rule of a tutor's reach, without reading who is in the groups), even for a
tutor who is also an admin: the dashboard is about their teaching. A fixed
number of queries whatever the number of groups, learners and modules: the
tutor's groups with their courses, those courses' modules with their required
items, and one statement (:func:`.risk.group_query`) that counts
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
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import NamedTuple

from flask_login import current_user
from sqlalchemy import and_, bindparam, func, select

from lms.db import utcnow
from lms.directread import DirectRead
from lms.scope import tutor_cohort_ids

from ..models import Course, Item, Module
from ..titles import course_title
from .group_figures import group_figures
from .models import Cohort, CohortTutor
from .risk import GroupRule, RiskWords
from .schedule import ModuleDates, build_schedule

#: Days after the last activity (or joining) before a learner counts as at risk.
IDLE_DAYS = 7
#: Openings and due dates this many days ahead are "upcoming".
UPCOMING_DAYS = 14
#: At-risk learners named per group, most at risk first (the group's page has the rest).
AT_RISK_SHOWN = 10


class AtRisk(NamedTuple):
    """A learner the card names, with the reasons in words. A named tuple, not a frozen
    dataclass: a card's values key its kept fragment, and a tuple hashes in C."""

    user_id: int
    name: str
    risks: tuple[str, ...]


class Group(NamedTuple):
    """What the dashboard shows of a group."""

    id: int
    name: str
    start_date: dt.date
    end_date: dt.date


class GroupCourse(NamedTuple):
    """The group's course: what its title in the tutor's language needs (``course_title``)."""

    id: int
    title: str
    language: str
    updated_dt: dt.datetime


@dataclass
class GroupCard:
    cohort: Group
    course: GroupCourse
    learners: int = 0
    completed: int = 0
    #: The :data:`AT_RISK_SHOWN` learners most at risk, most at risk first.
    at_risk: list[AtRisk] = field(default_factory=list)
    #: Every learner of the group at risk (``at_risk`` names the first of them).
    at_risk_count: int = 0
    openings: tuple[tuple[ModuleDates, str], ...] = ()
    due: tuple[tuple[ModuleDates, str], ...] = ()

    def shown(self) -> dict:
        """Everything the card prints, as the values of its fragment (:mod:`lms.fragments`).

        A tutor's card reads the same view after view until its group
        changes: it is rendered once per distinct values and kept.
        """
        cohort = self.cohort
        return {
            "cohort_id": cohort.id, "name": cohort.name, "course": course_title(self.course),
            "start": cohort.start_date, "end": cohort.end_date, "learners": self.learners,
            "completed": self.completed, "at_risk": tuple(self.at_risk),
            "at_risk_count": self.at_risk_count,
            "openings": tuple((d.opens_on, title) for d, title in self.openings),
            "due": tuple((d.due_on, title) for d, title in self.due),
        }


class _Plan(NamedTuple):
    """A group's schedule on one day: its rule's facts, and what opens and falls due soon."""

    required: int
    overdue: tuple[int, ...]
    overdue_required: int
    started: bool
    openings: tuple[tuple[ModuleDates, str], ...]
    due: tuple[tuple[ModuleDates, str], ...]


def _taught(courses_only: bool = False):
    """The tutor's (``tutor_id``) groups that have not ended ``on``, as a ``FROM`` clause
    (or their courses' ids, as a subquery)."""
    groups = select(Cohort.course_id) if courses_only else select(Cohort)
    return (
        groups.join(CohortTutor, and_(CohortTutor.cohort_id == Cohort.id,
                                      CohortTutor.user_id == bindparam("tutor_id")))
        .where(Cohort.end_date >= bindparam("on"))
    )


@cache
def _groups_read() -> DirectRead:
    """The groups ``tutor_id`` is assigned to that have not ended ``on``, with their
    courses' titles, in order; run directly on the session's connection
    (:mod:`lms.directread`), as :func:`_modules_read` is.

    Two statements, not one with a row per group and module: a course's modules
    repeated on each of its groups' rows made SQLite read and Python convert
    every group's and course's columns again for each module (the bench tutor's six
    groups: 41 rows, 140 µs; the two statements: 15 rows, 50 µs).
    """
    return DirectRead(
        _taught().with_only_columns(
            Cohort.id, Cohort.name, Cohort.start_date, Cohort.end_date,
            Cohort.figures_version, Course.id.label("course_id"), Course.title,
            Course.language, Course.updated_dt)
        .join(Course, Course.id == Cohort.course_id)
        .order_by(Cohort.start_date, Cohort.id)
    )


@cache
def _modules_read() -> DirectRead:
    """The modules of the courses of the groups :func:`_groups_read` finds, each with
    its number of required items, by course and in order."""
    return DirectRead(
        select(Module.id, Module.course_id, Module.title, Module.unlock_after_days,
               func.count(Item.id).label("required"))
        .outerjoin(Item, and_(Item.module_id == Module.id, Item.course_id == Module.course_id,
                              Item.required))
        .where(Module.course_id.in_(_taught(courses_only=True)))
        .group_by(Module.id, Module.course_id, Module.title, Module.unlock_after_days,
                  Module.position)
        .order_by(Module.course_id, Module.position, Module.id)
    )


@lru_cache(maxsize=1024)
def _plan(group: Group, modules: tuple[tuple[int, str, int | None, int], ...], on: dt.date
          ) -> _Plan:
    """The plan of ``group`` with its course's ``(id, title, unlock days, required items)``
    modules ``on`` that day: the same for every view of that day, so worked out once."""
    schedule = build_schedule(group.id, group.name, group.start_date, group.end_date,
                              [(m_id, unlock) for m_id, _t, unlock, _r in modules])
    late = schedule.overdue_modules(on)
    titles = {m_id: title for m_id, title, _u, _r in modules}
    horizon = on + dt.timedelta(days=UPCOMING_DAYS)
    dates = sorted(schedule.modules.values(), key=lambda d: (d.opens_on, d.module_id))
    return _Plan(
        sum(r for *_m, r in modules), tuple(sorted(late)),
        sum(r for m_id, *_m, r in modules if m_id in late), schedule.start_date <= on,
        tuple((d, titles.get(d.module_id, "")) for d in dates if on < d.opens_on <= horizon),
        tuple((d, titles.get(d.module_id, "")) for d in sorted(dates, key=lambda d: d.due_on)
              if d.opens_on <= on <= d.due_on <= horizon),
    )


def tutor_groups(user=None) -> list[GroupCard]:
    """The groups ``user`` (default: the current user) tutors that have not ended."""
    user = user or current_user
    ids = tutor_cohort_ids(user)
    if not ids:
        return []
    now = utcnow()
    on = now.date()
    # The statements join the assignments only to spare an IN list of ids: which
    # groups are the tutor's is decided above (lms.scope), and only those are shown.
    found = [row for row in _groups_read().in_session(tutor_id=user.id, on=on)
             if row.id in ids]
    if not found:
        return []
    course_modules: dict[int, list] = {}
    for m in _modules_read().in_session(tutor_id=user.id, on=on):
        course_modules.setdefault(m.course_id, []).append(
            (m.id, m.title, m.unlock_after_days, m.required))
    idle_since = now - dt.timedelta(days=IDLE_DAYS)
    cards: dict[int, GroupCard] = {}
    groups: dict[int, tuple[int, GroupRule]] = {}
    for row in found:
        group = Group(row.id, row.name, row.start_date, row.end_date)
        plan = _plan(group, tuple(course_modules.get(row.course_id, ())), on)
        course = GroupCourse(row.course_id, row.title, row.language, row.updated_dt)
        cards[row.id] = GroupCard(group, course,
                                  openings=plan.openings, due=plan.due)
        groups[row.id] = (row.figures_version, GroupRule(
            plan.required, plan.overdue, plan.overdue_required, plan.started, idle_since))
    words = RiskWords(now)
    for cohort_id, figures in group_figures(groups, AT_RISK_SHOWN, IDLE_DAYS, now).items():
        card = cards[cohort_id]
        card.learners, card.completed, card.at_risk_count = (
            figures.learners, figures.completed, figures.at_risk_count)
        card.at_risk = [AtRisk(n.user_id, n.name, words.of(n.idle, n.behind, n.since))
                        for n in figures.at_risk]
    return list(cards.values())
