"""The rules a schema cannot state: ids used once, answers that can be right, links.

Each function reads data as loaded (``yamlfile.LineMap`` and ``LineList``,
which know their lines), after ``validation.check_schema`` has reported what
is malformed: so every rule here looks only at values of the right type and
leaves the rest, already reported, alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from markdown_it.token import Token

from ..markdown import (
    COURSE_SCHEME,
    ID_PATTERN,
    LESSON_SCHEME,
    iter_citations,
    iter_links,
    parse,
    raw_html_lines,
)
from ..models import QUESTION_TYPES
from .layout import ITEM_KINDS, RESERVED_SLUGS, is_id
from .model import Reference
from .problems import FileProblems, Problem
from .yamlfile import LineList, LineMap


def _mappings(value: Any) -> list[LineMap]:
    """The mappings of a list (other entries were reported by the schema)."""
    return [entry for entry in value if isinstance(entry, LineMap)] if isinstance(
        value, LineList
    ) else []


def check_slug(data: LineMap, folder_name: str, problems: FileProblems) -> None:
    """The slug is not reserved and names the folder."""
    slug = data.get("slug")
    if not isinstance(slug, str) or not slug:
        return
    if slug in RESERVED_SLUGS:
        problems.add(data.at("slug"), f"slug {slug!r} is reserved for a page of the site")
    if slug != folder_name:
        problems.add(data.at("slug"), f"slug {slug!r} must equal the folder name {folder_name!r}")


def check_prerequisites(data: LineMap, problems: FileProblems) -> list[Reference]:
    """Prerequisites are other courses, each once; return them as references to check."""
    slug, listed = data.get("slug"), data.get("prerequisites")
    references: list[Reference] = []
    if not isinstance(listed, LineList):
        return references
    for value, line in zip(listed, listed.item_lines, strict=True):
        if not is_id(value):
            continue
        if value == slug:
            problems.add(line, "a course cannot be its own prerequisite")
        elif any(ref.slug == value for ref in references):
            problems.add(line, f"prerequisite {value!r} is listed twice")
        else:
            references.append(Reference(value, problems.path, line, "prerequisite"))
    return references


def check_modules(data: LineMap, problems: FileProblems) -> dict[tuple[str, str], int]:
    """Module ids are used once, modules have items, each item is named once.

    :return: ``(kind, id) -> line`` of every item named in ``course.yaml``.
    """
    module_ids: set[str] = set()
    item_lines: dict[tuple[str, str], int] = {}
    for module in _mappings(data.get("modules")):
        key = module.get("id")
        if is_id(key):
            if key in module_ids:
                problems.add(module.at("id"), f"module id {key!r} is used twice")
            module_ids.add(key)
        items = module.get("items")
        if not isinstance(items, LineList):
            continue
        if not items:
            problems.add(items.line, f"module {key!r} has no items")
        for value, line in zip(items, items.item_lines, strict=True):
            ref = item_ref(value)
            if ref is not None:
                _check_item_ref(ref, line, item_lines, problems)
    return item_lines


def item_ref(value: Any) -> tuple[str, str] | None:
    """``(kind, id)`` of an entry of a module's ``items``, or ``None`` if it names nothing."""
    if not isinstance(value, LineMap) or len(value) != 1:
        return None
    ((kind, key),) = value.items()
    if kind not in ITEM_KINDS or not isinstance(key, str) or not key:
        return None
    return kind, key


def _check_item_ref(
    ref: tuple[str, str], line: int, item_lines: dict[tuple[str, str], int],
    problems: FileProblems,
) -> None:
    kind, key = ref
    if ref in item_lines:
        first = item_lines[ref]
        problems.add(line, f"{kind} {key!r} is used more than once (first on line {first})")
        return
    other = next((k for k in ITEM_KINDS if k != kind and (k, key) in item_lines), None)
    if other is not None:
        problems.add(line, f"{kind} {key!r} has the same id as a {other}; ids must differ")
        return
    item_lines[ref] = line


