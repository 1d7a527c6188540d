"""Reading and checking a course's translations (``translations/<lang>/``).

A translation names only the original's ids: a lesson or quiz of the course,
its questions and options, its modules. :func:`read_translations` reads every
language folder of a course folder once the original was read, checks each
file against its schema and against the original, and reports problems with
their file and line like the rest of the format. A translation made from an
older original (its ``source`` is not the original's hash) is a warning: it
is kept, and flagged out of date where it is shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from . import translation_schemas as schemas
from .checking import MarkdownCheck, check_citations
from .items import load, split_front_matter, text_of, texts
from .layout import COURSE_FILE, LANGUAGE_PATTERN, LESSON, QUIZ, TRANSLATIONS_DIR, is_id
from .model import (
    CourseSource,
    CourseTextTranslation,
    ItemSource,
    ItemTranslation,
    OptionTranslation,
    QuestionTranslation,
    Reference,
    Translation,
)
from .problems import FileProblems, names
from .validation import check_schema
from .writing import ITEM_WRITERS, course_yaml
from .yamlfile import LineList, LineMap, read_text

#: The kinds of item a translation may hold.
TRANSLATED_KINDS = {"lesson": LESSON, "quiz": QUIZ}


def source_hash(text: str) -> str:
    """The ``source`` of a translation of a file whose canonical text is ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def item_hash(item: ItemSource) -> str:
    """The hash of ``item``'s canonical file (a lesson, quiz or assignment), as a
    translation of it records in its ``source``."""
    return source_hash(ITEM_WRITERS[item.kind](item))


def original_hashes(course: CourseSource) -> dict[tuple[str, str], str]:
    """``(kind, key)`` -> the hash of the original's canonical file; ``("course", "")``
    for ``course.yaml``. A translation whose ``source`` differs is out of date."""
    hashes = {("course", ""): source_hash(course_yaml(course))}
    for item in course.items():
        if item.kind in TRANSLATED_KINDS:
            hashes[item.kind, item.key] = item_hash(item)
    return hashes


def translation_rel(language: str, rel: str) -> str:
    """Where the translation of the original file ``rel`` is, in the course folder."""
    return f"{TRANSLATIONS_DIR}/{language}/{rel}"


def translation_files(folder: Path) -> dict[str, list[str]]:
    """Language -> its files (relative to ``translations/<lang>/``), hidden ones left out."""
    found: dict[str, list[str]] = {}
    root = folder / TRANSLATIONS_DIR
    for path in sorted(root.rglob("*")) if root.is_dir() else ():
        parts = path.relative_to(root).parts
        if any(part.startswith(".") for part in parts) or path.is_dir():
            continue
        found.setdefault(parts[0], []).append("/".join(parts[1:]))
    return found


