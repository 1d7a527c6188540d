"""A learning page's course, item, outline and links in the page's language.

Translated where the course has a translation in it, else the original, marked
with the course's language (:mod:`courses.shown`, :mod:`courses.titles`). In the
course's own language everything is returned as it is, with no query.
"""

from __future__ import annotations

from typing import NamedTuple

from ..models import KIND_ASSIGNMENT, KIND_LESSON
from ..shown import language_note, page_language, shown_lesson, shown_quiz, translated_for
from ..titles import ShownTitle, item_title


def in_language(course, item, progress, modules):
    """The page's course, item, progress and modules in the page's language, and the note.

    In the course's own language they are returned as they are (no query).
    """
    found = translated_for(course, item, page_language())
    if found is None:
        return course, item, progress, modules, None
    if item.kind == KIND_ASSIGNMENT:
        shown = item  # assignments are not translated: shown as written, with the note
    elif item.kind == KIND_LESSON:
        shown = shown_lesson(item, found)
    else:
        shown = shown_quiz(item, found)
    return (
        found.course(course),
        shown,
        found.progress(progress),
        found.modules(modules),
        language_note(found, item.kind, course.language),
    )


class Link(NamedTuple):
    """An item a page links to: only what the link prints, so kept fragments can key on it."""

    key: str
    #: Marked with the course's language when it is shown untranslated (:func:`item_title`).
    title: ShownTitle


def neighbours(course, progress, item_id: int) -> tuple[Link | None, Link | None]:
    """The links to the items before and after ``item_id`` (previous, next), their titles
    in the page's language or marked with the course's (``course`` as the page shows it)."""
    return tuple(
        None if item is None else Link(item.key, item_title(course, item))
        for item in progress.neighbours(item_id)
    )
