"""Titles as a page in some language shows them: a course's, a module's, an item's.

A title is translated where the course has a translation in the page's language
(:mod:`courses.shown`, the kept translations), else shown as the original and
marked with the course's language, so a screen reader pronounces it right and,
isolated in ``<bdi>``, it cannot reorder the sentence around it. The authoring
pages show the original as written (:func:`original_text`), marked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from .shown import (
    Shown,
    Translated,
    lang_attributes,
    option_attributes,
    page_language,
    translated_for,
)


@dataclass(frozen=True)
class ShownTitle:
    """A title of a course's (its own, a module's, an item's) as a page in some language
    shows it: :func:`course_title`, :func:`item_title`, :func:`module_title`.

    ``{{ title }}`` in a template (or a value of ``_()`` there) prints the
    text isolated in ``<bdi>``, with ``lang`` and ``dir`` when it is the
    original in another language than the page's; ``title.text`` is the bare
    text, for ``<title>`` and attributes. Frozen, so kept fragments can key on it.
    """

    text: str
    #: The course's language when the title is shown untranslated; ``""`` otherwise.
    lang: str = ""

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> Markup:
        # Isolated either way: a title in a sentence (a message, a heading) then cannot
        # reorder the words around it, whatever the directions of the two. Markup, so that
        # Markup.format keeps it as it is (it escapes a plain string from __html__).
        return Markup("<bdi{}>{}</bdi>").format(lang_attributes(self.lang), self.text)

    @property
    def attributes(self) -> dict[str, str]:
        """``lang`` and ``dir`` for an element that holds only the title (a select's option:
        WTForms' ``render_kw``); none when the title is in the page's language."""
        return option_attributes(self.lang)


def course_title(course, language: str | None = None) -> ShownTitle:
    """``course``'s title in the page's language (or ``language``), marked when untranslated.

    The one way a page that shows a course's title (a crumb, a heading, a
    message) gets it. No query for a course shown as :meth:`Translated.course`
    gives it (the learning pages) or in its own language; otherwise the
    course's translations are the ones kept per process (:func:`translated_for`).

    :param course: a ``Course``, or what :meth:`Translated.course` made of one.
    """
    if isinstance(course, Shown):
        return ShownTitle(course.title, course.lang)
    found = translated_for(course, None, language or page_language())
    if found is None:
        return ShownTitle(course.title)
    if found.course_title is None:
        return ShownTitle(course.title, course.language)
    return ShownTitle(found.course_title)


def original_text(course, text: str) -> ShownTitle:
    """``text`` of ``course``'s as its authors wrote it (the authoring pages show the
    original, never a translation), marked with the course's language on a page in another.

    :param course: a ``Course`` (or anything with its ``language``).
    """
    return ShownTitle(text, "" if page_language() == course.language else course.language)


def _translations(course, language: str | None) -> Translated | None:
    """What ``language`` (default: the page's) has of ``course``; ``None`` in its own."""
    if isinstance(course, Shown) and "translated" in course.__dict__:
        return course.translated
    return translated_for(course, None, language or page_language())


def item_title(course, item, language: str | None = None) -> ShownTitle:
    """An item's title (a lesson's, a quiz's, an assignment's) as :func:`course_title` gives
    the course's: translated where it can be, else the original, marked with its language.

    :param course: the item's ``Course``, or what :meth:`Translated.course` made of it (then
        no lookup); its translations are otherwise the ones kept per process.
    :param item: anything with the item's ``id`` and original ``title`` (an ``Item``, a
        progress row, a query's row); a title already translated is kept.
    """
    found = _translations(course, language)
    if found is None:
        return ShownTitle(item.title)
    title = found.titles.get(item.id)
    return ShownTitle(item.title, course.language) if title is None else ShownTitle(title)


def module_title(course, module, language: str | None = None) -> ShownTitle:
    """A module's title, as :func:`item_title` gives an item's (``module``: its ``key`` and
    original ``title``)."""
    found = _translations(course, language)
    if found is None:
        return ShownTitle(module.title)
    titles = found.course_data.get("modules") or {}
    if module.key in titles:
        return ShownTitle(titles[module.key])
    return ShownTitle(module.title, course.language)