def check_quiz(data: LineMap, problems: FileProblems) -> None:
    """Question ids are used once and each question can be answered rightly."""
    seen: set[str] = set()
    for question in _mappings(data.get("questions")):
        key, qtype = question.get("id"), question.get("type")
        if qtype not in QUESTION_TYPES:
            continue
        if isinstance(key, str) and key:
            if key in seen:
                problems.add(question.at("id"), f"question id {key!r} is used twice")
            seen.add(key)
        _check_question(question, f"question {key!r}", qtype, problems)


def _check_question(question: LineMap, label: str, qtype: str, problems: FileProblems) -> None:
    if qtype == "short":
        accepted = question.get("accepted")
        if isinstance(accepted, LineList) and not accepted:
            problems.add(accepted.line, f"{label} of type short needs accepted answers")
        return
    options = question.get("options")
    if not isinstance(options, LineList):
        return
    keys: list[str] = []
    for option in _mappings(options):
        key = option.get("id")
        if isinstance(key, str) and key:
            if key in keys:
                problems.add(option.at("id"), f"{label}: option id {key!r} is used twice")
            keys.append(key)
    correct = sum(option.get("correct") is True for option in _mappings(options))
    line = question.at("options")
    if qtype == "true_false":
        if [o.get("id") for o in _mappings(options)] != ["true", "false"]:
            problems.add(
                line,
                f"{label} of type true_false needs exactly the options 'true' and 'false', "
                "in that order",
            )
        elif correct != 1:
            problems.add(line, f"{label} of type true_false needs one correct option")
    elif len(options) < 2:
        problems.add(line, f"{label} of type {qtype} needs at least two options")
    elif qtype == "single" and correct != 1:
        problems.add(line, f"{label} of type single needs exactly one correct option")
    elif qtype == "multiple" and correct < 1:
        problems.add(line, f"{label} of type multiple needs at least one correct option")


def answer_in_prompt(prompt: str, answers: list[str]) -> str | None:
    """Return the right answer that the prompt itself gives away, if one does.

    An answer counts when its words stand in the prompt as words (ignoring
    case, repeated spaces and the answer's closing punctuation); answers of
    fewer than three letters are left alone, as they match too much by chance.
    """
    text = " ".join(prompt.split()).casefold()
    for answer in answers:
        words = " ".join(answer.split()).casefold().rstrip(".!?;:,")
        if len(words) >= 3 and re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text):
            return answer
    return None


def check_answers_not_given_away(data: LineMap, problems: FileProblems) -> None:
    """Warn about questions whose prompt holds their right answer: they test nothing."""
    for question in _mappings(data.get("questions")):
        prompt, qtype = question.get("prompt"), question.get("type")
        if not isinstance(prompt, str) or qtype == "true_false":
            continue
        if qtype == "short":
            answers = [a for a in question.get("accepted") or () if isinstance(a, str)]
        else:
            answers = [
                o["text"] for o in _mappings(question.get("options"))
                if o.get("correct") is True and isinstance(o.get("text"), str)
            ]
        given = answer_in_prompt(prompt, answers)
        if given is not None:
            problems.warn(
                question.at("prompt"),
                f"question {question.get('id')!r}: the right answer {given!r} is in the "
                "question itself, so the question tests nothing",
            )


def check_sources(sources: Any, problems: FileProblems) -> list[str]:
    """Each source of a lesson (its loaded ``sources`` list) has its own id; return the ids."""
    ids: list[str] = []
    for source in _mappings(sources):
        key = source.get("id")
        if not is_id(key):
            continue
        if key in ids:
            problems.add(source.at("id"), f"source id {key!r} is used twice")
        ids.append(key)
    return ids


def _line_of(block: Token, lines: list[str], needle: str, first_line: int) -> int:
    """The line of ``needle`` in the Markdown block ``block`` (its first line if not found)."""
    if not block.map:
        return first_line
    start, end = block.map
    for offset, text in enumerate(lines[start:end]):
        if needle in text:
            return first_line + start + offset
    return first_line + start


