"""Who is at risk in a group: one rule, written once, evaluated by the database.

A learner is at risk when not finished and either without activity for the
chosen number of days once the group has started (*idle*), or with a required
item of a module past its due date not done (*behind*).

:func:`verdicts` is the only definition of that rule: SQL expressions over a
member's figures (the required items done, those of the group's overdue
modules, the last activity or joining) and their group's :class:`GroupRule`.
Two statements select them:

- :func:`summary_query`, one row per member with their figures and verdicts:
  the progress matrix, its CSV and a learner's page read it;
- :func:`group_query`, the tutor's dashboard: the learners, finished and at
  risk counted per group in the database, and the few most at risk named, so
  the dashboard reads a handful of rows whatever the size of its groups.

Both count the figures and judge them with the same pieces (:func:`_members`),
so no page can disagree with another about who is at risk.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any, NamedTuple

from flask_babel import get_translations, ngettext
from flask_babel import gettext as _
from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    false,
    func,
    not_,
    or_,
    select,
)

from lms.accounts.models import User
from lms.db import UTCDateTime, db

from ..models import Enrolment, Item, Progress
from .models import CohortMember


class GroupRule(NamedTuple):
    """What flags a learner of one group, the same for all its learners."""

    #: Required items of the course.
    required: int
    #: The modules past their due date.
    overdue: tuple[int, ...]
    #: Required items of those modules.
    overdue_required: int
    #: The group has started (nobody is idle before it starts).
    started: bool
    #: Last activity before this is idle.
    idle_since: dt.datetime


class Verdicts(NamedTuple):
    """The rule's verdicts on one member, as SQL expressions."""

    completed: ColumnElement[bool]
    idle: ColumnElement[bool]
    behind: ColumnElement[bool]
    at_risk: ColumnElement[bool]


def verdicts(done, overdue_done, since, required, overdue_required, started, idle_since
             ) -> Verdicts:
    """THE rule, over SQL expressions: a member's figures and their group's.

    :param done: required items of the course done.
    :param overdue_done: required items of the group's overdue modules done.
    :param since: the last activity, or joining the group when there was none.
    :param required: the course's required items (a course without any is
        never finished).
    :param overdue_required: the required items of the group's overdue modules.
    :param started: whether the group has started.
    :param idle_since: a learner last active before this is idle.
    """
    completed = and_(required > 0, done >= required)
    idle = and_(started, since < idle_since)
    behind = overdue_done < overdue_required
    return Verdicts(completed, idle, behind, and_(not_(completed), or_(idle, behind)))


def _param(name: str, k: int, type_=None, *, expanding: bool = False) -> BindParameter:
    """The parameter ``name`` of the ``k``-th group (its value from :func:`rule_values`)."""
    return bindparam(f"{name}_{k}", type_=type_, expanding=expanding)


def rule_values(rules: dict[int, GroupRule], **more) -> dict[str, Any]:
    """The parameters of the statements below for the groups ``rules`` maps to their rule.

    The statements are built once per number of groups (building and keying
    one anew cost milliseconds on every request); the groups' facts are their
    parameters, the k-th group (by id) ``cohort_k``, ``required_k``...; the
    members are only ever judged in the database.
    """
    values = dict(more)
    for k, (cohort_id, rule) in enumerate(sorted(rules.items())):
        values.update({
            f"cohort_{k}": cohort_id, f"required_{k}": rule.required,
            f"overdue_{k}": list(rule.overdue), f"overdue_required_{k}": rule.overdue_required,
            f"started_{k}": rule.started, f"idle_since_{k}": rule.idle_since,
        })
    return values


class _Members(NamedTuple):
    """The pieces of a statement over the members of ``groups`` groups."""

    cohort_ids: list[BindParameter]
    counts: Any
    done: ColumnElement[int]
    overdue_done: ColumnElement[int]
    since: ColumnElement[dt.datetime]
    verdicts: Verdicts

    def select(self, *columns) -> Select:
        """``columns`` of every member of the groups (with their enrolment and counts)."""
        return (
            select(*columns)
            .join(Enrolment, Enrolment.id == CohortMember.enrolment_id)
            .outerjoin(self.counts, self.counts.c.member_id == CohortMember.id)
            .where(CohortMember.cohort_id.in_(self.cohort_ids))
        )


