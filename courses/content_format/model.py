"""The parsed form of a course folder: plain dataclasses, no database.

The reader fills them from files, the importer from them fills the database,
and an export builds them from the database for the writer. Fields marked
``compare=False`` are about the files (where things were, what looked odd),
not about the course, so two parses of equal content compare equal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .problems import Problem


@dataclass
class OptionSource:
    key: str
    text: str
    correct: bool
    feedback: str = ""


@dataclass
class QuestionSource:
    key: str
    type: str
    prompt: str
    explanation: str = ""
    #: For the choice types (``single``, ``multiple``, ``true_false``).
    options: list[OptionSource] = field(default_factory=list)
    #: For ``short`` questions.
    accepted: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceEntry:
    """A publication a lesson relies on; ``[^key]`` in the lesson's body cites it.

    Frozen: the lesson page keeps what it renders from a lesson's sources
    (:mod:`lms.fragments`), keyed by them.
    """

    key: str
    title: str
    publisher: str = ""
    year: int | None = None
    url: str = ""
    #: The day the web address was last read (required with ``url``).
    accessed: dt.date | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SourceEntry:
        """Make an entry from plain data as ``writing.sources_data`` gives it (and the
        database keeps it): ``id``, ``title``, and the other keys when they are set."""
        accessed = data.get("accessed")
        if isinstance(accessed, str):
            accessed = dt.date.fromisoformat(accessed)
        return cls(
            key=data["id"],
            title=data["title"],
            publisher=data.get("publisher", ""),
            year=data.get("year"),
            url=data.get("url", ""),
            accessed=accessed,
        )


def source_entries(data: list[dict[str, Any]] | None) -> list[SourceEntry]:
    """A lesson's sources from plain data (see :meth:`SourceEntry.from_data`)."""
    return [SourceEntry.from_data(entry) for entry in data or ()]


@dataclass
class ItemSource:
    """A lesson (``kind == "lesson"``), a quiz (``"quiz"``) or an assignment (``"assignment"``)."""

    key: str
    kind: str
    title: str
    required: bool = True
    #: Lessons: the Markdown after the front matter, byte for byte. Assignments: the prompt.
    body: str = ""
    estimated_minutes: int | None = None
    #: Lessons: what the lesson relies on, in the order they are numbered.
    sources: list[SourceEntry] = field(default_factory=list)
    #: Lessons: the day someone last checked the lesson against its sources.
    reviewed: dt.date | None = None
    #: Lessons: months between reviews (shorter for law and figures).
    review_every: int | None = None
    #: Quizzes.
    pass_mark: int | None = None
    max_attempts: int | None = None
    questions: list[QuestionSource] = field(default_factory=list)
    #: Assignments: ``due_after_days``, ``text``, ``files`` and ``rubric`` as plain data
    #: (see ``courses.assignments.spec``), as the database keeps them.
    assignment: dict[str, Any] | None = None


@dataclass
class ModuleSource:
    key: str
    title: str
    items: list[ItemSource] = field(default_factory=list)
    #: Days after a cohort's start when the module opens; ``None``: open from the start.
    opens_after_days: int | None = None


@dataclass
class Reference:
    """A course slug that must exist: a prerequisite or a ``course:`` link."""

    slug: str
    path: str
    line: int | None
    what: str


@dataclass
class OptionTranslation:
    """An option of a translated question; ``key`` is the original option's id."""

    key: str
    text: str
    feedback: str = ""


@dataclass
class QuestionTranslation:
    """A translated question; ``key`` is the original question's id."""

    key: str
    prompt: str
    explanation: str = ""
    #: Choice questions: every option of the original, in its order.
    options: list[OptionTranslation] = field(default_factory=list)
    #: Short questions: the answers accepted in this language (besides the original's).
    accepted: list[str] = field(default_factory=list)


@dataclass
class ItemTranslation:
    """A translated lesson or quiz (``translations/<lang>/lessons/<key>.md`` and so on).

    :param source: the first 12 hex digits of the SHA-256 of the original file
        (canonical form) the translation was made from.
    """

    key: str
    kind: str
    source: str
    title: str
    #: Lessons: the Markdown after the front matter, byte for byte.
    body: str = ""
    #: Quizzes: every question of the original, in its order.
    questions: list[QuestionTranslation] = field(default_factory=list)


@dataclass
class CourseTextTranslation:
    """``translations/<lang>/course.yaml``: the course's own text in another language."""

    source: str
    title: str
    summary: str
    #: ``None``: not translated (the original's is shown).
    description: str | None = None
    outcomes: list[str] | None = None
    #: Module id -> translated title, in the course's module order; some may be missing.
    modules: dict[str, str] = field(default_factory=dict)


@dataclass
class Translation:
    """Everything translated into one language (``translations/<lang>/``)."""

    language: str
    course: CourseTextTranslation | None = None
    #: Lessons and quizzes, in course order.
    items: list[ItemTranslation] = field(default_factory=list)

    def item(self, kind: str, key: str) -> ItemTranslation | None:
        return next((i for i in self.items if i.kind == kind and i.key == key), None)


@dataclass
class CourseSource:
    slug: str
    title: str
    summary: str = ""
    description: str = ""
    outcomes: list[str] = field(default_factory=list)
    topic: str = ""
    level: str = "introductory"
    language: str = "en"
    estimated_hours: float = 1
    prerequisites: list[str] = field(default_factory=list)
    modules: list[ModuleSource] = field(default_factory=list)
    #: Translations into other languages, by language tag order.
    translations: list[Translation] = field(default_factory=list)
    #: Slugs of other courses this one names, with where; checked by ``read_courses``.
    references: list[Reference] = field(default_factory=list, compare=False, repr=False)
    #: Things that import but probably are not what the author meant.
    warnings: list[Problem] = field(default_factory=list, compare=False, repr=False)

    def items(self) -> Iterator[ItemSource]:
        """Yield every item in course order."""
        for module in self.modules:
            yield from module.items

    def lessons(self) -> list[ItemSource]:
        return [item for item in self.items() if item.kind == "lesson"]

    def quizzes(self) -> list[ItemSource]:
        return [item for item in self.items() if item.kind == "quiz"]

    def assignments(self) -> list[ItemSource]:
        return [item for item in self.items() if item.kind == "assignment"]


def content_data(course: CourseSource) -> dict[str, Any]:
    """Return the course as plain data (for comparing two parses), translations aside.

    Translations are not what the course teaches (a change to them makes no new
    version; see "Translations and the curriculum's authority" in the format's
    docs); :func:`translation_data` gives them.
    """
    data = dataclasses.asdict(course)
    data.pop("references")
    data.pop("warnings")
    data.pop("translations")
    return data


def translation_data(course: CourseSource) -> list[dict[str, Any]]:
    """Return the course's translations as plain data (for comparing two parses)."""
    return [dataclasses.asdict(t) for t in course.translations]
