"""The one progress function: every page that shows progress calls :func:`progress_for`.

It works on a batch of enrolments with a constant number of queries (two),
whatever the number of enrolments, courses or items, so the learner's
course page, their dashboard and the tutors' reports show the same numbers
and stay fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from flask_babel import get_translations
from sqlalchemy import func, select

from lms.db import db

from .models import (
    KIND_ASSIGNMENT,
    KIND_LESSON,
    KIND_QUIZ,
    Enrolment,
    Item,
    Module,
    Progress,
)


class ItemState(NamedTuple):
    """One item of a course outline, as one learner stands with it.

    A named tuple rather than a dataclass: a cohort's report builds one per
    learner and item (tens of thousands), and a tuple is several times
    cheaper to make than a frozen dataclass.
    """

    id: int
    key: str
    kind: str
    title: str
    module_id: int
    required: bool
    estimated_minutes: int | None
    done: bool
    score: float | None

    @property
    def is_quiz(self) -> bool:
        return self.kind == KIND_QUIZ


def percent_done(done: int, total: int) -> int:
    """Whole percent of ``total`` required items done, rounded down (100 only when finished).

    The one rule for every page that shows a percentage, including the tutors'
    matrix, which counts the items done in SQL.
    """
    return (done * 100) // total if total else 0


def required_counts(enrolment_id, course_id):
    """SQL for an enrolment's required items done and its course's required items, as
    ``(done, total)`` labelled columns: counted as :class:`CourseProgress` counts them
    (an item is done when the enrolment has a progress row for it), for lists that need
    only the counts (the API's enrolments) rather than every item's state.

    :param enrolment_id: the enrolment's id column (or a bound parameter).
    :param course_id: its course's id column.
    """
    total = select(func.count(Item.id)).join(Module, Module.id == Item.module_id).where(
        Item.course_id == course_id, Item.required.is_(True)
    ).scalar_subquery()
    done = select(func.count(Progress.id)).join(Item, Item.id == Progress.item_id).join(
        Module, Module.id == Item.module_id
    ).where(
        Progress.enrolment_id == enrolment_id, Item.course_id == course_id,
        Item.required.is_(True),
    ).scalar_subquery()
    return done.label("done"), total.label("total")


class ProgressFacts(NamedTuple):
    """The counts a progress bar and "what is left" print (the ``progress_bar`` macro),
    and nothing of whose progress it is: the same for every learner at the same point
    of a course, so a kept fragment (:mod:`lms.fragments`) can be keyed by it. Its words
    are worked out from the counts only when printed, so a fragment kept for these counts
    costs no translating."""

    done: int
    total: int
    remaining_lessons: int
    remaining_quizzes: int
    remaining_assignments: int
    #: The final quiz (the last required item, when it is a quiz) is still to pass.
    final_quiz_remaining: bool

    @property
    def percent(self) -> int:
        """Whole percent done, rounded down so 100 means truly finished."""
        return percent_done(self.done, self.total)

    @property
    def completed(self) -> bool:
        return self.total > 0 and self.done == self.total

    @property
    def remaining_words(self) -> str:
        """What is left, in plain words: "2 lessons and the final quiz"."""
        # The request's translations, looked up once rather than once per phrase
        # (a lookup costs more than the translating).
        translations = get_translations()
        _, ngettext = translations.ugettext, translations.ungettext
        if self.completed:
            return _("Nothing left. You finished this course.")
        quizzes = self.remaining_quizzes - (1 if self.final_quiz_remaining else 0)
        parts = []
        if self.remaining_lessons:
            parts.append(
                ngettext("%(num)d lesson", "%(num)d lessons", self.remaining_lessons)
                % {"num": self.remaining_lessons}
            )
        if quizzes:
            parts.append(ngettext("%(num)d quiz", "%(num)d quizzes", quizzes) % {"num": quizzes})
        if self.remaining_assignments:
            parts.append(
                ngettext("%(num)d assignment", "%(num)d assignments", self.remaining_assignments)
                % {"num": self.remaining_assignments}
            )
        if self.final_quiz_remaining:
            parts.append(_("the final quiz"))
        if not parts:
            return _("Nothing left.")
        if len(parts) == 1:
            return _("%(a)s left") % {"a": parts[0]}
        return _("%(a)s and %(b)s left") % {"a": ", ".join(parts[:-1]), "b": parts[-1]}


@dataclass(frozen=True)
class CourseProgress:
    """Where one enrolment stands: counts over the *required* items of the current version."""

    enrolment_id: int
    course_id: int
    done: int
    total: int
    remaining_lessons: int
    remaining_quizzes: int
    #: The final quiz (the last required item, when it is a quiz) is still to pass.
    final_quiz_remaining: bool
    items: tuple[ItemState, ...] = field(repr=False)
    next_item: ItemState | None = None
    continue_item: ItemState | None = None
    final_score: float | None = None
    #: Required assignments not passed yet (an assignment counts only once a tutor passed it).
    remaining_assignments: int = 0

    @property
    def percent(self) -> int:
        """Whole percent done, rounded down so 100 means truly finished."""
        return percent_done(self.done, self.total)

    @property
    def completed(self) -> bool:
        return self.total > 0 and self.done == self.total

    @property
    def facts(self) -> ProgressFacts:
        """The counts a progress bar prints of this progress."""
        return ProgressFacts(
            self.done, self.total, self.remaining_lessons, self.remaining_quizzes,
            self.remaining_assignments, self.final_quiz_remaining,
        )

    @property
    def done_item_ids(self) -> frozenset[int]:
        return frozenset(i.id for i in self.items if i.done)

    def item(self, item_id: int) -> ItemState | None:
        return next((i for i in self.items if i.id == item_id), None)

    def neighbours(self, item_id: int) -> tuple[ItemState | None, ItemState | None]:
        """The items before and after ``item_id`` in course order."""
        ids = [i.id for i in self.items]
        if item_id not in ids:
            return None, None
        at = ids.index(item_id)
        before = self.items[at - 1] if at > 0 else None
        after = self.items[at + 1] if at + 1 < len(self.items) else None
        return before, after

    @cached_property
    def remaining_words(self) -> str:
        """What is left, in plain words (:attr:`ProgressFacts.remaining_words`).

        Worked out once per object (a page may show it twice); progress lives for one
        request, in that request's language.
        """
        return self.facts.remaining_words


def course_items(course_ids: Iterable[int]) -> dict[int, list]:
    """Return each course's items in outline order (module position, then item position)."""
    course_ids = sorted(set(course_ids))
    by_course: dict[int, list] = defaultdict(list)
    if not course_ids:
        return by_course
    rows = db.session.execute(
        select(
            Item.id,
            Item.course_id,
            Item.module_id,
            Item.key,
            Item.kind,
            Item.title,
            Item.required,
            Item.estimated_minutes,
        )
        .join(Module, Module.id == Item.module_id)
        .where(Item.course_id.in_(course_ids))
        .order_by(Item.course_id, Module.position, Module.id, Item.position, Item.id)
    ).all()
    for row in rows:
        by_course[row.course_id].append(row)
    return by_course


def progress_for(enrolments: Sequence[Enrolment]) -> dict[int, CourseProgress]:
    """Compute progress for many enrolments at once: two queries in all.

    :param enrolments: enrolments (their ``course_id`` and ``last_item_id`` are read).
    :return: enrolment id -> :class:`CourseProgress`.
    """
    if not enrolments:
        return {}
    items = course_items(e.course_id for e in enrolments)
    done: dict[int, dict[int, float | None]] = defaultdict(dict)
    ids = [e.id for e in enrolments]
    for row in db.session.execute(
        select(Progress.enrolment_id, Progress.item_id, Progress.score).where(
            Progress.enrolment_id.in_(ids)
        )
    ):
        done[row.enrolment_id][row.item_id] = row.score
    return summarise(enrolments, items, done)


def summarise(enrolments: Sequence[Any], items: dict[int, list],
              done: dict[int, dict[int, float | None]]) -> dict[int, CourseProgress]:
    """Progress of ``enrolments`` (anything with ``id``, ``course_id``, ``last_item_id``) from
    each course's items in outline order and each enrolment's items done (id -> score)."""
    shared = _SharedStates()
    return {
        e.id: enrolment_summary(
            e, shared.states(items.get(e.course_id, []), done.get(e.id, {}))
        )
        for e in enrolments
    }


class _SharedStates:
    """Item states made once per item and reused by every learner in the same place.

    A cohort of 500 on a 48-item course needs 24,000 states, nearly all of
    them "not done" or "done without a score": the same tuples, made once
    (tuples never change, so sharing them is safe). Only a scored item
    done gets a state of its own.
    """

    def __init__(self) -> None:
        self._by_item: dict[int, tuple[ItemState, ItemState]] = {}

    def states(self, rows: list, done: dict[int, float | None]) -> tuple[ItemState, ...]:
        by_item = self._by_item
        out = []
        for r in rows:
            pair = by_item.get(r.id)
            if pair is None:
                fields = (r.id, r.key, r.kind, r.title, r.module_id, r.required,
                          r.estimated_minutes)
                pair = by_item[r.id] = (ItemState(*fields, False, None),
                                        ItemState(*fields, True, None))
            if r.id not in done:
                out.append(pair[0])
            else:
                score = done[r.id]
                out.append(pair[1] if score is None else pair[1]._replace(score=score))
        return tuple(out)


def enrolment_summary(enrolment: Enrolment, states: tuple[ItemState, ...]) -> CourseProgress:
    """The counts, next item and Continue target over an enrolment's item states."""
    required = [s for s in states if s.required]
    left = [s for s in required if not s.done]
    final = required[-1] if required and required[-1].kind == KIND_QUIZ else None
    next_item = left[0] if left else next((s for s in states if not s.done), None)
    return CourseProgress(
        enrolment_id=enrolment.id,
        course_id=enrolment.course_id,
        done=len(required) - len(left),
        total=len(required),
        remaining_lessons=sum(1 for s in left if s.kind == KIND_LESSON),
        remaining_quizzes=sum(1 for s in left if s.kind == KIND_QUIZ),
        final_quiz_remaining=final is not None and not final.done,
        items=states,
        next_item=next_item,
        continue_item=_continue(states, enrolment.last_item_id, next_item),
        final_score=final.score if final is not None else None,
        remaining_assignments=sum(1 for s in left if s.kind == KIND_ASSIGNMENT),
    )


def _continue(states, last_item_id, next_item):
    """Where "Continue" goes: the last item worked on if unfinished, else the next one after it."""
    if not states:
        return None
    ids = [s.id for s in states]
    if last_item_id in ids:
        at = ids.index(last_item_id)
        if not states[at].done:
            return states[at]
        later = next((s for s in states[at + 1 :] if not s.done), None)
        if later is not None:
            return later
    # Finished (every item done): nothing to continue, the course page offers the completion
    # page instead of sending the learner back to the first lesson.
    return next_item
