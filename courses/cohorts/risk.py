"""Who is at risk in a group: one statement for the figures, one rule for the verdict.

:func:`summary_query` gives one row per member of one or several groups (the
required items done, those of the group's overdue modules, the last activity)
in a single aggregated statement, whatever the number of learners or groups.
:func:`flags` and :func:`at_risk` are the only definition of "at risk": the
progress matrix, its CSV, a learner's page and the tutor's dashboard all
apply them to those rows.

A learner is at risk when not finished and either without activity for the
chosen number of days once the group has started (*idle*), or with a required
item of a module past its due date not done (*behind*).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, and_, case, false, func, or_, select

from lms.accounts.models import User
from lms.db import db

from ..models import Enrolment, Item, Progress
from .models import CohortMember


class GroupRule(NamedTuple):
    """What flags a learner of one group, the same for all its learners."""

    #: Required items of the course.
    required: int
    #: Required items of the modules past their due date.
    overdue_required: int
    #: The group has started (nobody is idle before it starts).
    started: bool
    #: Last activity before this is idle.
    idle_since: dt.datetime


def flags(rule: GroupRule, since: dt.datetime, overdue_done: int) -> tuple[bool, bool]:
    """(idle, behind) for a learner last active (or joined) at ``since``."""
    return rule.started and since < rule.idle_since, overdue_done < rule.overdue_required


def completed(done: int, total: int) -> bool:
    """Every required item done (a course without required items is never finished)."""
    return total > 0 and done >= total


def at_risk(done: int, total: int, idle: bool, behind: bool) -> bool:
    """THE rule: not finished, and idle or behind."""
    return not completed(done, total) and (idle or behind)


def summary_query(overdue: dict[int, list[int]]) -> Select:
    """One row per member of the groups ``overdue`` maps to their overdue modules.

    ``done`` counts the required items of the course with a progress row (as
    :func:`~courses.progress.progress_for` does), ``overdue_done`` those of
    the group's overdue modules. The progress rows are counted per member
    first (a narrow key to group by), then joined to the names and dates. By
    group, then by name.
    """
    overdue_item = or_(false(), *(
        and_(CohortMember.cohort_id == cid, Item.module_id.in_(modules))
        for cid, modules in sorted(overdue.items()) if modules
    ))
    counts = (
        select(CohortMember.id.label("member_id"), func.count(Item.id).label("done"),
               func.count(case((overdue_item, Item.id))).label("overdue_done"))
        .join(Progress, Progress.enrolment_id == CohortMember.enrolment_id)
        .join(Item, and_(Item.id == Progress.item_id, Item.required,
                         Item.course_id == CohortMember.course_id))
        .where(CohortMember.cohort_id.in_(sorted(overdue)))
        .group_by(CohortMember.id)
        .subquery()
    )
    return (
        select(
            CohortMember.cohort_id, CohortMember.user_id, User.display_name, User.email,
            User.password_hash.is_(None).label("invited"), CohortMember.joined_dt,
            Enrolment.id.label("enrolment_id"), Enrolment.last_activity_dt,
            Enrolment.last_item_id, func.coalesce(counts.c.done, 0).label("done"),
            func.coalesce(counts.c.overdue_done, 0).label("overdue_done"),
        )
        .join(User, User.id == CohortMember.user_id)
        .join(Enrolment, Enrolment.id == CohortMember.enrolment_id)
        .outerjoin(counts, counts.c.member_id == CohortMember.id)
        .where(CohortMember.cohort_id.in_(sorted(overdue)))
        .order_by(CohortMember.cohort_id, func.lower(User.display_name), User.id)
    )


def summaries(overdue: dict[int, list[int]]):
    """Run :func:`summary_query` in the session."""
    return db.session.execute(summary_query(overdue))


class RiskWords:
    """Why a learner is at risk, in words (``words(row)``); empty when they are not.

    ``row`` has ``at_risk``, ``idle``, ``behind``, ``last_activity_dt`` and
    ``joined_dt``. Worded once per number of idle days: a CSV of 500 learners
    needs a few distinct phrases, not 500 translations.
    """

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.memo: dict[tuple[int | None, bool], tuple[str, ...]] = {}

    def __call__(self, row) -> tuple[str, ...]:
        if not row.at_risk:
            return ()
        days = (self.now - (row.last_activity_dt or row.joined_dt)).days if row.idle else None
        key = (days, row.behind)
        words = self.memo.get(key)
        if words is None:
            words = self.memo[key] = self._words(days, row.behind)
        return words

    @staticmethod
    def _words(days: int | None, behind: bool) -> tuple[str, ...]:
        words = []
        if days is not None:
            words.append(ngettext("no activity for %(num)d day",
                                  "no activity for %(num)d days", days))
        if behind:
            words.append(_("behind the group's schedule"))
        return tuple(words)
