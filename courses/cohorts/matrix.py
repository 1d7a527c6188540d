"""The tutors' progress matrix: learners by items, with the numbers the learners see.

Progress comes from :func:`courses.progress.progress_for`, the function behind
the learner's own pages, so a tutor and a learner can never see different
numbers. The matrix costs a constant number of queries whatever the size of
the cohort or the course: members with their enrolments, the course's items,
the progress rows, the quiz attempts, and the modules for the schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.db import db, utcnow

from ..assignments.models import STATE_DRAFT, STATE_RETURNED, STATE_SUBMITTED, Submission
from ..models import KIND_ASSIGNMENT, KIND_QUIZ, Enrolment, QuizAttempt
from ..progress import CourseProgress, progress_for
from .models import Cohort, CohortMember
from .schedule import Schedule, cohort_schedule, today

DONE = "done"
IN_PROGRESS = "in-progress"
NOT_STARTED = "not-started"
#: Assignments: sent and waiting for marking, or sent back for a resubmission.
SUBMITTED = "submitted"
RETURNED = "returned"


class Cell(NamedTuple):
    """One learner and one item (a tuple: a big cohort's matrix has tens of thousands)."""

    state: str
    #: For quizzes: the best score so far, in percent (passed or not).
    score: float | None = None
    attempts: int = 0


_NOT_STARTED = Cell(NOT_STARTED)
_LESSON_DONE = Cell(DONE)


@dataclass(frozen=True)
class LearnerRow:
    user_id: int
    name: str
    email: str
    invited: bool
    joined_dt: dt.datetime
    last_activity_dt: dt.datetime | None
    progress: CourseProgress
    cells: tuple[Cell, ...]
    #: Why the learner is at risk, in words; empty when they are not.
    risks: tuple[str, ...]
    enrolment_id: int = 0

    @property
    def at_risk(self) -> bool:
        return bool(self.risks)


@dataclass(frozen=True)
class Matrix:
    cohort: Cohort
    columns: tuple  # the course's items (rows of progress.course_items), in outline order
    rows: list[LearnerRow]
    schedule: Schedule
    #: What :meth:`with_cells` needs for rows built without their cells.
    attempts: dict = field(default_factory=dict, repr=False)
    last_items: dict = field(default_factory=dict, repr=False)
    submissions: dict = field(default_factory=dict, repr=False)

    def with_cells(self, rows: list[LearnerRow]) -> list[LearnerRow]:
        """``rows`` with their cells, for rows built without (a page of a big cohort)."""
        return [
            row if row.cells else replace(
                row, cells=_cells(row.progress, row.enrolment_id,
                                  self.last_items.get(row.enrolment_id), self.attempts,
                                  self.submissions)
            )
            for row in rows
        ]


def _attempts(enrolment_ids: list[int]) -> dict[tuple[int, int], tuple[float, int]]:
    """(enrolment, quiz) -> (best score, number of attempts), in one query."""
    if not enrolment_ids:
        return {}
    rows = db.session.execute(
        select(
            QuizAttempt.enrolment_id,
            QuizAttempt.item_id,
            func.max(QuizAttempt.score),
            func.count(QuizAttempt.id),
        )
        .where(QuizAttempt.enrolment_id.in_(enrolment_ids))
        .group_by(QuizAttempt.enrolment_id, QuizAttempt.item_id)
    )
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


def _submissions(enrolment_ids: list[int]) -> dict[tuple[int, int], str]:
    """(enrolment, assignment) -> the submission's state, in one query."""
    if not enrolment_ids:
        return {}
    rows = db.session.execute(
        select(Submission.enrolment_id, Submission.item_id, Submission.state)
        .where(Submission.enrolment_id.in_(enrolment_ids))
    )
    return {(r[0], r[1]): r[2] for r in rows}


_ASSIGNMENT_CELLS = {
    STATE_SUBMITTED: Cell(SUBMITTED), STATE_RETURNED: Cell(RETURNED),
    STATE_DRAFT: Cell(IN_PROGRESS),
}


def _risks(
    progress: CourseProgress,
    last_activity: dt.datetime | None,
    joined: dt.datetime,
    schedule: Schedule,
    idle_days: int,
    now: dt.datetime,
    on: dt.date,
) -> tuple[str, ...]:
    if progress.completed:
        return ()
    risks = []
    since = last_activity or joined
    if schedule.start_date <= on and now - since > dt.timedelta(days=idle_days):
        risks.append(ngettext("no activity for %(num)d day", "no activity for %(num)d days",
                              (now - since).days))
    overdue = schedule.overdue_modules(on)
    if any(i.module_id in overdue and i.required and not i.done for i in progress.items):
        risks.append(_("behind the group's schedule"))
    return tuple(risks)


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


def _cells(
    state: CourseProgress, enrolment_id: int, last_item_id: int | None,
    attempts: dict[tuple[int, int], tuple[float, int]],
    submissions: dict[tuple[int, int], str] | None = None,
) -> tuple[Cell, ...]:
    cells = []
    for item in state.items:
        if item.kind == KIND_ASSIGNMENT and not item.done:
            sent = (submissions or {}).get((enrolment_id, item.id))
            cells.append(_ASSIGNMENT_CELLS.get(sent, _NOT_STARTED))
            continue
        if item.kind != KIND_QUIZ:
            if item.done:
                cells.append(_LESSON_DONE)
            elif last_item_id == item.id:
                cells.append(Cell(IN_PROGRESS))
            else:
                cells.append(_NOT_STARTED)
            continue
        best, tries = attempts.get((enrolment_id, item.id), (None, 0))
        if item.done:
            cells.append(Cell(DONE, item.score, tries))
        elif tries or last_item_id == item.id:
            cells.append(Cell(IN_PROGRESS, best, tries))
        else:
            cells.append(_NOT_STARTED)
    return tuple(cells)


def build_matrix(
    cohort: Cohort, *, idle_days: int = 7, user_id: int | None = None, cells: bool = True
) -> Matrix:
    """The whole matrix of ``cohort`` (or one learner's row with ``user_id``).

    :param cells: work out every row's cells now; ``False`` leaves them for
        :meth:`Matrix.with_cells` (a page shows a few rows of a big cohort, but
        sorting and the at-risk count need every row's progress).
    """
    members = cohort_members(cohort, user_id)
    enrolments = [e for _m, _u, e in members]
    progress = progress_for(enrolments)
    attempts = _attempts([e.id for e in enrolments])
    submissions = _submissions([e.id for e in enrolments])
    schedule = cohort_schedule(cohort)
    now, on = utcnow(), today()
    columns: tuple = ()
    rows = []
    for member, user, enrolment in members:
        state = progress[enrolment.id]
        if not columns:
            columns = state.items
        rows.append(
            LearnerRow(
                user_id=user.id,
                name=user.display_name,
                email=user.email,
                invited=user.password_hash is None,
                joined_dt=member.joined_dt,
                last_activity_dt=enrolment.last_activity_dt,
                progress=state,
                cells=(
                    _cells(state, enrolment.id, enrolment.last_item_id, attempts, submissions)
                    if cells else ()
                ),
                risks=_risks(
                    state, enrolment.last_activity_dt, member.joined_dt, schedule,
                    idle_days, now, on,
                ),
                enrolment_id=enrolment.id,
            )
        )
    if not columns:
        from ..progress import course_items

        columns = tuple(course_items([cohort.course_id]).get(cohort.course_id, []))
    last_items = {e.id: e.last_item_id for e in enrolments}
    return Matrix(cohort, columns, rows, schedule, attempts, last_items, submissions)


_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def sort_and_filter(
    rows: list[LearnerRow], *, sort: str = "name", at_risk_only: bool = False, text: str = ""
) -> list[LearnerRow]:
    """The rows the tutor asked for, in the order they asked for."""
    text = text.strip().lower()
    if text:
        rows = [r for r in rows if text in r.name.lower() or text in r.email]
    if at_risk_only:
        rows = [r for r in rows if r.at_risk]
    if sort == "progress":
        return sorted(rows, key=lambda r: (r.progress.percent, r.name.lower()))
    if sort == "-progress":
        return sorted(rows, key=lambda r: (-r.progress.percent, r.name.lower()))
    if sort == "activity":
        return sorted(rows, key=lambda r: (r.last_activity_dt or _EPOCH, r.name.lower()))
    return rows


def csv_rows(matrix: Matrix) -> Iterator[list]:
    """The matrix as rows of plain values (the header first), for the CSV download.

    The words are translated now, so the rows can be produced after the
    request's context has gone (while the response streams).
    """
    header = [_("Name"), _("Email"), _("Percent done"), _("Last activity"), _("At risk")]
    header += [c.title for c in matrix.columns]
    labels = {DONE: _("done"), IN_PROGRESS: _("in progress"), NOT_STARTED: _("not started"),
              SUBMITTED: _("submitted"), RETURNED: _("resubmission asked")}
    return _csv_rows(header, labels, matrix.rows)


def _csv_rows(header: list, labels: dict, rows: list[LearnerRow]) -> Iterator[list]:
    yield header
    for row in rows:
        values = [
            row.name,
            row.email,
            row.progress.percent,
            row.last_activity_dt.isoformat(timespec="minutes") if row.last_activity_dt else "",
            "; ".join(row.risks),
        ]
        for cell in row.cells:
            text = labels[cell.state]
            if cell.score is not None:
                text += f" ({cell.score:g}%)"
            values.append(text)
        yield values


class CellRenderer:
    """Renders matrix rows' cells as HTML (``render(row.cells)`` in the template).

    Done here rather than in the template: a cohort of 500 on a 48-item
    course has 24,000 cells, and a Jinja loop with escaping per cell costs
    more than the rest of the page. Cells repeat (most are "done" or "not
    started"), so each distinct one is rendered once per page.
    """

    def __init__(self, labels: dict[str, str]):
        self.labels = labels
        self.seen: dict[Cell, str] = {}

    def _one(self, cell: Cell) -> str:
        text = self.labels[cell.state]
        if cell.score is not None:
            text += f" {round(cell.score)}%"
        html = self.seen[cell] = f'<td class="{cell.state}">{escape(text)}</td>'
        return html

    def __call__(self, cells: tuple[Cell, ...]) -> Markup:
        seen = self.seen
        return Markup(  # noqa: S704 (every cell's text is escaped in _one)
            "".join([seen.get(c) or self._one(c) for c in cells])
        )
