"""The course content format: a folder of plain text files (``docs/content-format.md``).

:func:`read_course` and :func:`read_courses` parse and validate folders into
plain dataclasses, reporting every problem at once with its file and line;
:func:`write_course` writes a :class:`CourseSource` back in the canonical
form, so a folder written in that form survives a round trip byte for byte.
Nothing here touches the database: the importer passes a ``course_exists``
hook for slugs that live there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .markdown import (
    COURSE_SCHEME,
    ID_PATTERN,
    LESSON_SCHEME,
    iter_links,
    parse,
    raw_html_lines,
)
from .models import LEVELS, QUESTION_TYPES

COURSE_FILE = "course.yaml"
LESSON_DIR = "lessons"
QUIZ_DIR = "quizzes"
ID_MAX = 80
#: Course slugs that would clash with the plugin's own pages under /courses/.
RESERVED_SLUGS = frozenset({"author", "cohorts", "my", "new", "static"})
FRONT_MATTER = "---\n"

COURSE_KEYS = (
    "slug",
    "title",
    "summary",
    "description",
    "outcomes",
    "topic",
    "level",
    "language",
    "estimated_hours",
    "prerequisites",
    "modules",
)
MODULE_KEYS = ("id", "title", "opens_after_days", "items")
LESSON_KEYS = ("title", "estimated_minutes", "required")
QUIZ_KEYS = ("title", "pass_mark", "max_attempts", "required", "questions")
CHOICE_QUESTION_KEYS = ("id", "type", "prompt", "options", "explanation")
SHORT_QUESTION_KEYS = ("id", "type", "prompt", "accepted", "explanation")
OPTION_KEYS = ("id", "text", "correct", "feedback")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


# -- the parsed form ---------------------------------------------------------------------


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


@dataclass
class ItemSource:
    """A lesson (``kind == "lesson"``) or a quiz (``kind == "quiz"``)."""

    key: str
    kind: str
    title: str
    required: bool = True
    #: Lessons: the Markdown after the front matter, byte for byte.
    body: str = ""
    estimated_minutes: int | None = None
    #: Quizzes.
    pass_mark: int | None = None
    max_attempts: int | None = None
    questions: list[QuestionSource] = field(default_factory=list)


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
    #: Slugs of other courses this one names, with where; checked by :func:`read_courses`.
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


def content_data(course: CourseSource) -> dict[str, Any]:
    """Return the course as plain data (for comparing two parses)."""
    data = dataclasses.asdict(course)
    data.pop("references")
    data.pop("warnings")
    return data


# -- problems ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a course folder.

    :param path: the file, relative to the folder holding the course folder
        (``what-is-a-co-operative/quizzes/final-quiz.yaml``).
    :param line: 1-based, when the problem has a place in the file.
    """

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


