"""Course translations in the database: stored at import, exported, shown, reported.

The files are described in docs/content-format.md ("Translations"); the
content format reads them (:mod:`courses.content_format.translations`). Here
they are kept as :class:`~courses.translation_models.CourseTranslation` rows:

* :func:`apply_translations` makes a course's rows match an import (after its
  items were written), and records the change as a minor correction when the
  course is live: a translation says the same thing in another language, so
  it is not a change to the curriculum (no decision, no new version);
* :func:`translations_source` gives them back as content-format data (export);
* :func:`stale_keys` tells which stored translations are out of date: made from
  an original that has changed since (in a file or in course authoring).

Pages keep a course's translations per process, keyed by the course's
``updated_dt`` (:mod:`courses.shown`): :func:`_course_changed` moves it with
every write of one of its translation rows, whoever writes it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from babel import Locale, UnknownLocaleError
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from lms import audit
from lms.db import db, utcnow

from .content_format import (
    CourseSource,
    CourseTextTranslation,
    ItemTranslation,
    OptionTranslation,
    QuestionTranslation,
    Translation,
    original_hashes,
)
from .markdown import render_lesson, render_markdown
from .models import KIND_LESSON, KIND_QUIZ, STATUS_DRAFT, Correction, Course, Item
from .translation_models import CourseTranslation

#: The kind of minor correction an imported translation is recorded as, and its label (as
#: recorded: pages show it in the reader's language).
CORRECTION_KIND, TRANSLATION_LABEL = "translation", "Translation"


@event.listens_for(Session, "before_flush")
def _course_changed(session: Session, flush_context, instances) -> None:
    """Move the ``updated_dt`` of each course whose translations this flush writes.

    Deleting an item counts too: the database deletes its translation rows, and
    SQLite may give the next item the same id.
    """
    course_ids = {
        row.course_id for row in (*session.new, *session.dirty, *session.deleted)
        if isinstance(row, CourseTranslation) or (isinstance(row, Item) and row in session.deleted)
    }
    course_ids.discard(None)
    if not course_ids:
        return
    now = utcnow()
    for course_id in course_ids:
        course = session.get(Course, course_id)
        if course is not None and course not in session.deleted:
            course.updated_dt = now


def language_name(tag: str, in_locale: str = "en") -> str:
    """The name of the language ``tag`` in the language ``in_locale`` (``Polish``, ``polski``).

    An unknown tag is given as it is.
    """
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(in_locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return tag
    return name[:1].upper() + name[1:] if name else tag


def _question_data(question: QuestionTranslation) -> dict[str, Any]:
    data: dict[str, Any] = {"id": question.key, "prompt": question.prompt}
    if question.options:
        data["options"] = [
            {"id": o.key, "text": o.text, "feedback": o.feedback} for o in question.options
        ]
    else:
        data["accepted"] = list(question.accepted)
    data["explanation"] = question.explanation
    return data


def _row_values(
    translation: ItemTranslation | CourseTextTranslation, course: Course, item: Item | None
) -> dict[str, Any]:
    """What a row holds for a translated file (rendered as the original is)."""
    if isinstance(translation, CourseTextTranslation):
        description = translation.description
        return {
            "source": translation.source, "title": translation.title,
            "body_md": description or "",
            "body_html": render_markdown(description, course.slug) if description else "",
            "data": {
                "summary": translation.summary,
                "description": description,
                "outcomes": None if translation.outcomes is None else list(translation.outcomes),
                "modules": dict(translation.modules),
            },
        }
    if translation.kind == KIND_LESSON:
        return {
            "source": translation.source, "title": translation.title,
            "body_md": translation.body,
            # Citations are numbered by the original's sources.
            "body_html": render_lesson(translation.body, course.slug, item.sources or []),
            "data": {},
        }
    return {
        "source": translation.source, "title": translation.title, "body_md": "",
        "body_html": "",
        "data": {"questions": [_question_data(q) for q in translation.questions]},
    }


def apply_translations(course: Course, source: CourseSource, *, record: bool = True) -> list[str]:
    """Make the stored translations of ``course`` match ``source.translations``.

    Call it once the course's items are written (flushed): rows point at them.
    Rows are updated in place; a translation no longer in the source is deleted.
    When the course is live (and ``record``: not for a course imported new),
    each language changed is recorded as a minor correction (kind
    ``translation``) and audited.

    :return: what changed, as ``<lang>/<file>`` (``pl/lessons/intro.md``).
    """
    items = {item.key: item for item in course.items}
    rows = {
        (row.language, row.item_id): row
        for row in db.session.scalars(
            select(CourseTranslation).where(CourseTranslation.course_id == course.id)
        )
    }
    changed: dict[str, list[str]] = defaultdict(list)
    now = utcnow()
    for translation in source.translations:
        files: list[tuple[str, ItemTranslation | CourseTextTranslation, Item | None]] = []
        if translation.course is not None:
            files.append(("course.yaml", translation.course, None))
        for item_translation in translation.items:
            folder = "lessons" if item_translation.kind == KIND_LESSON else "quizzes"
            suffix = ".md" if item_translation.kind == KIND_LESSON else ".yaml"
            files.append((f"{folder}/{item_translation.key}{suffix}", item_translation,
                          items[item_translation.key]))
        for rel, text, item in files:
            values = _row_values(text, course, item)
            row = rows.pop((translation.language, item.id if item else None), None)
            if row is None:
                row = CourseTranslation(course_id=course.id, item_id=item.id if item else None,
                                        language=translation.language)
                db.session.add(row)
            elif all(getattr(row, key) == value for key, value in values.items()):
                continue
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_dt = now
            changed[translation.language].append(rel)
    keys = {item.id: item.key for item in course.items}
    for (language, item_id), row in rows.items():
        changed[language].append("course.yaml" if item_id is None else f"{keys.get(item_id)}")
        db.session.delete(row)
    if record and changed and course.status != STATUS_DRAFT and course.revision_of_id is None:
        _record(course, changed)
    return [f"{lang}/{rel}" for lang, rels in sorted(changed.items()) for rel in rels]


def _record(course: Course, changed: dict[str, list[str]]) -> None:
    """Record each language's change to a live course as a minor correction."""
    for language, rels in sorted(changed.items()):
        note = f"{language_name(language)} ({language}): {', '.join(rels)}"
        db.session.add(Correction(
            course_id=course.id, item_key="", item_title=course.title[:200],
            kind=CORRECTION_KIND, label=TRANSLATION_LABEL, note=note[:500], user_id=None,
            corrected_dt=utcnow(), previous_title="", previous_md="",
        ))
        audit.record(
            "courses.translation.imported", subject_type="course", subject_id=course.slug,
            data={"language": language, "files": rels[:50]},
        )


