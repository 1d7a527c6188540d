"""The tutors' progress matrix: learners by items, with the numbers the learners see.

A group of 500 on a 48-item course is 24,000 cells, so nothing here builds
them all for a page. :func:`build_matrix` reads one row per learner from one
aggregated statement (:func:`.risk.summary_query`: the required items done, and
those of overdue modules), enough to count, sort, filter and flag every
learner; :func:`with_cells` then reads the cells of the page's rows only. The
CSV (:mod:`.matrix_csv`) streams every row with its cells from the same
statement. Either costs the same number of queries for 5 learners or 500.

Who is at risk is decided by :mod:`.risk`: the statement selects the verdicts
of its one rule (:func:`.risk.verdicts`, the rule the tutor's dashboard counts
with) for every learner, and a learner's page reads its row from the same
statement. The counts follow :func:`courses.progress.progress_for`,
the function behind the learner's own pages (the required items of the course
with a progress row; :func:`~courses.progress.percent_done` for the percentage),
so a tutor and a learner never see different numbers; the tests hold the two equal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from lms.accounts.models import User
from lms.db import db, utcnow

from ..assignments.models import STATE_DRAFT, STATE_RETURNED, STATE_SUBMITTED, Submission
from ..models import KIND_ASSIGNMENT, KIND_QUIZ, Enrolment, Item, Module, Progress, QuizAttempt
from ..progress import CourseProgress, percent_done, progress_for
from .models import Cohort, CohortMember
from .risk import GroupRule, RiskWords, summaries
from .schedule import Schedule, build_schedule

DONE = "done"
IN_PROGRESS = "in-progress"
NOT_STARTED = "not-started"
#: Assignments: sent and waiting for marking, or sent back for a resubmission.
SUBMITTED = "submitted"
RETURNED = "returned"


def state_labels() -> dict[str, str]:
    """Each cell state as the matrix page, the learner's page and the CSV show it."""
    return {DONE: _("Done"), IN_PROGRESS: _("Started"), NOT_STARTED: _("Not started"),
            SUBMITTED: _("Submitted"), RETURNED: _("Resubmission asked")}


class Cell(NamedTuple):
    """One learner and one item (a tuple: a big cohort's matrix has tens of thousands)."""

    state: str
    #: For quizzes: the best score so far, in percent (passed or not).
    score: float | None = None
    attempts: int = 0


_NOT_STARTED = Cell(NOT_STARTED)
_DONE = Cell(DONE)
_STARTED = Cell(IN_PROGRESS)
_ASSIGNMENT_CELLS = {
    STATE_SUBMITTED: Cell(SUBMITTED), STATE_RETURNED: Cell(RETURNED),
    STATE_DRAFT: Cell(IN_PROGRESS),
}


class LearnerRow(NamedTuple):
    """One learner of the matrix: who, how far, and whether at risk (a tuple: 500 per page).

    ``cells`` and ``risks`` (the reasons, in words) are filled for the rows a
    page shows (:func:`with_cells`) and for the CSV's; the verdicts (``idle``,
    ``behind``, ``completed``, ``at_risk``, decided in SQL by
    :func:`.risk.verdicts`) are known for every row, so every learner is counted
    and filtered.
    """

    user_id: int
    name: str
    email: str
    invited: bool
    joined_dt: dt.datetime
    enrolment_id: int
    last_activity_dt: dt.datetime | None
    last_item_id: int | None
    #: Required items done, of ``total``.
    done: int
    total: int
    #: No activity for the chosen number of days, once the group has started.
    idle: bool
    #: A required item of a module past its due date not done.
    behind: bool
    #: Every required item done.
    completed: bool
    #: Not finished, and idle or behind (:func:`.risk.verdicts`).
    at_risk: bool
    cells: tuple[Cell, ...] = ()
    risks: tuple[str, ...] = ()

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total)