class ContentProblems(ValueError):
    """A folder (or a batch of folders) is not valid content; ``problems`` lists why."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# -- YAML with line numbers --------------------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int
    key_lines: dict[str, int]

    def at(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Seq(list):
    """A YAML sequence that remembers its line and the line of each entry."""

    line: int
    item_lines: list[int]


class _YAMLError(Exception):
    def __init__(self, line: int | None, message: str):
        self.line, self.message = line, message


def _load_yaml(text: str, offset: int = 0) -> Any:
    """Load one YAML document keeping line numbers (``offset`` lines precede it)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1 + offset
        raise _YAMLError(line, f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise _YAMLError(None, f"not valid YAML: {exc}") from None
    if node is None:
        raise _YAMLError(1 + offset, "the YAML document is empty")
    return _convert(node, yaml.constructor.SafeConstructor(), offset)


def _convert(node: yaml.Node, constructor: yaml.constructor.SafeConstructor, offset: int) -> Any:
    line = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        mapping = _Map()
        mapping.line, mapping.key_lines = line, {}
        for key_node, value_node in node.value:
            key = _convert(key_node, constructor, offset)
            key_line = key_node.start_mark.line + 1 + offset
            if not isinstance(key, str):
                raise _YAMLError(key_line, f"key {key!r} is not text")
            if key in mapping:
                raise _YAMLError(key_line, f"key {key!r} appears twice in the same mapping")
            mapping[key] = _convert(value_node, constructor, offset)
            mapping.key_lines[key] = key_line
        return mapping
    if isinstance(node, yaml.SequenceNode):
        sequence = _Seq(_convert(n, constructor, offset) for n in node.value)
        sequence.line = line
        sequence.item_lines = [n.start_mark.line + 1 + offset for n in node.value]
        return sequence
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise _YAMLError(line, f"not valid YAML: {exc}") from None


# -- reading -----------------------------------------------------------------------------


class _FileChecker:
    """Typed access to one file's YAML data, recording problems instead of raising."""

    def __init__(self, problems: list[Problem], path: str):
        self.problems, self.path = problems, path

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def keys(
        self, data: _Map, allowed: tuple[str, ...], what: str, optional: tuple[str, ...] = ()
    ) -> bool:
        """Check that ``data`` has the keys ``allowed`` (all but ``optional``) and no other."""
        ok = True
        missing = [k for k in allowed if k not in data and k not in optional]
        if missing:
            self.add(data.line, f"{what} is missing {_names(missing)}")
            ok = False
        for key in data:
            if key not in allowed:
                self.add(data.at(key), f"{what} has an unknown key {key!r}")
                ok = False
        return ok

    def mapping(self, value: Any, line: int | None, what: str) -> _Map | None:
        if isinstance(value, _Map):
            return value
        self.add(line, f"{what} must be a mapping of keys to values")
        return None

    def sequence(self, value: Any, line: int | None, what: str) -> _Seq | None:
        if isinstance(value, _Seq):
            return value
        self.add(line, f"{what} must be a list")
        return None

    def text(
        self, data: _Map, key: str, what: str, *, max_len: int | None = None, empty: bool = False
    ) -> str:
        value = data.get(key)
        if not isinstance(value, str):
            self.add(data.at(key), f"{what} must be text (got {_kind(value)})")
            return ""
        if not empty and not value.strip():
            self.add(data.at(key), f"{what} must not be empty")
        if max_len is not None and len(value) > max_len:
            self.add(data.at(key), f"{what} is longer than {max_len} characters")
        return value

    def ident(self, value: Any, line: int | None, what: str) -> str:
        if not isinstance(value, str):
            hint = " (put it in quotes)" if isinstance(value, bool | int | float) else ""
            self.add(line, f"{what} must be text{hint} (got {_kind(value)})")
            return ""
        if len(value) > ID_MAX or not ID_PATTERN.match(value):
            self.add(
                line,
                f"{what} {value!r} is not a valid id (lower-case letters, digits and single "
                f"hyphens, at most {ID_MAX} characters)",
            )
        return value

    def boolean(self, data: _Map, key: str, what: str) -> bool:
        value = data.get(key)
        if not isinstance(value, bool):
            self.add(data.at(key), f"{what} must be true or false (got {_kind(value)})")
            return False
        return value

    def integer(self, data: _Map, key: str, what: str, low: int, high: int | None = None) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(data.at(key), f"{what} must be a whole number (got {_kind(value)})")
            return low
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            self.add(data.at(key), f"{what} must be {bounds} (got {value})")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _names(keys: Iterable[str]) -> str:
    return ", ".join(repr(k) for k in keys)


def _read_text(problems: list[Problem], path: Path, rel: str) -> str | None:
    """Read a content file: UTF-8, LF line endings, one trailing newline."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(rel, line, "is not valid UTF-8"))
        return None
    ok = True
    if text.startswith("\ufeff"):
        problems.append(Problem(rel, 1, "starts with a byte order mark; save it as plain UTF-8"))
        ok = False
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        problems.append(Problem(rel, line, "has Windows or old Mac line endings; use LF only"))
        ok = False
    if not text.endswith("\n"):
        problems.append(Problem(rel, text.count("\n") + 1, "must end with a newline"))
        ok = False
    elif text.endswith("\n\n") or text.strip() == "":
        problems.append(Problem(rel, text.count("\n"), "must end with exactly one newline"))
        ok = False
    return text if ok else None


class _CourseReader:
    """Reads one course folder, collecting every problem."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.name = folder.name
        self.problems: list[Problem] = []
        self.references: list[Reference] = []
        self.warnings: list[Problem] = []
        #: (kind, id) -> its line in course.yaml; None until the modules were read.
        self.item_lines: dict[tuple[str, str], int] | None = None
        #: lesson id -> the line its body starts on.
        self.body_lines: dict[str, int] = {}

    def rel(self, *parts: str) -> str:
        return "/".join((self.name, *parts))

    def checker(self, *parts: str) -> _FileChecker:
        return _FileChecker(self.problems, self.rel(*parts))

    def read(self) -> CourseSource | None:
        if not (self.folder / COURSE_FILE).is_file():
            self.problems.append(Problem(self.rel(COURSE_FILE), None, "file not found"))
            return None
        lesson_files, quiz_files = self.list_files()
        course = self.read_course_file()
        lessons = {key: self.read_lesson(key) for key in lesson_files}
        quizzes = {key: self.read_quiz(key) for key in quiz_files}
        if course is None:
            return None
        self.fill_items(course, lessons, quizzes)
        self.check_links(course)
        course.references = self.references
        course.warnings = self.warnings
        return None if self.problems else course

    def list_files(self) -> tuple[list[str], list[str]]:
        lessons, quizzes = [], []
        for path in sorted(self.folder.rglob("*")):
            rel_parts = path.relative_to(self.folder).parts
            if any(part.startswith(".") for part in rel_parts) or path.is_dir():
                continue
            rel = "/".join(rel_parts)
            if rel == COURSE_FILE:
                continue
            if len(rel_parts) == 2 and rel_parts[0] == LESSON_DIR and path.suffix == ".md":
                target = lessons
            elif len(rel_parts) == 2 and rel_parts[0] == QUIZ_DIR and path.suffix == ".yaml":
                target = quizzes
            else:
                self.problems.append(
                    Problem(
                        self.rel(rel),
                        None,
                        "unexpected file: a course folder holds only course.yaml, "
                        "lessons/<id>.md and quizzes/<id>.yaml",
                    )
                )
                continue
            key = path.stem
            if len(key) > ID_MAX or not ID_PATTERN.match(key):
                self.problems.append(
                    Problem(self.rel(rel), None, f"file name {key!r} is not a valid id")
                )
                continue
            target.append(key)
        return lessons, quizzes

    def load(self, check: _FileChecker, text: str, offset: int = 0) -> _Map | None:
        try:
            data = _load_yaml(text, offset)
        except _YAMLError as exc:
            check.add(exc.line, exc.message)
            return None
        return check.mapping(data, 1 + offset, "the file")

    def read_course_file(self) -> CourseSource | None:
        check = self.checker(COURSE_FILE)
        text = _read_text(self.problems, self.folder / COURSE_FILE, check.path)
        data = None if text is None else self.load(check, text)
        if data is None:
            return None
        check.keys(data, COURSE_KEYS, "the course")
        slug = check.ident(data.get("slug"), data.at("slug"), "slug")
        if slug in RESERVED_SLUGS:
            check.add(data.at("slug"), f"slug {slug!r} is reserved for a page of the site")
        if slug and slug != self.name:
            check.add(data.at("slug"), f"slug {slug!r} must equal the folder name {self.name!r}")
        course = CourseSource(
            slug=slug,
            title=check.text(data, "title", "title", max_len=200),
            summary=check.text(data, "summary", "summary", max_len=500),
            description=check.text(data, "description", "description", empty=True),
            topic=check.text(data, "topic", "topic", max_len=80),
            level=data.get("level", ""),
            language=check.text(data, "language", "language", max_len=16),
        )
        if course.level not in LEVELS:
            check.add(data.at("level"), f"level must be one of {_names(LEVELS)}")
        if course.language and not _LANGUAGE.match(course.language):
            check.add(data.at("language"), f"language {course.language!r} is not a language tag")
        hours = data.get("estimated_hours")
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0:
            check.add(data.at("estimated_hours"), "estimated_hours must be a number, 0 or more")
        else:
            course.estimated_hours = hours
        outcomes = check.sequence(data.get("outcomes"), data.at("outcomes"), "outcomes")
        if outcomes is not None:
            if not 1 <= len(outcomes) <= 12:
                check.add(outcomes.line, f"a course has 1 to 12 outcomes (found {len(outcomes)})")
            for value, line in zip(outcomes, outcomes.item_lines, strict=True):
                if not isinstance(value, str) or not value.strip():
                    check.add(line, "each outcome must be non-empty text")
                else:
                    course.outcomes.append(value)
        prerequisites = check.sequence(
            data.get("prerequisites"), data.at("prerequisites"), "prerequisites"
        )
        entries = zip(prerequisites or (), getattr(prerequisites, "item_lines", ()), strict=True)
        for value, line in entries:
            prerequisite = check.ident(value, line, "prerequisite")
            if prerequisite == slug:
                check.add(line, "a course cannot be its own prerequisite")
            elif prerequisite in course.prerequisites:
                check.add(line, f"prerequisite {prerequisite!r} is listed twice")
            elif prerequisite:
                course.prerequisites.append(prerequisite)
                self.references.append(Reference(prerequisite, check.path, line, "prerequisite"))
        self.read_modules(check, data, course)
        self.check_markdown(course.description, check.path, data.at("description"), set(), None)
        return course

    def read_modules(self, check: _FileChecker, data: _Map, course: CourseSource) -> None:
        modules = check.sequence(data.get("modules"), data.at("modules"), "modules")
        if modules is None:
            return
        if not modules:
            check.add(modules.line, "a course needs at least one module")
        self.item_lines = {}
        for value, line in zip(modules, modules.item_lines, strict=True):
            raw = check.mapping(value, line, "a module")
            if raw is None:
                continue
            check.keys(raw, MODULE_KEYS, "a module", optional=("opens_after_days",))
            key = check.ident(raw.get("id"), raw.at("id"), "module id")
            if key and any(m.key == key for m in course.modules):
                check.add(raw.at("id"), f"module id {key!r} is used twice")
            module = ModuleSource(key=key, title=check.text(raw, "title", "title", max_len=200))
            if raw.get("opens_after_days") is not None:
                module.opens_after_days = check.integer(
                    raw, "opens_after_days", "opens_after_days", 0, 3650
                )
            course.modules.append(module)
            items = check.sequence(raw.get("items"), raw.at("items"), "items")
            if items is None:
                continue
            if not items:
                check.add(items.line, f"module {key!r} has no items")
            for item, item_line in zip(items, items.item_lines, strict=True):
                self.read_item_ref(check, item, item_line, module)

    def read_item_ref(
        self, check: _FileChecker, value: Any, line: int, module: ModuleSource
    ) -> None:
        if (
            not isinstance(value, _Map)
            or len(value) != 1
            or next(iter(value))
            not in (
                "lesson",
                "quiz",
            )
        ):
            check.add(line, "an item is either 'lesson: <lesson-id>' or 'quiz: <quiz-id>'")
            return
        ((kind, key),) = value.items()
        key = check.ident(key, line, f"{kind} id")
        if not key:
            return
        if (kind, key) in self.item_lines:
            first = self.item_lines[kind, key]
            check.add(line, f"{kind} {key!r} is used more than once (first on line {first})")
            return
        other = "quiz" if kind == "lesson" else "lesson"
        if (other, key) in self.item_lines:
            check.add(line, f"{kind} {key!r} has the same id as a {other}; ids must differ")
            return
        self.item_lines[kind, key] = line
        module.items.append(ItemSource(key=key, kind=kind, title=""))

    def read_lesson(self, key: str) -> ItemSource | None:
        check = self.checker(LESSON_DIR, f"{key}.md")
        text = _read_text(self.problems, self.folder / LESSON_DIR / f"{key}.md", check.path)
        if text is None:
            return None
        if not text.startswith(FRONT_MATTER):
            check.add(1, "a lesson starts with front matter: a line '---', the keys, a line '---'")
            return None
        end = text.find("\n" + FRONT_MATTER, len(FRONT_MATTER) - 1)
        if end < 0:
            check.add(1, "the front matter has no closing '---' line")
            return None
        front, body = text[len(FRONT_MATTER) : end + 1], text[end + 1 + len(FRONT_MATTER) :]
        data = self.load(check, front, offset=1) if front.strip() else None
        if data is None:
            if not front.strip():
                check.add(2, "the front matter is empty")
            return None
        check.keys(data, LESSON_KEYS, "the front matter")
        lesson = ItemSource(
            key=key,
            kind="lesson",
            title=check.text(data, "title", "title", max_len=200),
            required=check.boolean(data, "required", "required"),
            estimated_minutes=check.integer(data, "estimated_minutes", "estimated_minutes", 0),
            body=body,
        )
        if not body.strip():
            check.add(text[: end + 1].count("\n") + 2, "the lesson has no body")
        self.body_lines[key] = text[: end + 1].count("\n") + 2
        return lesson

    def read_quiz(self, key: str) -> ItemSource | None:
        check = self.checker(QUIZ_DIR, f"{key}.yaml")
        text = _read_text(self.problems, self.folder / QUIZ_DIR / f"{key}.yaml", check.path)
        data = None if text is None else self.load(check, text)
        if data is None:
            return None
        check.keys(data, QUIZ_KEYS, "the quiz")
        quiz = ItemSource(
            key=key,
            kind="quiz",
            title=check.text(data, "title", "title", max_len=200),
            required=check.boolean(data, "required", "required"),
            pass_mark=check.integer(data, "pass_mark", "pass_mark", 0, 100),
            max_attempts=check.integer(data, "max_attempts", "max_attempts", 0),
        )
        questions = check.sequence(data.get("questions"), data.at("questions"), "questions")
        if questions is not None:
            if not questions:
                check.add(questions.line, "a quiz needs at least one question")
            for value, line in zip(questions, questions.item_lines, strict=True):
                raw = check.mapping(value, line, "a question")
                question = None if raw is None else self.read_question(check, raw)
                if question is None:
                    continue
                if any(q.key == question.key for q in quiz.questions):
                    check.add(raw.at("id"), f"question id {question.key!r} is used twice")
                quiz.questions.append(question)
        return quiz

    def read_question(self, check: _FileChecker, raw: _Map) -> QuestionSource | None:
        key = check.ident(raw.get("id"), raw.at("id"), "question id")
        label = f"question {key!r}"
        qtype = raw.get("type")
        if qtype not in QUESTION_TYPES:
            check.add(raw.at("type"), f"{label}: type must be one of {_names(QUESTION_TYPES)}")
            return None
        allowed = SHORT_QUESTION_KEYS if qtype == "short" else CHOICE_QUESTION_KEYS
        check.keys(raw, allowed, label)
        question = QuestionSource(
            key=key,
            type=qtype,
            prompt=check.text(raw, "prompt", f"{label}: prompt"),
            explanation=check.text(raw, "explanation", f"{label}: explanation", empty=True),
        )
        if qtype == "short":
            accepted = None
            if "accepted" in raw:
                accepted = check.sequence(raw["accepted"], raw.at("accepted"), f"{label}: accepted")
            if accepted is not None:
                for value, line in zip(accepted, accepted.item_lines, strict=True):
                    if not isinstance(value, str) or not value.strip():
                        check.add(line, f"{label}: each accepted answer must be non-empty text")
                    else:
                        question.accepted.append(value)
                if not accepted:
                    check.add(accepted.line, f"{label} of type short needs accepted answers")
            return question
        if "options" not in raw:
            return question
        options = check.sequence(raw["options"], raw.at("options"), f"{label}: options")
        if options is None:
            return question
        for value, line in zip(options, options.item_lines, strict=True):
            option_raw = check.mapping(value, line, f"{label}: an option")
            if option_raw is None:
                continue
            check.keys(option_raw, OPTION_KEYS, f"{label}: an option")
            option = OptionSource(
                key=check.ident(option_raw.get("id"), option_raw.at("id"), f"{label}: option id"),
                text=check.text(option_raw, "text", f"{label}: option text"),
                correct=check.boolean(option_raw, "correct", f"{label}: correct"),
                feedback=check.text(option_raw, "feedback", f"{label}: feedback", empty=True),
            )
            if option.key and any(o.key == option.key for o in question.options):
                check.add(option_raw.at("id"), f"{label}: option id {option.key!r} is used twice")
            question.options.append(option)
        correct = sum(o.correct for o in question.options)
        keys = [o.key for o in question.options]
        line = raw.at("options")
        if qtype == "true_false":
            if keys != ["true", "false"]:
                check.add(
                    line,
                    f"{label} of type true_false needs exactly the options 'true' and 'false', "
                    "in that order",
                )
            elif correct != 1:
                check.add(line, f"{label} of type true_false needs one correct option")
        elif len(options) < 2:
            check.add(line, f"{label} of type {qtype} needs at least two options")
        elif qtype == "single" and correct != 1:
            check.add(line, f"{label} of type single needs exactly one correct option")
        elif qtype == "multiple" and correct < 1:
            check.add(line, f"{label} of type multiple needs at least one correct option")
        return question

    def fill_items(
        self,
        course: CourseSource,
        lessons: dict[str, ItemSource | None],
        quizzes: dict[str, ItemSource | None],
    ) -> None:
        """Replace the item references in the modules by the parsed files."""
        check = self.checker(COURSE_FILE)
        item_lines = self.item_lines or {}
        for module in course.modules:
            filled = []
            for ref in module.items:
                files, folder, suffix = (
                    (lessons, LESSON_DIR, ".md")
                    if ref.kind == "lesson"
                    else (quizzes, QUIZ_DIR, ".yaml")
                )
                if ref.key not in files:
                    check.add(
                        item_lines.get((ref.kind, ref.key)),
                        f"{ref.kind} {ref.key!r}: there is no file {folder}/{ref.key}{suffix}",
                    )
                elif files[ref.key] is not None:
                    filled.append(files[ref.key])
            module.items = filled
        for kind, files, folder, suffix in (
            ("lesson", lessons, LESSON_DIR, ".md"),
            ("quiz", quizzes, QUIZ_DIR, ".yaml"),
        ):
            for key in files:
                if self.item_lines is not None and (kind, key) not in item_lines:
                    self.problems.append(
                        Problem(
                            self.rel(folder, key + suffix),
                            None,
                            f"{kind} {key!r} is not used by any module in course.yaml",
                        )
                    )

    def check_links(self, course: CourseSource) -> None:
        keys = {item.key for item in course.items()}
        for lesson in course.lessons():
            self.check_markdown(
                lesson.body,
                self.rel(LESSON_DIR, f"{lesson.key}.md"),
                self.body_lines.get(lesson.key, 1),
                keys,
                course.slug,
            )

    def check_markdown(
        self, source: str, path: str, first_line: int, keys: set[str], slug: str | None
    ) -> None:
        """Check the internal links of Markdown that starts on ``first_line`` of ``path``."""
        lines = source.split("\n")
        tokens = parse(source)
        for start in raw_html_lines(source):
            self.warnings.append(
                Problem(path, first_line + start, "raw HTML is shown as plain text")
            )
        for block, link in iter_links(tokens):
            href = str(link.attrGet("src" if link.type == "image" else "href") or "")
            line = first_line
            if block.map:
                start, end = block.map
                line = first_line + start
                for offset, text in enumerate(lines[start:end]):
                    if href in text:
                        line = first_line + start + offset
                        break
            if not href.startswith((LESSON_SCHEME, COURSE_SCHEME)):
                scheme = href.partition(":")[0].lower() if ":" in href else ""
                if scheme not in ("http", "https", "mailto", ""):
                    self.warnings.append(
                        Problem(path, line, f"link {href!r} will be removed (unsupported scheme)")
                    )
                continue
            scheme, _, target = href.partition(":")
            if not ID_PATTERN.match(target):
                self.problems.append(Problem(path, line, f"link {href!r} has no valid id"))
            elif scheme == "lesson":
                if slug is None:
                    self.problems.append(
                        Problem(path, line, f"link {href!r}: lesson links work only in lessons")
                    )
                elif target not in keys:
                    self.problems.append(
                        Problem(path, line, f"link {href!r}: no lesson or quiz {target!r}")
                    )
            else:
                self.references.append(Reference(target, path, line, f"link {href!r}"))


def read_course(
    folder: str | Path, *, course_exists: Callable[[str], bool] | None = None
) -> CourseSource:
    """Parse and validate one course folder.

    :param folder: the course folder; its name is the course's slug.
    :param course_exists: tells whether a course slug named by a
        prerequisite or a ``course:`` link exists elsewhere (the database).
    :raises ContentProblems: listing every problem found.
    """
    return read_courses([folder], course_exists=course_exists)[0]


def read_courses(
    folders: Iterable[str | Path], *, course_exists: Callable[[str], bool] | None = None
) -> list[CourseSource]:
    """Parse and validate several course folders as one batch.

    Prerequisites and ``course:`` links may name a course of the batch or
    one for which ``course_exists`` returns true.

    :return: the courses, each after the batch courses it requires.
    :raises ContentProblems: listing every problem in every folder.
    """
    problems: list[Problem] = []
    courses: list[CourseSource] = []
    for folder in folders:
        reader = _CourseReader(Path(folder))
        course = reader.read()
        problems.extend(reader.problems)
        if course is not None:
            courses.append(course)
    by_slug: dict[str, CourseSource] = {}
    for course in courses:
        if course.slug in by_slug:
            problems.append(
                Problem(f"{course.slug}/{COURSE_FILE}", None, "this course is in the batch twice")
            )
        by_slug[course.slug] = course
    for course in courses:
        for ref in course.references:
            if ref.slug not in by_slug and not (course_exists and course_exists(ref.slug)):
                problems.append(Problem(ref.path, ref.line, f"{ref.what}: no course {ref.slug!r}"))
    ordered = _dependency_order(courses, by_slug, problems)
    if problems:
        raise ContentProblems(problems)
    return ordered


def _dependency_order(
    courses: list[CourseSource], by_slug: dict[str, CourseSource], problems: list[Problem]
) -> list[CourseSource]:
    ordered: list[CourseSource] = []
    state: dict[str, str] = {}

    def visit(course: CourseSource, trail: tuple[str, ...]) -> None:
        if state.get(course.slug) == "done":
            return
        if state.get(course.slug) == "visiting":
            cycle = " -> ".join((*trail[trail.index(course.slug) :], course.slug))
            problems.append(
                Problem(f"{course.slug}/{COURSE_FILE}", None, f"prerequisites form a loop: {cycle}")
            )
            return
        state[course.slug] = "visiting"
        for slug in course.prerequisites:
            if slug in by_slug:
                visit(by_slug[slug], (*trail, course.slug))
        state[course.slug] = "done"
        ordered.append(course)

    for course in courses:
        visit(course, ())
    return ordered


def find_course_folders(path: str | Path) -> list[Path]:
    """Return the course folders at ``path``: itself, or its sub-folders.

    :raises ContentProblems: ``path`` holds no course folder.
    """
    path = Path(path)
    if (path / COURSE_FILE).is_file():
        return [path]
    folders = (
        sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        if path.is_dir()
        else []
    )
    if not folders:
        raise ContentProblems([Problem(str(path), None, "no course folder here")])
    return folders


# -- writing (the canonical form) --------------------------------------------------------


class _CanonicalDumper(yaml.SafeDumper):
    """``safe_dump`` with multi-line strings as ``|`` literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_CanonicalDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """Dump plain data in the canonical YAML form."""
    return yaml.dump(
        data,
        Dumper=_CanonicalDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=80,
    )


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def course_yaml(course: CourseSource) -> str:
    """Return the canonical text of ``course.yaml``."""
    return dump_yaml(
        {
            "slug": course.slug,
            "title": course.title,
            "summary": course.summary,
            "description": course.description,
            "outcomes": list(course.outcomes),
            "topic": course.topic,
            "level": course.level,
            "language": course.language,
            "estimated_hours": _number(course.estimated_hours),
            "prerequisites": list(course.prerequisites),
            "modules": [
                {
                    "id": module.key,
                    "title": module.title,
                    **(
                        {"opens_after_days": module.opens_after_days}
                        if module.opens_after_days is not None
                        else {}
                    ),
                    "items": [{item.kind: item.key} for item in module.items],
                }
                for module in course.modules
            ],
        }
    )


def lesson_text(lesson: ItemSource) -> str:
    """Return the canonical text of a lesson file: front matter, then the body as is."""
    front = dump_yaml(
        {
            "title": lesson.title,
            "estimated_minutes": lesson.estimated_minutes or 0,
            "required": lesson.required,
        }
    )
    return f"{FRONT_MATTER}{front}{FRONT_MATTER}{lesson.body}"


def quiz_yaml(quiz: ItemSource) -> str:
    """Return the canonical text of a quiz file."""
    questions = []
    for question in quiz.questions:
        data: dict[str, Any] = {"id": question.key, "type": question.type}
        data["prompt"] = question.prompt
        if question.type == "short":
            data["accepted"] = list(question.accepted)
        else:
            data["options"] = [
                {"id": o.key, "text": o.text, "correct": o.correct, "feedback": o.feedback}
                for o in question.options
            ]
        data["explanation"] = question.explanation
        questions.append(data)
    return dump_yaml(
        {
            "title": quiz.title,
            "pass_mark": quiz.pass_mark or 0,
            "max_attempts": quiz.max_attempts or 0,
            "required": quiz.required,
            "questions": questions,
        }
    )


def course_files(course: CourseSource) -> dict[str, str]:
    """Return every file of the course's canonical folder: relative path -> text."""
    files = {COURSE_FILE: course_yaml(course)}
    for item in course.items():
        if item.kind == "lesson":
            files[f"{LESSON_DIR}/{item.key}.md"] = lesson_text(item)
        else:
            files[f"{QUIZ_DIR}/{item.key}.yaml"] = quiz_yaml(item)
    return files


def write_course(course: CourseSource, folder: str | Path) -> list[Path]:
    """Write the course's canonical folder (UTF-8, LF line endings).

    Existing files with the same names are replaced; nothing else is removed.

    :return: the files written.
    """
    folder = Path(folder)
    written = []
    for rel, text in course_files(course).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written
