"""The stored translations of courses (``translations/<lang>/`` of a content folder).

One row per language and translated file: the course's own text
(``item_id`` is ``NULL``: ``translations/<lang>/course.yaml``) or a lesson's or
quiz's. A row belongs to its item: deleting the item deletes its
translations, and progress never points at a row here (it belongs to the
item, whatever the language it was read in).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, db, utcnow


class CourseTranslation(db.Model):
    """A translated file of a course, in one language.

    ``source`` is the hash of the original file (canonical form) it was made
    from; when the original's hash differs now, the translation is out of date.
    """

    __tablename__ = "courses_translation"
    __table_args__ = (
        UniqueConstraint("item_id", "language"),
        # The course's own text: once per language (NULL item ids are never equal).
        Index(
            "uq_courses_translation_course_text", "course_id", "language", unique=True,
            sqlite_where=db.text("item_id IS NULL"), postgresql_where=db.text("item_id IS NULL"),
        ),
        CheckConstraint("length(language) > 0", name="language_not_empty"),
        CheckConstraint("length(source) = 12", name="source_is_a_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )
    #: ``None``: the course's own text (title, summary, description, outcomes, modules).
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses_item.id", ondelete="CASCADE"), nullable=True
    )
    language: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(200))
    #: Lessons: the Markdown body; the course: its description ('' when not translated).
    body_md: Mapped[str] = mapped_column(Text, default="")
    #: ``body_md`` rendered and sanitised at import, like the original's.
    body_html: Mapped[str] = mapped_column(Text, default="")
    #: The rest as plain data. The course: ``summary``, ``description`` (``None``: not
    #: translated), ``outcomes`` (``None``: not translated), ``modules`` (module key ->
    #: title). Quizzes: ``questions``, each ``id``, ``prompt``, ``explanation`` and
    #: ``options`` (``id``, ``text``, ``feedback``) or ``accepted``.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