def _members(groups: int) -> _Members:
    """The members' figures and verdicts, for ``groups`` groups.

    ``done`` counts the required items of the course with a progress row (as
    :func:`~courses.progress.progress_for` does), ``overdue_done`` those of
    the group's overdue modules: the progress rows are counted per member
    first (a narrow key to group by), and a member without any counts zero.
    A group's facts enter as ``CASE`` branches on the member's group.
    """
    group = CohortMember.cohort_id
    ids = [_param("cohort", k, Integer()) for k in range(groups)]

    def per_group(name: str, type_) -> ColumnElement[Any]:
        return case({ids[k]: _param(name, k, type_) for k in range(groups)}, value=group)

    overdue_item = or_(false(), *(
        and_(group == ids[k], Item.module_id.in_(_param("overdue", k, expanding=True)))
        for k in range(groups)
    ))
    counts = (
        select(CohortMember.id.label("member_id"), func.count(Item.id).label("done"),
               func.count(case((overdue_item, Item.id))).label("overdue_done"))
        .join(Progress, Progress.enrolment_id == CohortMember.enrolment_id)
        .join(Item, and_(Item.id == Progress.item_id, Item.required,
                         Item.course_id == CohortMember.course_id))
        .where(group.in_(ids))
        .group_by(CohortMember.id)
        .subquery()
    )
    done = func.coalesce(counts.c.done, 0)
    overdue_done = func.coalesce(counts.c.overdue_done, 0)
    since = func.coalesce(Enrolment.last_activity_dt, CohortMember.joined_dt)
    judged = verdicts(
        done, overdue_done, since, per_group("required", Integer()),
        per_group("overdue_required", Integer()), per_group("started", Boolean()),
        per_group("idle_since", UTCDateTime()),
    )
    return _Members(ids, counts, done, overdue_done, since, judged)


@lru_cache(maxsize=64)
def summary_query(groups: int = 1, *, one_learner: bool = False) -> Select:
    """One row per member of ``groups`` groups: who, their figures and verdicts.

    By group, then by name. ``one_learner`` keeps the row of the learner
    ``user_id`` (a parameter too: their page). Run it with :func:`rule_values`.
    """
    members = _members(groups)
    judged = members.verdicts
    query = (
        members.select(
            CohortMember.cohort_id, CohortMember.user_id, User.display_name, User.email,
            User.password_hash.is_(None).label("invited"), CohortMember.joined_dt,
            Enrolment.id.label("enrolment_id"), Enrolment.last_activity_dt,
            Enrolment.last_item_id, members.done.label("done"),
            members.overdue_done.label("overdue_done"), judged.completed.label("completed"),
            judged.idle.label("idle"), judged.behind.label("behind"),
            judged.at_risk.label("at_risk"),
        )
        .join(User, User.id == CohortMember.user_id)
        .order_by(CohortMember.cohort_id, func.lower(User.display_name), User.id)
    )
    if one_learner:
        query = query.where(CohortMember.user_id == bindparam("user_id"))
    return query


def summaries(rules: dict[int, GroupRule], *, user_id: int | None = None, executor=None):
    """Run :func:`summary_query` for ``rules`` (in ``executor``, default the session)."""
    if user_id is None:
        statement, values = summary_query(len(rules)), rule_values(rules)
    else:
        statement = summary_query(len(rules), one_learner=True)
        values = rule_values(rules, user_id=user_id)
    return (executor or db.session).execute(statement, values)


