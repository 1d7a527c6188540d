"""Reading item files: lessons (Markdown with front matter) and quizzes (YAML).

Each kind of item has a reader in :data:`ITEM_READERS`, called with the
file's text once it passed the plain-text checks. A reader checks the file
against its schema and its own rules, and returns an :class:`ItemFile`, or
``None`` when the file cannot be read at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..models import QUESTION_TYPES
from . import schemas
from .checking import (
    check_answers_not_given_away,
    check_assignment,
    check_citations,
    check_quiz,
    check_sources,
)
from .layout import FRONT_MATTER
from .model import ItemSource, OptionSource, QuestionSource, SourceEntry
from .problems import FileProblems, Problem
from .validation import check_schema
from .yamlfile import LineList, LineMap, YAMLProblem, load_yaml


@dataclass
class ItemFile:
    """An item file as read.

    :param item: the item (filled as far as the file allowed).
    :param markdown: the Markdown the file holds, each with the line it
        starts on, for the folder's link checks.
    """

    item: ItemSource
    markdown: list[tuple[str, int]] = field(default_factory=list)


def load(text: str, problems: FileProblems, offset: int = 0) -> Any:
    """Load YAML, reporting why it cannot be; ``None`` then."""
    try:
        return load_yaml(text, offset)
    except YAMLProblem as exc:
        problems.add(exc.line, exc.message)
        return None


def text_of(data: LineMap, key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def whole_number(data: LineMap, key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def flag(data: LineMap, key: str) -> bool:
    return data.get(key) is True


def date_of(data: LineMap, key: str) -> dt.date | None:
    """A date the schema checked (as ISO text); ``None`` when absent or not a date."""
    value = data.get(key)
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


#: How far ahead of UTC the latest time zone is (UTC+14, the Line Islands).
LATEST_UTC_OFFSET = dt.timedelta(hours=14)


def latest_today() -> dt.date:
    """The latest date that is today somewhere on Earth.

    The last day a lesson may say it was reviewed: a later one has not come
    anywhere yet. Not the server's (UTC) date, which an author ahead of UTC
    has already left behind in the evening.
    """
    return (dt.datetime.now(dt.UTC) + LATEST_UTC_OFFSET).date()


def optional_number(data: LineMap, key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def texts(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v.strip()] if isinstance(
        value, LineList
    ) else []


def split_front_matter(
    text: str, problems: FileProblems, schema: dict
) -> tuple[LineMap, str, int] | None:
    """Split a Markdown file into its front matter (loaded, checked against ``schema``)
    and its body.

    :return: the front matter, the body byte for byte, and the line the body
        starts on; ``None`` when there is no usable front matter.
    """
    if not text.startswith(FRONT_MATTER):
        problems.add(1, "a lesson starts with front matter: a line '---', the keys, a line '---'")
        return None
    end = text.find("\n" + FRONT_MATTER, len(FRONT_MATTER) - 1)
    if end < 0:
        problems.add(1, "the front matter has no closing '---' line")
        return None
    front, body = text[len(FRONT_MATTER) : end + 1], text[end + 1 + len(FRONT_MATTER) :]
    if not front.strip():
        problems.add(2, "the front matter is empty")
        return None
    data = load(front, problems, offset=1)
    if data is None:
        return None
    check_schema(schema, data, problems, 2)
    if not isinstance(data, LineMap):
        return None
    body_line = text[: end + 1].count("\n") + 2
    return data, body, body_line


def read_lesson(text: str, key: str, problems: FileProblems) -> ItemFile | None:
    """Read ``lessons/<key>.md``: front matter, then the Markdown body."""
    parts = split_front_matter(text, problems, schemas.LESSON_FRONT_MATTER)
    if parts is None:
        return None
    data, body, body_line = parts
    lesson = ItemSource(
        key=key,
        kind="lesson",
        title=text_of(data, "title"),
        required=flag(data, "required"),
        estimated_minutes=whole_number(data, "estimated_minutes"),
        body=body,
        sources=sources_of(data.get("sources")),
        reviewed=date_of(data, "reviewed"),
        review_every=optional_number(data, "review_every"),
    )
    if lesson.reviewed is not None and lesson.reviewed > latest_today():
        # A future date would also put off the lesson's next review (courses.review).
        problems.add(
            data.at("reviewed"),
            f"reviewed {lesson.reviewed.isoformat()} is a day that has not come yet: give the"
            " day the lesson was last reviewed",
        )
    if not body.strip():
        problems.add(body_line, "the lesson has no body")
    check_citations(body, body_line, check_sources(data.get("sources"), problems), problems)
    return ItemFile(lesson, [(body, body_line)])


def read_sources_text(text: str) -> tuple[list[SourceEntry], list[Problem]]:
    """Read a lesson's sources written alone, as the YAML list of its front matter.

    The authoring form edits them this way. Empty text is no sources.

    :return: the sources, and the problems found (their lines count from 1).
    """
    found: list[Problem] = []
    problems = FileProblems(found, "")
    if not text.strip():
        return [], found
    data = load(text.replace("\r\n", "\n"), problems)
    if data is None:
        return [], found
    check_schema(schemas.SOURCES, data, problems, 1)
    check_sources(data, problems)
    return ([] if found else sources_of(data)), found


def sources_of(value: Any) -> list[SourceEntry]:
    """The sources of a lesson, from its loaded front matter (or the authoring form)."""
    sources = []
    for raw in value if isinstance(value, LineList) else ():
        if isinstance(raw, LineMap):
            sources.append(
                SourceEntry(
                    key=text_of(raw, "id"),
                    title=text_of(raw, "title"),
                    publisher=text_of(raw, "publisher"),
                    year=optional_number(raw, "year"),
                    url=text_of(raw, "url"),
                    accessed=date_of(raw, "accessed"),
                )
            )
    return sources


def read_quiz(text: str, key: str, problems: FileProblems) -> ItemFile | None:
    """Read ``quizzes/<key>.yaml``."""
    data = load(text, problems)
    if data is None:
        return None
    check_schema(schemas.QUIZ, data, problems, 1)
    if not isinstance(data, LineMap):
        return None
    check_quiz(data, problems)
    check_answers_not_given_away(data, problems)
    quiz = ItemSource(
        key=key,
        kind="quiz",
        title=text_of(data, "title"),
        required=flag(data, "required"),
        pass_mark=whole_number(data, "pass_mark"),
        max_attempts=whole_number(data, "max_attempts"),
    )
    questions = data.get("questions")
    for raw in questions if isinstance(questions, LineList) else ():
        if isinstance(raw, LineMap) and raw.get("type") in QUESTION_TYPES:
            quiz.questions.append(_question(raw))
    return ItemFile(quiz)


def _question(raw: LineMap) -> QuestionSource:
    question = QuestionSource(
        key=text_of(raw, "id"),
        type=raw["type"],
        prompt=text_of(raw, "prompt"),
        explanation=text_of(raw, "explanation"),
    )
    if question.type == "short":
        question.accepted = texts(raw.get("accepted"))
        return question
    options = raw.get("options")
    for option in options if isinstance(options, LineList) else ():
        if isinstance(option, LineMap):
            question.options.append(
                OptionSource(
                    key=text_of(option, "id"),
                    text=text_of(option, "text"),
                    correct=flag(option, "correct"),
                    feedback=text_of(option, "feedback"),
                )
            )
    return question


def read_assignment(text: str, key: str, problems: FileProblems) -> ItemFile | None:
    """Read ``assignments/<key>.yaml``: prompt, submission, rubric."""
    data = load(text, problems)
    if data is None:
        return None
    check_schema(schemas.ASSIGNMENT, data, problems, 1)
    if not isinstance(data, LineMap):
        return None
    check_assignment(data, problems)
    prompt = text_of(data, "prompt")
    assignment = ItemSource(
        key=key,
        kind="assignment",
        title=text_of(data, "title"),
        required=flag(data, "required"),
        estimated_minutes=whole_number(data, "estimated_minutes"),
        body=prompt,
        assignment=assignment_data(data),
    )
    return ItemFile(assignment, [(prompt, data.at("prompt") + 1)])


def assignment_data(data: LineMap) -> dict[str, Any]:
    """The assignment's settings as the database keeps them (plain data, canonical order)."""
    submission = data.get("submission") if isinstance(data.get("submission"), LineMap) else {}
    files = submission.get("files") if isinstance(submission.get("files"), LineMap) else None
    rubric = []
    for criterion in data.get("rubric") or ():
        if not isinstance(criterion, LineMap):
            continue
        levels = []
        for level in criterion.get("levels") or ():
            if isinstance(level, LineMap):
                entry = {"id": text_of(level, "id"), "title": text_of(level, "title"),
                         "points": whole_number(level, "points")}
                if text_of(level, "description"):
                    entry["description"] = text_of(level, "description")
                levels.append(entry)
        rubric.append({"id": text_of(criterion, "id"), "title": text_of(criterion, "title"),
                       "levels": levels})
    return {
        "due_after_days": optional_number(data, "due_after_days"),
        "text": submission.get("text") is not False,
        "files": None if files is None else {
            "types": [t for t in files.get("types") or () if isinstance(t, str)],
            "max_kb": whole_number(files, "max_kb"),
            "max_count": optional_number(files, "max_count") or 1,
            "archives": files.get("archives") is True,
        },
        "rubric": rubric,
    }


ItemReader = Callable[[str, str, FileProblems], ItemFile | None]
#: kind -> the reader of its files (see ``layout.ITEM_KINDS``).
ITEM_READERS: dict[str, ItemReader] = {
    "lesson": read_lesson, "quiz": read_quiz, "assignment": read_assignment,
}