def check_citations(
    source: str, first_line: int, source_ids: list[str] | None, problems: FileProblems
) -> None:
    """Every ``[^id]`` in Markdown names a source of the lesson.

    :param source_ids: the lesson's sources; ``None`` where nothing may be cited
        (a course description).
    """
    lines = source.split("\n")
    for block, label in iter_citations(parse(source)):
        line = _line_of(block, lines, f"[^{label}]", first_line)
        if source_ids is None:
            problems.add(line, f"citation [^{label}]: only lessons have sources to cite")
        elif label not in source_ids:
            problems.add(
                line,
                f"citation [^{label}]: the lesson has no source {label!r} "
                "(add it to 'sources' in the front matter)",
            )


class MarkdownCheck:
    """Checks the links of Markdown that starts on ``first_line`` of a file.

    :param keys: the ids of the course's items (what ``lesson:`` links may name).
    :param slug: the course; ``None`` where ``lesson:`` links are not allowed.
    :param refer: called with each ``course:`` link, to check it exists.
    """

    def __init__(
        self, problems: FileProblems, keys: set[str], slug: str | None,
        refer: Callable[[Reference], None],
    ):
        self.problems, self.keys, self.slug, self.refer = problems, keys, slug, refer

    def check(self, source: str, first_line: int) -> None:
        lines = source.split("\n")
        for start in raw_html_lines(source):
            self.problems.warn(first_line + start, "raw HTML is shown as plain text")
        for block, link in iter_links(parse(source)):
            href = str(link.attrGet("src" if link.type == "image" else "href") or "")
            self._check_link(href, _line_of(block, lines, href, first_line))

    def _check_link(self, href: str, line: int) -> None:
        if not href.startswith((LESSON_SCHEME, COURSE_SCHEME)):
            scheme = href.partition(":")[0].lower() if ":" in href else ""
            if scheme not in ("http", "https", "mailto", ""):
                self.problems.warn(line, f"link {href!r} will be removed (unsupported scheme)")
            return
        scheme, _, target = href.partition(":")
        if not ID_PATTERN.match(target):
            self.problems.add(line, f"link {href!r} has no valid id")
        elif scheme == "lesson":
            if self.slug is None:
                self.problems.add(line, f"link {href!r}: lesson links work only in lessons")
            elif target not in self.keys:
                self.problems.add(line, f"link {href!r}: no lesson or quiz {target!r}")
        else:
            self.refer(Reference(target, self.problems.path, line, f"link {href!r}"))


def unknown_reference(ref: Reference) -> Problem:
    """The problem of a prerequisite or ``course:`` link naming no course."""
    return Problem(ref.path, ref.line, f"{ref.what}: no course {ref.slug!r}")


def check_assignment(data: LineMap, problems: FileProblems) -> None:
    """Criterion and level ids are used once, something can be submitted, archives are meant."""
    seen: set[str] = set()
    for criterion in _mappings(data.get("rubric")):
        key = criterion.get("id")
        if isinstance(key, str) and key:
            if key in seen:
                problems.add(criterion.at("id"), f"criterion id {key!r} is used twice")
            seen.add(key)
        levels: set[str] = set()
        for level in _mappings(criterion.get("levels")):
            level_key = level.get("id")
            if isinstance(level_key, str) and level_key:
                if level_key in levels:
                    problems.add(
                        level.at("id"), f"criterion {key!r}: level id {level_key!r} is used twice"
                    )
                levels.add(level_key)
    submission = data.get("submission")
    if not isinstance(submission, LineMap):
        return
    files = submission.get("files")
    if submission.get("text") is False and not isinstance(files, LineMap):
        problems.add(
            data.at("submission"), "an assignment takes a text answer, files, or both"
        )
    if isinstance(files, LineMap):
        types = files.get("types")
        if isinstance(types, LineList) and "zip" in types and files.get("archives") is not True:
            problems.add(
                files.at("types"),
                "zip is an archive: allow it with 'archives: true' (archives can hide anything)",
            )