class TranslationReader:
    """Reads the translations of one course folder against the original ``course``.

    :param file: where the problems of a file (relative to the course folder) go.
    :param refer: called with each ``course:`` link, to check it exists.
    """

    def __init__(
        self, folder: Path, course: CourseSource,
        file: Callable[[str], FileProblems], refer: Callable[[Reference], None],
    ):
        self.folder, self.course, self.file, self.refer = folder, course, file, refer
        self.hashes = original_hashes(course)
        self.items = {(item.kind, item.key): item for item in course.items()}
        self.keys = {item.key for item in course.items()}

    def read(self) -> list[Translation]:
        translations = []
        for language, files in sorted(translation_files(self.folder).items()):
            translation = self.read_language(language, files)
            if translation is not None:
                translations.append(translation)
        return translations

    def read_language(self, language: str, files: Iterable[str]) -> Translation | None:
        if not LANGUAGE_PATTERN.match(language) or len(language) > 16:
            self.file(f"{TRANSLATIONS_DIR}/{language}").add(
                None, f"{language!r} is not a language tag (such as 'pl' or 'ur')"
            )
            return None
        if language == self.course.language:
            self.file(f"{TRANSLATIONS_DIR}/{language}").add(
                None, f"the course is written in {language!r}: a translation is into another "
                "language",
            )
            return None
        translation = Translation(language)
        found: dict[tuple[str, str], ItemTranslation] = {}
        for rel in files:
            where = translation_rel(language, rel)
            if rel == COURSE_FILE:
                translation.course = self.read_course_file(where)
                continue
            kind = next(
                (k for k in TRANSLATED_KINDS.values()
                 if rel.startswith(f"{k.folder}/") and rel.endswith(k.suffix)
                 and rel.count("/") == 1),
                None,
            )
            key = rel.rpartition("/")[2].removesuffix(kind.suffix) if kind else ""
            if kind is None:
                self.file(where).add(
                    None, "unexpected file: a translation holds only course.yaml, "
                    "lessons/<id>.md and quizzes/<id>.yaml",
                )
            elif not is_id(key) or (kind.name, key) not in self.items:
                self.file(where).add(
                    None, f"the course has no {kind.name} {key!r} to translate "
                    f"(no {kind.rel(key)})",
                )
            else:
                item = self.read_item(where, self.items[kind.name, key])
                if item is not None:
                    found[kind.name, key] = item
        translation.items = [
            found[item.kind, item.key] for item in self.course.items()
            if (item.kind, item.key) in found
        ]
        return translation

    def _text(self, where: str) -> tuple[FileProblems, str | None]:
        problems = self.file(where)
        return problems, read_text(self.folder / where, problems)

    def _check_source(self, data: LineMap, kind: str, key: str, problems: FileProblems) -> str:
        source = text_of(data, "source")
        current = self.hashes[kind, key]
        if source and source != current:
            original = COURSE_FILE if kind == "course" else TRANSLATED_KINDS[kind].rel(key)
            problems.warn(
                data.at("source"),
                f"made from an older {original} (source {source}, now {current}): "
                "flagged out of date until it is updated and stamped again",
            )
        return source

    def read_course_file(self, where: str) -> CourseTextTranslation | None:
        problems, text = self._text(where)
        data = None if text is None else load(text, problems)
        if data is None:
            return None
        check_schema(schemas.COURSE, data, problems, 1)
        if not isinstance(data, LineMap):
            return None
        outcomes = data.get("outcomes")
        if isinstance(outcomes, LineList) and len(outcomes) != len(self.course.outcomes):
            problems.add(
                data.at("outcomes"),
                f"outcomes: the original has {len(self.course.outcomes)}, this has "
                f"{len(outcomes)} (translate each, in the same order)",
            )
        modules = data.get("modules")
        module_keys = [m.key for m in self.course.modules]
        titles: dict[str, str] = {}
        if isinstance(modules, LineMap):
            for key in modules:
                if key not in module_keys:
                    problems.add(
                        modules.at(key), f"modules: the course has no module {key!r} "
                        f"(its modules are {names(module_keys)})",
                    )
            titles = {
                key: modules[key] for key in module_keys
                if isinstance(modules.get(key), str)
            }
        description = data.get("description")
        if isinstance(description, str):
            line = data.at("description")
            MarkdownCheck(problems, set(), None, self.refer).check(description, line)
            check_citations(description, line, None, problems)
        return CourseTextTranslation(
            source=self._check_source(data, "course", "", problems),
            title=text_of(data, "title"),
            summary=text_of(data, "summary"),
            description=description if isinstance(description, str) else None,
            outcomes=texts(outcomes) if isinstance(outcomes, LineList) else None,
            modules=titles,
        )

    def read_item(self, where: str, original: ItemSource) -> ItemTranslation | None:
        problems, text = self._text(where)
        if text is None:
            return None
        if original.kind == "lesson":
            return self.read_lesson(text, original, problems)
        return self.read_quiz(text, original, problems)

    def read_lesson(
        self, text: str, original: ItemSource, problems: FileProblems
    ) -> ItemTranslation | None:
        parts = split_front_matter(text, problems, schemas.LESSON_FRONT_MATTER)
        if parts is None:
            return None
        data, body, body_line = parts
        if not body.strip():
            problems.add(body_line, "the lesson has no body")
        check_citations(body, body_line, [s.key for s in original.sources], problems)
        MarkdownCheck(problems, self.keys, self.course.slug, self.refer).check(body, body_line)
        return ItemTranslation(
            key=original.key, kind="lesson",
            source=self._check_source(data, "lesson", original.key, problems),
            title=text_of(data, "title"), body=body,
        )

    def read_quiz(
        self, text: str, original: ItemSource, problems: FileProblems
    ) -> ItemTranslation | None:
        data = load(text, problems)
        if data is None:
            return None
        check_schema(schemas.QUIZ, data, problems, 1)
        if not isinstance(data, LineMap):
            return None
        quiz = ItemTranslation(
            key=original.key, kind="quiz",
            source=self._check_source(data, "quiz", original.key, problems),
            title=text_of(data, "title"),
        )
        raw_questions = data.get("questions")
        if not isinstance(raw_questions, LineList):
            return quiz
        by_key = {q.key: q for q in original.questions}
        given: list[str] = []
        for raw, line in zip(raw_questions, raw_questions.item_lines, strict=True):
            if not isinstance(raw, LineMap) or not isinstance(raw.get("id"), str):
                continue
            key = raw["id"]
            if key not in by_key:
                problems.add(line, f"question {key!r}: the original quiz has no such question")
                continue
            if key in given:
                problems.add(line, f"question {key!r} is translated twice")
                continue
            given.append(key)
            quiz.questions.append(_question(raw, by_key[key], problems))
        _check_all_in_order(
            [q.key for q in original.questions], given, "question", raw_questions.line, problems
        )
        return quiz


