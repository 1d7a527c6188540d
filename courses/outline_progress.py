"""One enrolment's progress with its course's modules, in one query: what every learning page
and the course page show in their outline (the rules of progress are :mod:`.progress`'s)."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, select

from lms.directread import DirectRead

from .models import Enrolment, Item, Module, Progress
from .progress import CourseProgress, ItemState, enrolment_summary


class ModuleRow(NamedTuple):
    """A module as the outline shows it."""

    id: int
    title: str
    #: Its key (what a translation names it by).
    key: str = ""


def outline_for(enrolment: Enrolment) -> tuple[CourseProgress, list[ModuleRow]]:
    """One enrolment's progress and its course's modules, in one query.

    The learning pages need both; this reads modules, items and the learner's
    progress rows together (modules without items still show) and computes
    the progress with the same rules as :func:`progress_for`.

    The statement selects columns, not entities, and runs directly on the
    session's connection (:meth:`lms.directread.DirectRead.in_session`): plain
    rows, without SQLAlchemy's execution machinery, which cost more than the
    query. The session is flushed first, as its own ``execute`` would, so
    progress recorded earlier in the request counts.
    """
    rows = _outline_read().in_session(enrolment_id=enrolment.id, course_id=enrolment.course_id)
    modules: list[ModuleRow] = []
    states: list[ItemState] = []
    module_id = None
    for m_id, m_title, m_key, item_id, key, kind, title, required, minutes, progress_id, score \
            in rows:
        if m_id != module_id:
            modules.append(ModuleRow(m_id, m_title, m_key))
            module_id = m_id
        if item_id is not None:
            states.append(
                ItemState(
                    item_id, key, kind, title, m_id, required, minutes,
                    progress_id is not None, score,
                )
            )
    return enrolment_summary(enrolment, tuple(states)), modules


@cache
def _outline_read() -> DirectRead:
    return DirectRead(_outline_query())


@cache
def _outline_query():
    """The statement of :func:`outline_for`, built once per process.

    Every learning page runs it; building it (and its cache key) cost more
    than running it. The enrolment and course come as bound parameters.
    """
    return (
        select(
            Module.id.label("m_id"),
            Module.title.label("m_title"),
            Module.key.label("m_key"),
            Item.id,
            Item.key,
            Item.kind,
            Item.title,
            Item.required,
            Item.estimated_minutes,
            Progress.id.label("progress_id"),
            Progress.score,
        )
        .select_from(Module)
        .outerjoin(Item, and_(Item.module_id == Module.id, Item.course_id == Module.course_id))
        .outerjoin(
            Progress,
            and_(
                Progress.item_id == Item.id,
                Progress.enrolment_id == bindparam("enrolment_id"),
            ),
        )
        .where(Module.course_id == bindparam("course_id"))
        .order_by(Module.position, Module.id, Item.position, Item.id)
    )
