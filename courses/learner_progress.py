"""A learner's own courses with their progress, in the page's language, in one query.

The home page's dashboard (with its "Continue" card) and "My learning" show
every course a learner has joined, the item to continue and what remains.
One statement reads them all, titles included: where the page is in another
language than a course's, the course's and its items' translations are
joined into the same statement (no query more than in the course's own
language), with the course page's fallback: a title without a translation
is shown as the original (and says which language it is in).
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import aliased

from lms.directread import DirectRead

from .models import Course, Enrolment, Item, Module, Progress
from .progress import CourseProgress, ItemState, enrolment_summary
from .translation_models import CourseTranslation


class EnrolmentRef(NamedTuple):
    """What the dashboards show of an enrolment (and :func:`enrolment_summary` reads)."""

    id: int
    course_id: int
    last_item_id: int | None
    completed_dt: object


class CourseRef(NamedTuple):
    """What the dashboards show of a course: its address and title.

    ``language`` is the course's own; ``lang`` is set (to ``language``) when
    the title is shown in it although the page is in another language (for a
    ``lang`` attribute), and ``untranslated`` holds the ids of the items shown
    in it for the same reason.
    """

    id: int
    slug: str
    title: str
    language: str = ""
    lang: str = ""
    untranslated: frozenset[int] = frozenset()

    def item_lang(self, item_id: int) -> str:
        """The language an item's title is in when it is not the page's (``""`` when it is)."""
        return self.language if item_id in self.untranslated else ""


def learner_progress(
    user_id: int, language: str | None = None
) -> list[tuple[EnrolmentRef, CourseRef, CourseProgress]]:
    """Every enrolment of one learner with its course and progress, in one query.

    The learner's last worked-on course first (then the latest joined), the
    progress computed with the same rules as :func:`~courses.progress.progress_for`.
    Like :func:`~courses.progress.outline_for`, the statement selects columns
    and runs directly on the session's connection (flushed first), so the cost
    is the query's.

    :param language: the page's language: titles of courses in another
        language are given as translated into it where a translation exists.
        ``None``: every title as written.
    """
    rows = _learner_read().in_session(user_id=user_id, language=language or "")
    out = []
    enrolment = course = None
    states: list[ItemState] = []
    untranslated: set[int] = set()

    def done():
        shown = course._replace(untranslated=frozenset(untranslated)) if untranslated else course
        return enrolment, shown, enrolment_summary(enrolment, tuple(states))

    for (e_id, course_id, last_item_id, completed_dt, slug, title, course_language,
         course_translated, item_id, key, kind, item_title, item_translated, module_id, required,
         minutes, progress_id, score) in rows:
        if enrolment is None or e_id != enrolment.id:
            if enrolment is not None:
                out.append(done())
            # Another language than the course's, without a translation: the original's title.
            other = bool(language) and course_language != language
            enrolment = EnrolmentRef(e_id, course_id, last_item_id, completed_dt)
            course = CourseRef(
                course_id, slug, course_translated or title, course_language,
                course_language if other and course_translated is None else "",
            )
            states, untranslated = [], set()
        if item_id is not None:
            if other and item_translated is None:
                untranslated.add(item_id)
            states.append(ItemState(item_id, key, kind, item_translated or item_title, module_id,
                                    required, minutes, progress_id is not None, score))
    if enrolment is not None:
        out.append(done())
    return out


@cache
def _learner_read() -> DirectRead:
    return DirectRead(_learner_query())


@cache
def _learner_query():
    """The statement of :func:`learner_progress`, built once per process (see
    :func:`~courses.outline_progress._outline_query`); the learner and the page's
    language come as bound parameters.

    A translation is joined only for a course in another language than the
    page's (the unique indexes on a translation's item and language, and on a
    course's own text and language, make each join one row at most).
    """
    language = bindparam("language")
    course_text = aliased(CourseTranslation)
    item_text = aliased(CourseTranslation)
    return (
        select(
            Enrolment.id.label("enrolment_id"), Enrolment.course_id, Enrolment.last_item_id,
            Enrolment.completed_dt, Course.slug, Course.title, Course.language,
            course_text.title.label("course_translated"), Item.id.label("item_id"), Item.key,
            Item.kind, Item.title.label("item_title"),
            item_text.title.label("item_translated"), Item.module_id, Item.required,
            Item.estimated_minutes, Progress.id.label("progress_id"), Progress.score,
        )
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(
            course_text,
            and_(
                course_text.course_id == Enrolment.course_id,
                course_text.item_id.is_(None),
                course_text.language == language,
                Course.language != language,
            ),
        )
        # Outer joins: an enrolment in a course without items still shows.
        .outerjoin(Module, Module.course_id == Enrolment.course_id)
        .outerjoin(Item, and_(Item.module_id == Module.id, Item.course_id == Module.course_id))
        .outerjoin(
            item_text,
            and_(
                item_text.item_id == Item.id,
                item_text.language == language,
                Course.language != language,
            ),
        )
        .outerjoin(
            Progress, and_(Progress.item_id == Item.id, Progress.enrolment_id == Enrolment.id)
        )
        .where(Enrolment.user_id == bindparam("user_id"))
        .order_by(
            Enrolment.last_activity_dt.desc().nulls_last(), Enrolment.enrolled_dt.desc(),
            Enrolment.id, Module.position, Module.id, Item.position, Item.id,
        )
    )