class Columns:
    """The course's items in outline order, with what building a row's cells needs."""

    def __init__(self, items: tuple) -> None:
        self.items = items
        self.index = {item.id: at for at, item in enumerate(items)}
        self.kinds = {item.id: item.kind for item in items}
        self.required = sum(1 for item in items if item.required)
        self.blank = (_NOT_STARTED,) * len(items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def cells(
        self,
        done: dict[int, float | None],
        last_item_id: int | None,
        attempts: dict[int, tuple[float, int]],
        submissions: dict[int, str],
    ) -> tuple[Cell, ...]:
        """One learner's cells, from their progress rows (item -> score), best quiz
        scores and tries, and assignment states; "not started" everywhere else.

        Only the items the learner touched are visited, not every column.
        """
        cells = list(self.blank)
        index, kinds = self.index, self.kinds
        for item_id, score in done.items():
            at = index.get(item_id)
            if at is not None:
                if kinds[item_id] == KIND_QUIZ:
                    cells[at] = Cell(DONE, score, attempts.get(item_id, (None, 0))[1])
                else:
                    cells[at] = _DONE
        for item_id, (best, tries) in attempts.items():
            if item_id not in done and kinds.get(item_id) == KIND_QUIZ:
                cells[index[item_id]] = Cell(IN_PROGRESS, best, tries)
        for item_id, state in submissions.items():
            if item_id not in done and kinds.get(item_id) == KIND_ASSIGNMENT:
                cells[index[item_id]] = _ASSIGNMENT_CELLS.get(state, _NOT_STARTED)
        at = index.get(last_item_id)
        if (at is not None and cells[at] is _NOT_STARTED
                and kinds[last_item_id] != KIND_ASSIGNMENT):
            cells[at] = _STARTED  # the item the learner is at, not finished
        return tuple(cells)


@dataclass(frozen=True)
class Matrix:
    cohort: Cohort
    columns: Columns
    #: Module id -> title, for the column headers.
    modules: dict[int, str]
    schedule: Schedule
    rows: list[LearnerRow]
    idle_days: int
    now: dt.datetime

    @property
    def at_risk(self) -> int:
        return sum(1 for r in self.rows if r.at_risk)


class Group(NamedTuple):
    """What the matrix needs of a cohort, as plain values.

    A streamed CSV reads after the view has returned, when the request's
    session (and the cohort it loaded) is gone.
    """

    id: int
    course_id: int
    name: str
    start_date: dt.date
    end_date: dt.date

    @classmethod
    def of(cls, cohort: Cohort) -> Group:
        return cls(cohort.id, cohort.course_id, cohort.name, cohort.start_date,
                   cohort.end_date)


class _Facts(NamedTuple):
    """What flags a learner, the same for every learner of the group."""

    columns: Columns
    modules: dict[int, str]
    schedule: Schedule
    overdue: list[int]
    #: Required items of the overdue modules.
    overdue_required: int
    started: bool
    idle_since: dt.datetime

    @property
    def rule(self) -> GroupRule:
        return GroupRule(self.columns.required, tuple(self.overdue), self.overdue_required,
                         self.started, self.idle_since)


class Column(NamedTuple):
    """One item of the course, a column of the matrix."""

    id: int
    module_id: int
    kind: str
    title: str
    required: bool


def group_facts(cohort: Cohort | Group, idle_days: int, now: dt.datetime) -> _Facts:
    """The course's modules, items (in outline order) and schedule for ``cohort``: one query."""
    modules: dict[int, tuple[str, int | None]] = {}
    items = []
    for m_id, m_title, unlock, item_id, kind, title, required in db.session.execute(
        select(Module.id, Module.title, Module.unlock_after_days,
               Item.id, Item.kind, Item.title, Item.required)
        .outerjoin(Item, Item.module_id == Module.id)
        .where(Module.course_id == cohort.course_id)
        .order_by(Module.position, Module.id, Item.position, Item.id)
    ):
        modules.setdefault(m_id, (m_title, unlock))
        if item_id is not None:
            items.append(Column(item_id, m_id, kind, title, required))
    columns = Columns(tuple(items))
    schedule = build_schedule(cohort.id, cohort.name, cohort.start_date, cohort.end_date,
                              [(m_id, unlock) for m_id, (_t, unlock) in modules.items()])
    on = now.date()
    overdue = sorted(schedule.overdue_modules(on))
    return _Facts(
        columns, {m_id: title for m_id, (title, _u) in modules.items()}, schedule, overdue,
        sum(1 for i in columns if i.required and i.module_id in overdue),
        schedule.start_date <= on, now - dt.timedelta(days=idle_days),
    )


def learner_row(facts: _Facts, r) -> LearnerRow:
    """A :class:`LearnerRow` from a row of :func:`.risk.summary_query`."""
    return LearnerRow(
        r.user_id, r.display_name, r.email, bool(r.invited), r.joined_dt, r.enrolment_id,
        r.last_activity_dt, r.last_item_id, r.done, facts.columns.required, bool(r.idle),
        bool(r.behind), bool(r.completed), bool(r.at_risk),
    )


def build_matrix(cohort: Cohort, *, idle_days: int = 7) -> Matrix:
    """Every learner of ``cohort`` without their cells (two queries in all)."""
    now = utcnow()
    facts = group_facts(cohort, idle_days, now)
    rows = [learner_row(facts, r)
            for r in summaries({cohort.id: facts.rule})]
    return Matrix(cohort, facts.columns, facts.modules, facts.schedule, rows, idle_days, now)


def quiz_attempts(enrolments, executor=None) -> dict[int, dict[int, tuple[float, int]]]:
    """enrolment -> quiz -> (best score, number of attempts), in one query.

    :param enrolments: enrolment ids, or a statement selecting them.
    :param executor: where to run it (a connection), default the session.
    """
    by_enrolment: dict[int, dict] = defaultdict(dict)
    for eid, item_id, best, tries in (executor or db.session).execute(
        select(QuizAttempt.enrolment_id, QuizAttempt.item_id, func.max(QuizAttempt.score),
               func.count(QuizAttempt.id))
        .where(QuizAttempt.enrolment_id.in_(enrolments))
        .group_by(QuizAttempt.enrolment_id, QuizAttempt.item_id)
    ):
        by_enrolment[eid][item_id] = (best, tries)
    return by_enrolment


def submission_states(enrolments, executor=None) -> dict[int, dict[int, str]]:
    """enrolment -> assignment -> the submission's state, in one query."""
    by_enrolment: dict[int, dict] = defaultdict(dict)
    for eid, item_id, state in (executor or db.session).execute(
        select(Submission.enrolment_id, Submission.item_id, Submission.state)
        .where(Submission.enrolment_id.in_(enrolments))
    ):
        by_enrolment[eid][item_id] = state
    return by_enrolment


def cohort_enrolments(cohort: Cohort | Group) -> Select:
    """The enrolment ids of ``cohort``'s members, as a subquery for ``IN``."""
    return select(CohortMember.enrolment_id).where(CohortMember.cohort_id == cohort.id)


def with_cells(matrix: Matrix, rows: list[LearnerRow]) -> list[LearnerRow]:
    """``rows`` (a page of ``matrix``) with their cells and risks: three queries."""
    if not rows:
        return []
    ids = [r.enrolment_id for r in rows]
    done: dict[int, dict[int, float | None]] = defaultdict(dict)
    for eid, item_id, score in db.session.execute(
        select(Progress.enrolment_id, Progress.item_id, Progress.score)
        .where(Progress.enrolment_id.in_(ids))
    ):
        done[eid][item_id] = score
    attempts, submissions = quiz_attempts(ids), submission_states(ids)
    empty: dict = {}
    risks = RiskWords(matrix.now)
    return [
        r._replace(
            cells=matrix.columns.cells(done.get(r.enrolment_id, empty), r.last_item_id,
                                       attempts.get(r.enrolment_id, empty),
                                       submissions.get(r.enrolment_id, empty)),
            risks=risks(r),
        )
        for r in rows
    ]


_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def sort_and_filter(
    rows: list[LearnerRow], *, sort: str = "name", at_risk_only: bool = False, text: str = ""
) -> list[LearnerRow]:
    """The rows the tutor asked for, in the order they asked for (by name already)."""
    text = text.strip().lower()
    if text:
        rows = [r for r in rows if text in r.name.lower() or text in r.email]
    if at_risk_only:
        rows = [r for r in rows if r.at_risk]
    if sort == "progress":
        return sorted(rows, key=lambda r: (r.percent, r.name.lower()))
    if sort == "-progress":
        return sorted(rows, key=lambda r: (-r.percent, r.name.lower()))
    if sort == "activity":
        return sorted(rows, key=lambda r: (r.last_activity_dt or _EPOCH, r.name.lower()))
    return rows


def cohort_members(cohort: Cohort, user_id: int | None = None):
    """(member, user, enrolment) rows of the cohort, by name; one query."""
    query = (
        select(CohortMember, User, Enrolment)
        .join(User, User.id == CohortMember.user_id)
        .join(Enrolment, Enrolment.id == CohortMember.enrolment_id)
        .where(CohortMember.cohort_id == cohort.id)
        .order_by(func.lower(User.display_name), User.id)
    )
    if user_id is not None:
        query = query.where(CohortMember.user_id == user_id)
    return db.session.execute(query).all()


@dataclass(frozen=True)
class LearnerDetail:
    """One learner's page: their full progress (as they see it), cells and risks."""

    row: LearnerRow
    progress: CourseProgress
    cells: dict[int, Cell]
    schedule: Schedule


def learner_detail(cohort: Cohort, user, enrolment, *, idle_days: int = 7) -> LearnerDetail:
    """The detail of one member of ``cohort`` (``user``, with their ``enrolment``).

    Their row (figures and verdicts) is the matrix's, read from the same
    statement, so the page and the matrix never disagree about them.
    """
    now = utcnow()
    facts = group_facts(cohort, idle_days, now)
    progress = progress_for([enrolment])[enrolment.id]
    done = {i.id: i.score for i in progress.items if i.done}
    row = learner_row(facts, summaries({cohort.id: facts.rule}, user_id=user.id).one())
    cells = facts.columns.cells(done, enrolment.last_item_id,
                                quiz_attempts([enrolment.id]).get(enrolment.id, {}),
                                submission_states([enrolment.id]).get(enrolment.id, {}))
    row = row._replace(cells=cells, risks=RiskWords(now)(row))
    return LearnerDetail(row, progress, dict(zip(facts.columns.index, cells, strict=True)),
                         facts.schedule)
