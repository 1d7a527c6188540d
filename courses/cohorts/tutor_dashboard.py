"""What a tutor sees first: their groups, who is at risk, what opens and falls due soon.

The groups are the tutor's own (:func:`lms.scope.tutor_scope`, the one rule
of a tutor's reach), even for a tutor who is also an admin: the dashboard is
about their teaching. The learners are counted in SQL, not one by one in
Python: a group of 500 costs the same queries and nearly the same time as a
group of 5. A fixed number of queries whatever the number of groups, learners
and modules: the scope, the groups with their courses, the modules with their
required items, the counts per group, and the :data:`AT_RISK_SHOWN` most at
risk of each group (the group's progress page lists them all).

A learner is at risk as on the progress page (:func:`.matrix._risks`): not
finished, and either without activity for :data:`IDLE_DAYS` days once the
group has started, or with a required item of an overdue module not done.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import and_, case, false, func, or_, select

from lms.accounts.models import User
from lms.db import db, utcnow
from lms.scope import tutor_scope

from ..models import Course, Enrolment, Item, Module, Progress
from .models import Cohort, CohortMember
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
    # Per group: its required items, those of its overdue modules, and whether it started.
    facts: dict[int, tuple[int, set[int], int, bool]] = {}
    for cohort, course in rows:
        course_modules = modules.get(course.id, [])
        titles = {m.id: m.title for m in course_modules}
        schedule = build_schedule(cohort.id, cohort.name, cohort.start_date, cohort.end_date,
                                  [(m.id, m.unlock_after_days) for m in course_modules])
        overdue = schedule.overdue_modules(on)
        facts[cohort.id] = (
            sum(m.required for m in course_modules),
            overdue,
            sum(m.required for m in course_modules if m.id in overdue),
            schedule.start_date <= on,
        )
        card = cards[cohort.id]
        dates = sorted(schedule.modules.values(), key=lambda d: (d.opens_on, d.module_id))
        card.openings = [(d, titles.get(d.module_id, "")) for d in dates
                         if on < d.opens_on <= horizon]
        card.due = [(d, titles.get(d.module_id, "")) for d in
                    sorted(dates, key=lambda d: d.due_on)
                    if d.opens_on <= on <= d.due_on <= horizon]
    stats = _member_stats(facts, now - dt.timedelta(days=IDLE_DAYS))
    for cohort_id, learners, completed, at_risk in db.session.execute(
        select(stats.c.cohort_id, func.count(),
               func.coalesce(func.sum(case((stats.c.completed, 1), else_=0)), 0),
               func.coalesce(func.sum(case((stats.c.at_risk, 1), else_=0)), 0))
        .group_by(stats.c.cohort_id)
    ):
        card = cards[cohort_id]
        card.learners, card.completed, card.at_risk_count = learners, completed, at_risk
    if any(card.at_risk_count for card in cards.values()):
        _name_the_most_at_risk(cards, stats, now)
    return list(cards.values())


def _member_stats(facts: dict[int, tuple[int, set[int], int, bool]], idle_since: dt.datetime):
    """One row per member of the groups in ``facts``: finished, idle, behind, at risk.

    The per-group facts (required items, overdue modules, started) are few, so
    they enter the statement as ``CASE`` branches on the group; the learners
    are only ever counted in the database.
    """
    overdue_item = or_(false(), *(
        and_(CohortMember.cohort_id == cid, Item.module_id.in_(sorted(overdue)))
        for cid, (_total, overdue, _n, _started) in facts.items() if overdue
    ))
    since = func.coalesce(Enrolment.last_activity_dt, CohortMember.joined_dt)
    members = (
        select(
            CohortMember.cohort_id, CohortMember.user_id, since.label("since"),
            func.count(Item.id).label("done"),
            func.count(case((overdue_item, Item.id))).label("overdue_done"),
        )
        .join(Enrolment, Enrolment.id == CohortMember.enrolment_id)
        .outerjoin(Progress, Progress.enrolment_id == Enrolment.id)
        .outerjoin(Item, and_(Item.id == Progress.item_id, Item.required,
                              Item.course_id == Enrolment.course_id))
        .where(CohortMember.cohort_id.in_(sorted(facts)))
        .group_by(CohortMember.id, CohortMember.cohort_id, CohortMember.user_id,
                  Enrolment.last_activity_dt, CohortMember.joined_dt)
        .subquery()
    )

    def per_group(index: int):
        return case(*((members.c.cohort_id == cid, f[index]) for cid, f in facts.items()),
                    else_=None)

    completed = and_(per_group(0) > 0, members.c.done >= per_group(0))
    idle = and_(per_group(3), members.c.since < idle_since)
    behind = members.c.overdue_done < per_group(2)
    return select(
        members.c.cohort_id, members.c.user_id, members.c.since,
        completed.label("completed"), idle.label("idle"), behind.label("behind"),
        and_(~completed, or_(idle, behind)).label("at_risk"),
    ).subquery()


def _name_the_most_at_risk(cards: dict[int, GroupCard], stats, now: dt.datetime) -> None:
    """Fill each card's ``at_risk`` with its :data:`AT_RISK_SHOWN` learners most at risk.

    Most at risk: both idle and behind first, then the longest without
    activity, then by name. One query for every group (a window per group).
    """
    risks = case((stats.c.idle, 1), else_=0) + case((stats.c.behind, 1), else_=0)
    ranked = (
        select(
            stats.c.cohort_id, stats.c.user_id, stats.c.since, stats.c.idle, stats.c.behind,
            User.display_name,
            func.row_number().over(
                partition_by=stats.c.cohort_id,
                order_by=(risks.desc(), stats.c.since, User.display_name, User.id),
            ).label("rank"),
        )
        .join(User, User.id == stats.c.user_id)
        .where(stats.c.at_risk)
        .subquery()
    )
    for row in db.session.execute(
        select(ranked).where(ranked.c.rank <= AT_RISK_SHOWN)
        .order_by(ranked.c.cohort_id, ranked.c.rank)
    ):
        reasons = []
        if row.idle:
            reasons.append(ngettext("no activity for %(num)d day", "no activity for %(num)d days",
                                    (now - row.since).days))
        if row.behind:
            reasons.append(_("behind the group's schedule"))
        cards[row.cohort_id].at_risk.append(AtRisk(row.user_id, row.display_name,
                                                   tuple(reasons)))
