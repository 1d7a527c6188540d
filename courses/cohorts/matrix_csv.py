"""The progress matrix as CSV, written while its rows are read from the database.

Two statements, read side by side a batch at a time (``yield_per``: a
server-side cursor on PostgreSQL), give every learner's summary
(:func:`.risk.summary_query`) and their progress rows, both by name; a
learner's line is written as soon as their rows are in. Quiz attempts and
assignment states, a few per learner, are read first, one query each. The
first line (the header) leaves before any learner is read, and the number of
queries never grows with the group.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy import Connection, func, select

from lms.accounts.models import User
from lms.db import db, utcnow

from ..models import Progress
from .matrix import (
    Cell,
    Group,
    RiskWords,
    cohort_enrolments,
    group_facts,
    learner_row,
    quiz_attempts,
    state_labels,
    submission_states,
    summaries,
)
from .models import Cohort, CohortMember
from .roster_csv import neutralise

#: Rows fetched from the database at a time.
BATCH = 500


def matrix_csv_lines(cohort: Cohort, *, idle_days: int = 7) -> Iterator[str]:
    """The matrix of ``cohort`` as CSV text: the header, then a line per learner.

    Every cell a spreadsheet could run as a formula is neutralised (names,
    emails and titles are the users' and authors' words). Iterate it inside the
    request's context (``stream_with_context``): it reads the database and
    translates as it goes, with a session of its own (the cohort is passed on
    as plain values, and the fixed words translated before the view returns, while
    the signed-in user's language can still be read).
    """
    words = [_("Name"), _("Email"), _("Percent done"), _("Last activity"), _("At risk")]
    # The page's words, capitalised as the page shows them: the CSV is read by people in a
    # spreadsheet, and a program can compare the same fixed words.
    labels = state_labels()
    return _lines(Group.of(cohort), idle_days, words, labels)


class _Writer:
    """CSV lines, and each distinct cell worded once (cells repeat: most are "done")."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.texts: dict[Cell, str] = {}
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer)

    def line(self, values: list) -> str:
        self.writer.writerow(values)
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text

    def cell(self, cell: Cell) -> str:
        words = self.labels[cell.state]
        if cell.score is not None:
            words += f" ({cell.score:g}%)"
        text = self.texts[cell] = neutralise(words)
        return text


@contextmanager
def _snapshot() -> Iterator[Connection]:
    """A connection in a read transaction of the CSV's own, reading ``BATCH`` rows at a time.

    Every learner's rows then come from one snapshot (on PostgreSQL the
    request's reads ran in autocommit, each its own, and a server-side cursor
    cannot be declared outside a transaction); and the request's session is
    gone by the time the body streams.
    """
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection.execution_options(yield_per=BATCH)


def _lines(cohort: Group, idle_days: int, words: list[str], labels: dict[str, str]
           ) -> Iterator[str]:
    now = utcnow()
    facts = group_facts(cohort, idle_days, now)
    out = _Writer(labels)
    yield out.line([neutralise(v) for v in (*words, *(item.title for item in facts.columns))])
    with _snapshot() as connection:
        enrolments = cohort_enrolments(cohort)
        attempts = quiz_attempts(enrolments, connection)
        submissions = submission_states(enrolments, connection)
        # Two statements read side by side, in the same order (by name, then user id): the
        # learners' summaries and their progress rows. Joining them in SQL instead would
        # repeat every learner's columns (dates too) on each of their progress rows. Plain
        # rows, not the ORM's: its result machinery would cost more than the reading.
        learners = summaries({cohort.id: facts.rule}, executor=connection)
        progress = iter(connection.execute(
            select(Progress.enrolment_id, Progress.item_id, Progress.score)
            .join(CohortMember, CohortMember.enrolment_id == Progress.enrolment_id)
            .join(User, User.id == CohortMember.user_id)
            .where(CohortMember.cohort_id == cohort.id)
            .order_by(func.lower(User.display_name), User.id)
        ))
        pending = next(progress, None)
        empty: dict = {}
        risks = RiskWords(now)
        texts = out.texts
        for summary in learners:
            row = learner_row(facts, summary)
            eid = row.enrolment_id
            done = {}
            while pending is not None and pending[0] == eid:
                done[pending[1]] = pending[2]
                pending = next(progress, None)
            cells = facts.columns.cells(done, row.last_item_id, attempts.get(eid, empty),
                                        submissions.get(eid, empty))
            yield out.line([
                neutralise(row.name),
                neutralise(row.email),
                row.percent,
                row.last_activity_dt.isoformat(timespec="minutes") if row.last_activity_dt
                else "",
                neutralise("; ".join(risks(row))),
                *[texts.get(c) or out.cell(c) for c in cells],
            ])
