"""The progress matrix as CSV, written while its rows are read from the database.

Two statements, read side by side a batch at a time (``yield_per``: a
server-side cursor on PostgreSQL), give every learner's summary
(:func:`.matrix.summary_query`) and their progress rows, both by name; a
learner's line is written as soon as their rows are in. Quiz attempts and
assignment states, a few per learner, are read first, one query each. The
first line (the header) leaves before any learner is read, and the number of
queries never grows with the group.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.accounts.models import User
from lms.db import db, utcnow

from ..models import Progress
from .matrix import (
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    RETURNED,
    SUBMITTED,
    Cell,
    RiskWords,
    cohort_enrolments,
    group_facts,
    learner_row,
    quiz_attempts,
    submission_states,
    summary_query,
)
from .models import Cohort, CohortMember
from .roster_csv import neutralise

#: Rows fetched from the database at a time.
BATCH = 500


def matrix_csv_lines(cohort: Cohort, *, idle_days: int = 7) -> Iterator[str]:
    """Yield the matrix of ``cohort`` as CSV text: the header, then a line per learner.

    Every cell a spreadsheet could run as a formula is neutralised (names,
    emails and titles are the users' and authors' words). Run it inside the
    request's context (``stream_with_context``): it reads the database and
    translates as it goes.
    """
    now = utcnow()
    facts = group_facts(cohort, idle_days, now)
    columns = facts.columns
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list) -> str:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line([neutralise(v) for v in (
        _("Name"), _("Email"), _("Percent done"), _("Last activity"), _("At risk"),
        *(item.title for item in columns),
    )])
    labels = {DONE: _("done"), IN_PROGRESS: _("in progress"), NOT_STARTED: _("not started"),
              SUBMITTED: _("submitted"), RETURNED: _("resubmission asked")}
    texts: dict[Cell, str] = {}  # cells repeat: each distinct one is worded once

    def text(cell: Cell) -> str:
        words = labels[cell.state]
        if cell.score is not None:
            words += f" ({cell.score:g}%)"
        texts[cell] = neutralise(words)
        return texts[cell]

    enrolments = cohort_enrolments(cohort)
    attempts, submissions = quiz_attempts(enrolments), submission_states(enrolments)
    # Two statements read side by side, in the same order (by name, then user id): the
    # learners' summaries and their progress rows. Joining them in SQL instead would
    # repeat every learner's columns (dates too) on each of their progress rows.
    # Plain rows on the session's connection: the ORM's result machinery would cost more
    # than the reading.
    connection = db.session.connection().execution_options(yield_per=BATCH)
    learners = connection.execute(summary_query(cohort, facts.overdue))
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
    for summary in learners:
        row = learner_row(facts, summary)
        eid = row.enrolment_id
        done = {}
        while pending is not None and pending[0] == eid:
            done[pending[1]] = pending[2]
            pending = next(progress, None)
        cells = columns.cells(done, row.last_item_id, attempts.get(eid, empty),
                              submissions.get(eid, empty))
        yield line([
            neutralise(row.name),
            neutralise(row.email),
            row.percent,
            row.last_activity_dt.isoformat(timespec="minutes") if row.last_activity_dt else "",
            neutralise("; ".join(risks(row))),
            *[texts.get(c) or text(c) for c in cells],
        ])