def _item_translation(item: Item, row: CourseTranslation) -> ItemTranslation:
    if item.kind == KIND_LESSON:
        return ItemTranslation(item.key, item.kind, row.source, row.title, body=row.body_md)
    questions = [
        QuestionTranslation(
            key=q["id"], prompt=q["prompt"], explanation=q.get("explanation", ""),
            options=[OptionTranslation(o["id"], o["text"], o.get("feedback", ""))
                     for o in q.get("options", ())],
            accepted=list(q.get("accepted", ())),
        )
        for q in row.data.get("questions", ())
    ]
    return ItemTranslation(item.key, item.kind, row.source, row.title, questions=questions)


def translations_source(course: Course) -> list[Translation]:
    """The stored translations of ``course`` as content-format data (what an export writes)."""
    rows = db.session.scalars(
        select(CourseTranslation).where(CourseTranslation.course_id == course.id)
    ).all()
    by_language: dict[str, Translation] = {}
    by_item: dict[tuple[str, int], CourseTranslation] = {}
    for row in rows:
        translation = by_language.setdefault(row.language, Translation(row.language))
        if row.item_id is None:
            data = row.data or {}
            modules = data.get("modules") or {}
            translation.course = CourseTextTranslation(
                source=row.source, title=row.title, summary=data.get("summary", ""),
                description=data.get("description"), outcomes=data.get("outcomes"),
                modules={m.key: modules[m.key] for m in course.modules if m.key in modules},
            )
        else:
            by_item[row.language, row.item_id] = row
    for language, translation in by_language.items():
        translation.items = [
            _item_translation(item, by_item[language, item.id])
            for module in course.modules for item in module.items
            if (language, item.id) in by_item and item.kind in (KIND_LESSON, KIND_QUIZ)
        ]
    return [by_language[language] for language in sorted(by_language)]


def stale_keys(course: Course, source: CourseSource) -> dict[tuple[str, str, str], bool]:
    """``(language, kind, key)`` -> whether that stored translation is out of date.

    :param source: the course as content-format data (``course_source(course)``),
        with its translations.
    """
    hashes = original_hashes(source)
    found = {}
    for translation in source.translations:
        if translation.course is not None:
            found[translation.language, "course", ""] = (
                translation.course.source != hashes["course", ""])
        for item in translation.items:
            found[translation.language, item.kind, item.key] = (
                item.source != hashes[item.kind, item.key])
    return found


def complete_translations():
    """``(course_id, language)`` of every complete translation, as a subquery.

    A course is available in a language when its ``course.yaml`` and every
    lesson and quiz are translated (out of date or not): the catalogue labels
    and filters courses by it.
    """
    items = (
        select(func.count(Item.id))
        .where(Item.course_id == CourseTranslation.course_id,
               Item.kind.in_((KIND_LESSON, KIND_QUIZ)))
        .correlate(CourseTranslation)
        .scalar_subquery()
    )
    return (
        select(CourseTranslation.course_id, CourseTranslation.language)
        .group_by(CourseTranslation.course_id, CourseTranslation.language)
        .having(
            func.count(CourseTranslation.item_id) == items,
            func.count() > func.count(CourseTranslation.item_id),  # course.yaml is there
        )
        .subquery()
    )


def available_languages(courses) -> dict[int, list[str]]:
    """Course id -> the languages it can be read in: its own, then its complete translations.

    One query for any number of courses.
    """
    courses = list(courses)
    found = {course.id: [course.language] for course in courses}
    if not found:
        return found
    complete = complete_translations()
    rows = db.session.execute(
        select(complete.c.course_id, complete.c.language)
        .where(complete.c.course_id.in_(found))
        .order_by(complete.c.language)
    )
    for course_id, language in rows:
        found[course_id].append(language)
    return found


def course_texts(course_ids, language: str) -> dict[int, tuple[str, str]]:
    """Course id -> its title and summary in ``language``, where translated (one query)."""
    ids = list(course_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(CourseTranslation.course_id, CourseTranslation.title, CourseTranslation.data)
        .where(CourseTranslation.course_id.in_(ids), CourseTranslation.item_id.is_(None),
               CourseTranslation.language == language)
    )
    return {course_id: (title, (data or {}).get("summary", "")) for course_id, title, data in rows}