@lru_cache(maxsize=64)
def group_query(groups: int) -> Select:
    """Per group of ``groups``: its learners, finished and at risk, and the most at risk.

    Most at risk: both idle and behind first, then the longest without
    activity, then by name; the first ``named`` (a parameter) of each group.
    Every row carries its group's counts (``learners``, ``completed``,
    ``at_risk_count``) and ``idle_from``, the earliest last activity of the
    learners neither finished nor idle (``None`` when there are none); a
    group's first row is there even when nobody is at risk (its ``at_risk``
    is false then), the others only for learners at risk. A group without
    members has no row. The members are counted and ranked in the database
    (window functions, one pass over them): the rows read never grow with
    the groups.
    """
    members = _members(groups)
    judged = members.verdicts
    member = members.select(
        CohortMember.cohort_id, CohortMember.user_id, members.since.label("since"),
        judged.completed.label("completed"), judged.idle.label("idle"),
        judged.behind.label("behind"), judged.at_risk.label("at_risk"),
    ).subquery()
    m = member.c

    def how_many(flag):
        return func.sum(case((flag, 1), else_=0)).over(partition_by=m.cohort_id)

    risks = case((m.idle, 1), else_=0) + case((m.behind, 1), else_=0)
    ranked = (
        select(
            m.cohort_id, m.user_id, User.display_name, m.since, m.idle, m.behind, m.at_risk,
            func.count().over(partition_by=m.cohort_id).label("learners"),
            how_many(m.completed).label("completed"), how_many(m.at_risk).label("at_risk_count"),
            # The earliest last activity of those neither finished nor idle yet: the
            # first of them turns idle when it is older than the idle days.
            func.min(case((and_(not_(m.completed), not_(m.idle)), m.since)))
            .over(partition_by=m.cohort_id).label("idle_from"),
            func.row_number().over(
                partition_by=m.cohort_id,
                order_by=(m.at_risk.desc(), risks.desc(), m.since, User.display_name, User.id),
            ).label("rank"),
        )
        .join(User, User.id == m.user_id)
        .subquery()
    )
    r = ranked.c
    return (
        select(ranked)
        .where(or_(r.rank == 1, and_(r.at_risk, r.rank <= bindparam("named", type_=Integer()))))
        .order_by(r.cohort_id, r.rank)
    )


def group_summaries(rules: dict[int, GroupRule], named: int):
    """Run :func:`group_query` for ``rules``, naming ``named`` learners at most per group."""
    return db.session.execute(group_query(len(rules)), rule_values(rules, named=named))


class RiskWords:
    """Why a learner is at risk, in words (``words(row)``); empty when they are not.

    ``row`` has ``at_risk``, ``idle``, ``behind``, ``last_activity_dt`` and
    ``joined_dt``. Worded once per number of idle days: a CSV of 500 learners
    needs a few distinct phrases, not 500 translations.
    """

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.memo: dict[tuple[int | None, bool], tuple[str, ...]] = {}
        # The words depend on the catalogue only: kept per catalogue (the object, so
        # another application's or language's is another key) across requests.
        self.catalogue = get_translations()

    def __call__(self, row) -> tuple[str, ...]:
        if not row.at_risk:
            return ()
        return self.of(row.idle, row.behind, row.last_activity_dt or row.joined_dt)

    def of(self, idle: bool, behind: bool, since: dt.datetime) -> tuple[str, ...]:
        """The words for a learner at risk, ``idle`` and/or ``behind``, last active ``since``."""
        days = (self.now - since).days if idle else None
        key = (days, behind)
        words = self.memo.get(key)
        if words is None:
            words = self.memo[key] = _worded(self.catalogue, days, behind)
        return words


@lru_cache(maxsize=1024)
def _worded(catalogue, days: int | None, behind: bool) -> tuple[str, ...]:
    """The words for idle ``days`` (``None``: not idle) and ``behind``, in ``catalogue``'s
    language (the request's: ``catalogue`` is only the key)."""
    words = []
    if days is not None:
        words.append(ngettext("no activity for %(num)d day",
                              "no activity for %(num)d days", days))
    if behind:
        words.append(_("behind the group's schedule"))
    return tuple(words)
