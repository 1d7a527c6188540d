"""Each group's counts and learners at risk, counted once per change and kept per process.

:func:`.risk.group_query` reads every member's progress: for a tutor of a
thousand learners that is most of the dashboard's cost, and between two
views of it nothing has usually changed. So each group's answer is kept
under a key of everything it depends on:

- the group's figures version (``courses_cohort.figures_version``, moved by
  the database whenever a member's progress, activity, membership or name,
  or the course's items, change: :mod:`.figures`);
- the group's rule without the time (:class:`.risk.GroupRule`: its required
  items, overdue modules and whether it has started, all read from the
  group's dates and today's date on every view);
- how many learners at risk are named.

Time alone changes one thing: a learner neither finished nor idle turns
idle once their last activity is older than the idle days. The answer
carries the earliest such moment and is counted again from then on. A kept
answer is therefore always the answer the database would give now; a change
is seen on the very next view, by every process.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import NamedTuple

from flask import current_app

from .risk import GroupRule, group_summaries

#: Groups' answers kept per process (a few hundred tutors' groups).
CACHE_SIZE = 2048


class Named(NamedTuple):
    """A learner at risk, as the dashboard names them."""

    user_id: int
    name: str
    idle: bool
    behind: bool
    since: dt.datetime


class Figures(NamedTuple):
    """One group's counts and its learners most at risk (most at risk first)."""

    learners: int
    completed: int
    at_risk_count: int
    at_risk: tuple[Named, ...]
    #: The answer holds until then (``None``: until the version or the rule moves).
    valid_until: dt.datetime | None


_EMPTY = Figures(0, 0, 0, (), None)


class _Kept:
    """A bounded, thread-safe map of keys to answers, least recently used out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple, Figures] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, now: dt.datetime) -> Figures | None:
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                return None
            if found.valid_until is not None and now >= found.valid_until:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return found

    def put(self, key: tuple, figures: Figures) -> None:
        with self.lock:
            self.entries[key] = figures
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def init_app(app) -> None:
    """Give ``app`` its own store (tests build many applications in one process)."""
    app.extensions["courses_group_figures"] = _Kept(CACHE_SIZE)


def group_figures(groups: dict[int, tuple[int, GroupRule]], named: int, idle_days: int,
                  now: dt.datetime) -> dict[int, Figures]:
    """The figures of ``groups`` (group id to its figures version and rule) at ``now``.

    Kept answers are used while they hold; the others are counted in one
    statement and kept.
    """
    kept: _Kept = current_app.extensions["courses_group_figures"]
    keys = {cohort_id: (cohort_id, version, rule.required, rule.overdue,
                        rule.overdue_required, rule.started, named)
            for cohort_id, (version, rule) in groups.items()}
    found: dict[int, Figures] = {}
    for cohort_id, key in keys.items():
        figures = kept.get(key, now)
        if figures is not None:
            found[cohort_id] = figures
    missing = {cohort_id: groups[cohort_id][1] for cohort_id in groups if cohort_id not in found}
    if not missing:
        return found
    counted: dict[int, list] = {cohort_id: [] for cohort_id in missing}
    for row in group_summaries(missing, named):
        counted[row.cohort_id].append(row)
    for cohort_id, rows in counted.items():
        figures = _figures(rows, idle_days)
        kept.put(keys[cohort_id], figures)
        found[cohort_id] = figures
    return found


def _figures(rows: list, idle_days: int) -> Figures:
    """One group's answer from its rows of :func:`.risk.group_query` (none: no members)."""
    if not rows:
        return _EMPTY
    first = rows[0]
    valid_until = (first.idle_from + dt.timedelta(days=idle_days)
                   if first.idle_from is not None else None)
    return Figures(
        first.learners, first.completed, first.at_risk_count,
        tuple(Named(r.user_id, r.display_name, bool(r.idle), bool(r.behind), r.since)
              for r in rows if r.at_risk),
        valid_until,
    )