def _question(raw: LineMap, original, problems: FileProblems) -> QuestionTranslation:
    label = f"question {original.key!r}"
    question = QuestionTranslation(
        key=original.key, prompt=text_of(raw, "prompt"), explanation=text_of(raw, "explanation")
    )
    if original.type == "short":
        if "options" in raw:
            problems.add(raw.at("options"), f"{label} is a short question in the original: "
                         "give 'accepted' (the answers in this language), not 'options'")
        if "accepted" not in raw:
            problems.add(raw.line, f"{label}: give 'accepted', the answers accepted in this "
                         "language (at least one)")
        question.accepted = texts(raw.get("accepted"))
        return question
    if "accepted" in raw:
        problems.add(raw.at("accepted"), f"{label} is a choice question in the original: "
                     "translate its 'options', it has no 'accepted'")
    raw_options = raw.get("options")
    if not isinstance(raw_options, LineList):
        if "options" not in raw:
            problems.add(raw.line, f"{label}: 'options' is missing (translate every option)")
        return question
    keys = [o.key for o in original.options]
    given: list[str] = []
    for option, line in zip(raw_options, raw_options.item_lines, strict=True):
        if not isinstance(option, LineMap) or not isinstance(option.get("id"), str):
            continue
        key = option["id"]
        if key not in keys:
            problems.add(line, f"{label}: option {key!r} is not an option of the original "
                         f"(its options are {names(keys)})")
        elif key in given:
            problems.add(line, f"{label}: option {key!r} is translated twice")
        else:
            given.append(key)
            question.options.append(OptionTranslation(
                key=key, text=text_of(option, "text"), feedback=text_of(option, "feedback")
            ))
    _check_all_in_order(keys, given, f"{label}: option", raw_options.line, problems)
    return question


def _check_all_in_order(
    wanted: list[str], given: list[str], what: str, line: int, problems: FileProblems
) -> None:
    """Every id of the original is given, in the original's order."""
    missing = [key for key in wanted if key not in given]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        problems.add(line, f"{what}{plural} {names(missing)} of the original "
                     f"{'are' if plural else 'is'} missing")
    elif given != wanted:
        problems.add(line, f"{what}s must be in the original's order: {names(wanted)}")


def read_translations(
    folder: Path, course: CourseSource,
    file: Callable[[str], FileProblems], refer: Callable[[Reference], None],
) -> list[Translation]:
    """Read every language of ``folder/translations/`` against the original ``course``."""
    return TranslationReader(folder, course, file, refer).read()
