"""Courses as the learner's language shows them: translated where a translation exists.

The pages ask :func:`page_language`; when it is the course's own language
nothing here runs (no query, no wrapper), so the original's pages cost what
they did. Otherwise one query reads the course's translations in that
language (every title, and the text of the item the page shows, with the
original's stored hash to tell whether that text is out of date), and the
page gets :class:`Shown` objects: the translated text over the original
object, whose every other attribute (ids, keys, which option is correct)
is the original's. Progress and grading use ids and keys, never text, so
they do not depend on the language.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, bindparam, case, or_, select, type_coerce
from sqlalchemy.types import JSON

from lms.db import db
from lms.directread import DirectRead
from lms.i18n import language_name

from .models import KIND_QUIZ, Item
from .translation_models import CourseTranslation as CT


def page_language() -> str:
    """The language of the page (the locale's language: ``pl``, ``ur``)."""
    locale = get_locale()
    return locale.language if locale is not None else "en"


class Shown:
    """``original`` with some attributes in another language; the rest are the original's."""

    def __init__(self, original: Any, **texts: Any):
        self.__dict__["_original"] = original
        self.__dict__.update(texts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_original"], name)


@dataclass
class Translated:
    """What one language has of one course, for a page about one of its items.

    ``note`` says why the item is shown as it is: ``""`` (translated and up to
    date), ``"missing"`` (shown in the original language) or ``"stale"``
    (translated from an original that has changed since).
    """

    language: str
    course_title: str | None = None
    course_data: dict[str, Any] = field(default_factory=dict)
    course_html: str = ""
    titles: dict[int, str] = field(default_factory=dict)
    current: Any = None
    note: str = ""

    def course(self, course):
        """The course with its title, summary, outcomes and description as translated."""
        if self.course_title is None:
            return course
        data = self.course_data
        texts = {"title": self.course_title, "summary": data.get("summary") or course.summary}
        if data.get("outcomes") is not None:
            texts["outcomes"] = data["outcomes"]
        if data.get("description") is not None:
            texts["description_html"] = self.course_html
        return Shown(course, **texts)

    def module_title(self, key: str, title: str) -> str:
        return (self.course_data.get("modules") or {}).get(key, title)

    def items(self, states):
        """``ItemState`` rows (or any named tuples with ``id`` and ``title``), titles translated."""
        return tuple(
            _retitled(s, self.titles[s.id]) if s.id in self.titles else s for s in states
        )

    def modules(self, modules):
        """Module rows (``ModuleRow``: ``id``, ``title``, ``key``), titles translated."""
        titles = self.course_data.get("modules") or {}
        return [_retitled(m, titles[m.key]) if m.key in titles else m for m in modules]

    def progress(self, progress):
        """A learner's ``CourseProgress`` with its items' titles translated."""
        items = self.items(progress.items)
        by_id = {i.id: i for i in items}

        def same(state):
            return None if state is None else by_id.get(state.id, state)

        return dataclasses.replace(
            progress, items=items, next_item=same(progress.next_item),
            continue_item=same(progress.continue_item),
        )


def _retitled(row, title: str):
    """``row`` (a named tuple, a result row or a model) with another title."""
    if hasattr(row, "_replace"):
        return row._replace(title=title)
    return Shown(row, title=title)


@cache
def _page_read() -> DirectRead:
    """:func:`_page_query` run directly on the session's connection (:mod:`lms.directread`):
    every page in another language than its course's reads it."""
    return DirectRead(_page_query())


@cache
def _page_query():
    current = CT.item_id == bindparam("current")
    return (
        select(
            CT.item_id, CT.title, CT.source,
            type_coerce(case((or_(current, CT.item_id.is_(None)), CT.data), else_=None),
                        JSON).label("data"),
            case((or_(current, CT.item_id.is_(None)), CT.body_html), else_="").label("body_html"),
            # The original's hash as stored (``courses.item_hashes``), to tell a translation
            # made from an older version.
            case((current, select(Item.source_hash).where(Item.id == bindparam("current"))
                  .scalar_subquery()), else_="").label("original_hash"),
        )
        .where(and_(CT.course_id == bindparam("course_id"), CT.language == bindparam("language")))
    )


def translated_for(course, item: Item | None, language: str) -> Translated | None:
    """The translations of ``course`` in ``language`` for a page showing ``item``.

    :return: ``None`` when ``language`` is the course's own (nothing to translate).
    """
    if language == course.language:
        return None
    found = Translated(language)
    current_id = item.id if item is not None else -1
    rows = _page_read().in_session(course_id=course.id, language=language, current=current_id)
    current = None
    for item_id, title, source, data, body_html, original_hash in rows:
        if item_id is None:
            found.course_title, found.course_data, found.course_html = title, data or {}, body_html
            continue
        found.titles[item_id] = title
        if item_id == current_id:
            current = (title, source, data or {}, body_html, original_hash)
    if item is not None:
        found.note = "missing"
        if current is not None:
            found.current = current
            found.note = "stale" if current[1] != current[4] else ""
    return found


def shown_lesson(lesson: Item, found: Translated):
    if found.current is None:
        return lesson
    title, _source, _data, body_html, _hash = found.current
    return Shown(lesson, title=title, body_html=body_html)


def shown_quiz(quiz: Item, found: Translated):
    """The quiz with its text translated (options keep their ids and ``correct``)."""
    if found.current is None:
        return quiz
    title, _source, data, _html, _hash = found.current
    by_key = {q["id"]: q for q in data.get("questions", ())}
    questions = []
    for question in quiz.questions:
        text = by_key.get(question.key)
        if text is None:
            questions.append(question)
            continue
        options = {o["id"]: o for o in text.get("options", ())}
        questions.append(Shown(
            question, prompt=text["prompt"], explanation=text.get("explanation", ""),
            options=[
                Shown(o, text=options[o.key]["text"], feedback=options[o.key].get("feedback", ""))
                if o.key in options else o
                for o in question.options
            ],
        ))
    return Shown(quiz, title=title, questions=questions)


def course_note(found: Translated | None, course_language: str) -> LanguageNote:
    """The note on a course page whose course is not translated into the page's language."""
    if found is None or found.course_title is not None:
        return LanguageNote("")
    return LanguageNote(
        _("This course is not yet translated; shown in %(language)s.",
          language=language_name(course_language)),
        course_language, _direction(course_language),
    )


@dataclass(frozen=True)
class LanguageNote:
    """The note above a lesson or quiz not (or no longer) in the page's language.

    :param lang: the language the item is shown in when it is not the page's
        (its text is marked ``lang`` and ``dir`` for screen readers and layout).
    """

    text: str
    lang: str = ""
    dir: str = ""

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def attributes(self) -> Markup:
        """`` lang="en" dir="ltr"`` for the item's text, when it is not the page's language."""
        if not self.lang:
            return Markup("")
        return Markup(' lang="{}" dir="{}"').format(self.lang, self.dir)


def language_note(found: Translated | None, kind: str, course_language: str) -> LanguageNote:
    """What to say about ``found``'s item; a false-y note when it is in the page's language."""
    if found is None or not found.note:
        return LanguageNote("")
    language = language_name(course_language)
    if found.note == "missing":
        if kind == KIND_QUIZ:
            text = _("This quiz is not yet translated; shown in %(language)s.", language=language)
        else:
            text = _("This lesson is not yet translated; shown in %(language)s.",
                     language=language)
        return LanguageNote(text, course_language, _direction(course_language))
    if kind == KIND_QUIZ:
        return LanguageNote(_("This quiz has changed in %(language)s since it was translated; "
                              "the translation may be out of date.", language=language))
    return LanguageNote(_("This lesson has changed in %(language)s since it was translated; "
                          "the translation may be out of date.", language=language))


@cache
def _direction(tag: str) -> str:
    try:
        order = Locale.parse(tag.replace("-", "_")).character_order
    except (UnknownLocaleError, ValueError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


def also_accepted(quiz: Item) -> dict[str, list[str]]:
    """Question key -> the answers every translation of ``quiz`` accepts (short questions).

    Grading accepts them in any language, so an attempt is graded the same
    whatever the language of the page it is sent or seen from. No query for a
    quiz without short questions.
    """
    if not any(q.type == "short" for q in quiz.questions):
        return {}
    accepted: dict[str, list[str]] = {}
    for data in db.session.scalars(select(CT.data).where(CT.item_id == quiz.id)):
        for question in (data or {}).get("questions", ()):
            accepted.setdefault(question["id"], []).extend(question.get("accepted", ()))
    return accepted
