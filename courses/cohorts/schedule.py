"""When a cohort's modules open and fall due.

A module with ``unlock_after_days`` opens that many days after its cohort's
start date (0: on the start date); a module without it is open from the
start. A module falls due when the next module opens (the first opening
later than its own), and the last one at the cohort's end date; a course
without a schedule falls due, whole, at the end date. Learners who are in no
cohort learn at their own pace: no module is locked and nothing falls due.

Dates are calendar dates in UTC, as the cohort's start and end dates are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from lms.db import db, utcnow

from ..models import Module
from .models import Cohort, CohortMember


def today() -> dt.date:
    return utcnow().date()


@dataclass(frozen=True)
class ModuleDates:
    """One module's dates for one cohort."""

    module_id: int
    opens_on: dt.date
    due_on: dt.date

    def is_open(self, on: dt.date | None = None) -> bool:
        return self.opens_on <= (on or today())


@dataclass(frozen=True)
class Schedule:
    """A cohort's calendar for its course's modules."""

    cohort_id: int
    cohort_name: str
    start_date: dt.date
    end_date: dt.date
    modules: dict[int, ModuleDates]

    def is_open(self, module_id: int, on: dt.date | None = None) -> bool:
        dates = self.modules.get(module_id)
        return dates is None or dates.is_open(on)

    def next_opening(self, on: dt.date | None = None) -> ModuleDates | None:
        """The module that opens next (after ``on``), if any."""
        on = on or today()
        later = [d for d in self.modules.values() if d.opens_on > on]
        return min(later, key=lambda d: d.opens_on) if later else None

    def overdue_modules(self, on: dt.date | None = None) -> set[int]:
        """Modules whose due date has passed."""
        on = on or today()
        return {m for m, d in self.modules.items() if d.due_on < on}


def build_schedule(
    cohort_id: int,
    cohort_name: str,
    start: dt.date,
    end: dt.date,
    modules: list[tuple[int, int | None]],
) -> Schedule:
    """Work out every module's dates from ``(module id, unlock_after_days)`` in course order."""
    opens = {module_id: _days_after(start, days or 0) for module_id, days in modules}
    dates = {}
    for module_id, _days in modules:
        later = sorted(d for d in opens.values() if d > opens[module_id])
        due = min(later[0] - dt.timedelta(days=1), end) if later else end
        dates[module_id] = ModuleDates(module_id, opens[module_id], max(due, opens[module_id]))
    return Schedule(cohort_id, cohort_name, start, end, dates)


def _days_after(start: dt.date, days: int) -> dt.date:
    """``start`` plus ``days``, or the last day a date can hold.

    A group saved with dates near the year 9999 (before its form refused them)
    and a module opening months later would overflow, and every page showing
    the schedule answered 500.
    """
    try:
        return start + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def cohort_schedule(cohort: Cohort) -> Schedule:
    """The schedule of ``cohort`` (one query, for its modules)."""
    modules = db.session.execute(
        select(Module.id, Module.unlock_after_days)
        .where(Module.course_id == cohort.course_id)
        .order_by(Module.position, Module.id)
    ).all()
    return build_schedule(
        cohort.id, cohort.name, cohort.start_date, cohort.end_date, [tuple(m) for m in modules]
    )


def learner_schedule(user_id: int, course_id: int) -> Schedule | None:
    """The schedule a learner follows in a course: their cohort's, or ``None`` (own pace).

    One query: the learner's cohort and the course's modules together.
    """
    rows = db.session.execute(
        select(
            Cohort.id, Cohort.name, Cohort.start_date, Cohort.end_date,
            Module.id.label("module_id"), Module.unlock_after_days,
        )
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .join(Module, Module.course_id == Cohort.course_id)
        .where(CohortMember.user_id == user_id, CohortMember.course_id == course_id)
        .order_by(Module.position, Module.id)
    ).all()
    if not rows:
        return None
    first = rows[0]
    return build_schedule(
        first.id, first.name, first.start_date, first.end_date,
        [(r.module_id, r.unlock_after_days) for r in rows],
    )
