"""Courses as the learner's language shows them: translated where a translation exists.

The pages ask :func:`page_language`; when it is the course's own language
nothing here runs (no query, no wrapper), so the original's pages cost what
they did. Otherwise the page gets the course's translations in that
language (every title and text), and :class:`Shown` objects: the
translated text over the original object, whose every other attribute
(ids, keys, which option is correct) is the original's. Progress and
grading use ids and keys, never text, so they do not depend on the
language. A translation is out of date when its ``source`` is not the
item's stored hash (``Item.source_hash``, see :mod:`courses.item_hashes`).

A course's translations in one language are read in one query and kept per
process, keyed by the course's ``updated_dt`` (which the page loads with the
course anyway), so a page in another language usually runs no query for
them: reading and decoding every title and the item's text cost more than
the rest of the difference from the original's page. Every write of a
translation row moves the course's ``updated_dt`` (one session listener,
:func:`courses.translations._course_changed`), so a changed translation is
a new key at once, in every process; the old entry ages out of the bounded
cache.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import and_, bindparam, select

from lms.db import db
from lms.directread import DirectRead
from lms.i18n import language_name

from .models import KIND_ASSIGNMENT, KIND_QUIZ, Item
from .translation_models import CourseTranslation as CT

#: Courses-in-a-language kept per process (every title and text of a course in one
#: language, a few hundred KB at most): the shipped curriculum in a dozen languages.
CACHE_SIZE = 256


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
    #: The course's own language: what its untranslated text is in.
    original: str = ""

    def course(self, course):
        """The course with its title, summary, outcomes and description as translated.

        Whatever is not translated is the original's, and says so: ``lang``
        (the title's), ``summary_lang``, ``outcomes_lang`` and
        ``description_lang`` are the course's language for a text shown in it,
        ``""`` for a translated one (as :class:`~courses.learner_progress.CourseRef`'s
        ``lang``); ``item_lang`` and ``module_lang`` say the same of the outline's
        titles. The pages mark such text with its ``lang`` (:func:`lang_attributes`).
        """
        original = course.language
        data = self.course_data if self.course_title is not None else {}
        texts = {"lang": "" if self.course_title is not None else original,
                 "item_lang": self.item_lang, "module_lang": self.module_lang,
                 # What item_title and module_title read: no lookup for the page's course.
                 "translated": self,
                 "summary_lang": "" if data.get("summary") else original,
                 "outcomes_lang": "" if data.get("outcomes") is not None else original,
                 "description_lang": "" if data.get("description") is not None else original}
        if self.course_title is not None:
            texts["title"] = self.course_title
            texts["summary"] = data.get("summary") or course.summary
        if data.get("outcomes") is not None:
            texts["outcomes"] = data["outcomes"]
        if data.get("description") is not None:
            texts["description_html"] = self.course_html
        return Shown(course, **texts)

    def item_lang(self, item_id: int) -> str:
        """The language an item's title is in when not translated (``""`` when it is)."""
        return "" if item_id in self.titles else self.original

    def module_lang(self, key: str) -> str:
        """The language a module's title is in when not translated (``""`` when it is)."""
        return "" if key in (self.course_data.get("modules") or {}) else self.original

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


@dataclass(frozen=True)
class _CourseTexts:
    """Every translated text of one course in one language, as read (shared: never changed).

    ``items``: item id -> its title, ``source``, data and HTML body.
    """

    course_title: str | None
    course_data: dict[str, Any]
    course_html: str
    titles: dict[int, str]
    items: dict[int, tuple[str, str, dict[str, Any], str]]


@cache
def _texts_read() -> DirectRead:
    """Every translation of a course in a language, directly on the session's connection."""
    return DirectRead(
        select(CT.item_id, CT.title, CT.source, CT.data, CT.body_html)
        .where(and_(CT.course_id == bindparam("course_id"),
                    CT.language == bindparam("language")))
    )


def _read_texts(course_id: int, language: str, _changed) -> _CourseTexts:
    """Read what :class:`_CourseTexts` holds (``_changed``: the course's ``updated_dt``, the
    cache key that tells a changed translation)."""
    course_title, course_data, course_html = None, {}, ""
    titles, items = {}, {}
    for item_id, title, source, data, body_html in _texts_read().in_session(
        course_id=course_id, language=language
    ):
        if item_id is None:
            course_title, course_data, course_html = title, data or {}, body_html
            continue
        titles[item_id] = title
        items[item_id] = (title, source, data or {}, body_html)
    return _CourseTexts(course_title, course_data, course_html, titles, items)


def _course_texts(course, language: str) -> _CourseTexts:
    """The translations of ``course`` in ``language``, read once per process and version."""
    app = current_app._get_current_object()
    read = app.extensions.get("courses_translated_texts")
    if read is None:
        # One cache per application: tests build many on databases whose ids start again.
        read = app.extensions["courses_translated_texts"] = lru_cache(maxsize=CACHE_SIZE)(
            _read_texts)
    return read(course.id, language, course.updated_dt)


def translated_for(course, item: Item | None, language: str) -> Translated | None:
    """The translations of ``course`` in ``language`` for a page showing ``item``.

    :param course: a ``Course`` (its ``updated_dt`` keys what is kept of its translations).
    :return: ``None`` when ``language`` is the course's own (nothing to translate).
    """
    if language == course.language:
        return None
    texts = _course_texts(course, language)
    found = Translated(language, texts.course_title, texts.course_data, texts.course_html,
                       texts.titles, original=course.language)
    if item is not None:
        found.note = "missing"
        current = texts.items.get(item.id)
        if current is not None:
            found.current = current
            found.note = "stale" if current[1] != item.source_hash else ""
    return found


def lang_attributes(lang: str) -> Markup:
    """`` lang="en" dir="ltr"`` for text shown in its original language ``lang``; ``""`` → none."""
    if not lang:
        return NO_LANG
    return Markup(' lang="{}" dir="{}"').format(lang, _direction(lang))


#: No ``lang`` attributes: text in the page's language.
NO_LANG = Markup("")


def option_attributes(lang: str) -> dict[str, str]:
    """:func:`lang_attributes` as a select's option takes them (WTForms' ``render_kw``)."""
    return {"lang": lang, "dir": _direction(lang)} if lang else {}


def shown_lesson(lesson: Item, found: Translated):
    if found.current is None:
        return lesson
    title, _source, _data, body_html = found.current
    return Shown(lesson, title=title, body_html=body_html)


def shown_quiz(quiz: Item, found: Translated):
    """The quiz with its text translated (options keep their ids and ``correct``)."""
    if found.current is None:
        return quiz
    title, _source, data, _html = found.current
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
        return lang_attributes(self.lang)


def language_note(found: Translated | None, kind: str, course_language: str) -> LanguageNote:
    """What to say about ``found``'s item; a false-y note when it is in the page's language."""
    if found is None or not found.note:
        return LanguageNote("")
    language = language_name(course_language)
    if found.note == "missing":
        if kind == KIND_QUIZ:
            text = _("This quiz is not yet translated; shown in %(language)s.", language=language)
        elif kind == KIND_ASSIGNMENT:
            text = _("This assignment is not yet translated; shown in %(language)s.",
                     language=language)
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
