"""The courses plugin's models. Every table carries the ``courses_`` prefix.

A course is an ordered list of modules; a module is an ordered list of
items, each a lesson or a quiz. Modules, items, questions and options have a
``key``: the stable id from the content files, which survives revisions, so
a learner's progress on an item survives a re-import as long as an item with
that key still exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import UTCDateTime, db, utcnow

STATUS_DRAFT = "draft"
STATUS_PUBLISHED = "published"
STATUS_RETIRED = "retired"
STATUSES = (STATUS_DRAFT, STATUS_PUBLISHED, STATUS_RETIRED)
LEVELS = ("introductory", "intermediate", "advanced")
KIND_LESSON = "lesson"
KIND_QUIZ = "quiz"
KIND_ASSIGNMENT = "assignment"
QUESTION_TYPES = ("single", "multiple", "true_false", "short")


class Course(db.Model):
    __tablename__ = "courses_course"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'retired')", name="known_status"),
        CheckConstraint(
            "level IN ('introductory', 'intermediate', 'advanced')", name="known_level"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("estimated_hours >= 0", name="hours_not_negative"),
        # A revision in preparation is a draft: it never reaches learners by itself.
        CheckConstraint(
            "revision_of_id IS NULL OR status = 'draft'", name="revision_is_draft"
        ),
        # The catalogue (the page and the API) lists published courses by title, a page
        # at a time after the last (title, id): read in this order, nothing to sort.
        Index("ix_courses_course_status_title", "status", "title", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[list[str]] = mapped_column(JSON, default=list)
    topic: Mapped[str] = mapped_column(String(80), default="", index=True)
    level: Mapped[str] = mapped_column(String(20), default="introductory")
    language: Mapped[str] = mapped_column(String(16), default="en")
    estimated_hours: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[str] = mapped_column(String(20), default=STATUS_DRAFT)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: When set, the course leaves the catalogue at this time; enrolled learners may finish.
    retire_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Whether new learners may enrol (a published course can be closed to new enrolments).
    is_open: Mapped[bool] = mapped_column(default=True)
    #: Set on a revision being prepared: the live course it will replace when published
    #: (see ``courses.revisions``). One revision in preparation per course.
    revision_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), nullable=True, unique=True
    )

    modules: Mapped[list[Module]] = relationship(
        back_populates="course",
        order_by="Module.position",
        cascade="all, delete-orphan",
    )
    items: Mapped[list[Item]] = relationship(
        back_populates="course", cascade="all, delete-orphan", viewonly=False
    )
    prerequisites: Mapped[list[Prerequisite]] = relationship(
        foreign_keys="Prerequisite.course_id",
        cascade="all, delete-orphan",
        back_populates="course",
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug} v{self.version} {self.status}>"


class Prerequisite(db.Model):
    """Course ``course_id`` requires completing ``required_course_id`` first."""

    __tablename__ = "courses_prerequisite"
    __table_args__ = (
        UniqueConstraint("course_id", "required_course_id"),
        CheckConstraint("course_id <> required_course_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )
    required_course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )

    course: Mapped[Course] = relationship(foreign_keys=[course_id], back_populates="prerequisites")
    required_course: Mapped[Course] = relationship(foreign_keys=[required_course_id])


class Module(db.Model):
    __tablename__ = "courses_module"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Days after a cohort's start when this module opens (cohorts issue); None = at once.
    unlock_after_days: Mapped[int | None] = mapped_column(Integer, nullable=True)

    course: Mapped[Course] = relationship(back_populates="modules")
    items: Mapped[list[Item]] = relationship(
        back_populates="module", order_by="Item.position", cascade="all, delete-orphan"
    )


class Item(db.Model):
    """A lesson, a quiz or an assignment, in a module.

    An assignment's prompt is ``body_md``/``body_html``; the rest of it (due
    offset, what may be submitted, the rubric) is ``assignment``, plain data
    as in its file (``courses.assignments.spec``).
    """

    __tablename__ = "courses_item"
    __table_args__ = (
        UniqueConstraint("course_id", "key"),
        CheckConstraint("kind IN ('lesson', 'quiz', 'assignment')", name="known_kind"),
        CheckConstraint(
            "pass_mark IS NULL OR (pass_mark >= 0 AND pass_mark <= 100)", name="pass_mark_range"
        ),
        CheckConstraint("max_attempts IS NULL OR max_attempts >= 0", name="attempts_not_negative"),
        CheckConstraint(
            "review_every_months IS NULL OR review_every_months >= 1", name="review_every_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int] = mapped_column(
        ForeignKey("courses_module.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    required: Mapped[bool] = mapped_column(default=True)
    # Lessons
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    estimated_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: What the lesson relies on, in citation-number order: dicts with ``id``, ``title`` and
    #: optionally ``publisher``, ``year``, ``url``, ``accessed`` (ISO date), as in the files.
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The day someone last checked the lesson against its sources.
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: Months between reviews; the review report says when the next one is due.
    review_every_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Assignments: due_after_days, text, files (types, max_kb, max_count, archives), rubric.
    assignment: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # Quizzes
    pass_mark: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_attempts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The hash of the item's file as an export writes it, which a translation made from
    #: this version records as its ``source``. Kept by ``courses.item_hashes`` on every
    #: flush; empty only for a row written around the ORM (its translations then show as
    #: out of date, never wrongly as current).
    source_hash: Mapped[str] = mapped_column(String(12), server_default="")

    course: Mapped[Course] = relationship(back_populates="items")
    module: Mapped[Module] = relationship(back_populates="items")
    questions: Mapped[list[Question]] = relationship(
        back_populates="item", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def is_quiz(self) -> bool:
        return self.kind == KIND_QUIZ

    @property
    def is_assignment(self) -> bool:
        return self.kind == KIND_ASSIGNMENT


class Question(db.Model):
    __tablename__ = "courses_question"
    __table_args__ = (
        UniqueConstraint("item_id", "key"),
        CheckConstraint("type IN ('single', 'multiple', 'true_false', 'short')", name="known_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("courses_item.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    #: For ``short`` questions: the accepted answers.
    accepted: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    item: Mapped[Item] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position", cascade="all, delete-orphan"
    )


class Option(db.Model):
    __tablename__ = "courses_option"
    __table_args__ = (UniqueConstraint("question_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("courses_question.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    question: Mapped[Question] = relationship(back_populates="options")


class Enrolment(db.Model):
    """One learner in one course; at most one per learner and course."""

    __tablename__ = "courses_enrolment"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )
    enrolled_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The item the learner last opened: where "Continue" takes them.
    last_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses_item.id", ondelete="SET NULL"), nullable=True
    )
    last_activity_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: Set in the request that completes the current version.
    completed_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_version: Mapped[int | None] = mapped_column(Integer, nullable=True)

    course: Mapped[Course] = relationship()


class Progress(db.Model):
    """An item a learner has completed (a lesson marked done, or a quiz passed)."""

    __tablename__ = "courses_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("courses_enrolment.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("courses_item.id", ondelete="CASCADE"), index=True
    )
    completed_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: For quizzes: the best score, in percent.
    score: Mapped[float | None] = mapped_column(Float, nullable=True)


class QuizAttempt(db.Model):
    __tablename__ = "courses_quiz_attempt"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "item_id", "attempt_no"),
        CheckConstraint("attempt_no >= 1", name="attempt_positive"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("courses_enrolment.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("courses_item.id", ondelete="CASCADE"), index=True
    )
    attempt_no: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[bool] = mapped_column()
    #: question key -> the answer given (list of option keys, or text).
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Completion(db.Model):
    """A learner completed a course version: exactly one row, and one signal, per pair."""

    __tablename__ = "courses_completion"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "course_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("courses_enrolment.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )
    course_version: Mapped[int] = mapped_column(Integer)
    completed_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    final_score: Mapped[float | None] = mapped_column(Float, nullable=True)


class CourseDecision(db.Model):
    """A members' decision (governance) that shaped a course, kept as plain data.

    ``decision_id`` is governance's id, not a foreign key: governance is another
    plugin, which may not even be loaded.
    """

    __tablename__ = "courses_course_decision"
    __table_args__ = (UniqueConstraint("course_id", "decision_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )
    decision_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500), default="")
    enacted_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Correction(db.Model):
    """A minor correction to a live lesson made without a vote, as the rulebook allows.

    Listed on the course's "decisions and changes" page; the text before the
    correction is kept, so nothing is lost and anyone can see what changed.
    """

    __tablename__ = "courses_correction"
    __table_args__ = (CheckConstraint("length(note) > 0", name="note_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses_course.id", ondelete="CASCADE"), index=True
    )
    item_key: Mapped[str] = mapped_column(String(80))
    item_title: Mapped[str] = mapped_column(String(200))
    #: The rulebook's key for the kind of correction, and its label when it was made.
    kind: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    note: Mapped[str] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    corrected_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    previous_title: Mapped[str] = mapped_column(String(200), default="")
    previous_md: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")


# The cohort tables live in their own module; importing it here puts them in the
# plugin's metadata (the loader imports ``courses.models``).
from . import translation_models as _translation_models  # noqa: E402, F401
from .assignments import models as _assignment_models  # noqa: E402, F401
from .cohorts import models as _cohort_models  # noqa: E402, F401
from .discussions import models as _discussion_models  # noqa: E402, F401
