"""Writing a :class:`CourseSource` as a folder in the canonical form.

The canonical form is what PyYAML's ``safe_dump`` writes with keys in the
documented order, block style, multi-line strings as ``|`` blocks and lines
folded near column 80; lesson bodies are written back exactly as read. A
folder written in that form survives a read and a write byte for byte.
Each kind of item has a writer in :data:`ITEM_WRITERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .layout import COURSE_FILE, FRONT_MATTER, ITEM_KINDS, TRANSLATIONS_DIR
from .model import CourseSource, ItemSource, ItemTranslation, SourceEntry, Translation


class _CanonicalDumper(yaml.SafeDumper):
    """``safe_dump`` with multi-line strings as ``|`` literal blocks, and no aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        # The same date object used twice (a lesson reviewed on the day its sources
        # were read) must be written twice, not as an &anchor and a *reference.
        return True


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
    front: dict[str, Any] = {
        "title": lesson.title,
        "estimated_minutes": lesson.estimated_minutes or 0,
        "required": lesson.required,
    }
    if lesson.reviewed is not None:
        front["reviewed"] = lesson.reviewed
    if lesson.review_every is not None:
        front["review_every"] = lesson.review_every
    if lesson.sources:
        front["sources"] = sources_data(lesson.sources)
    return f"{FRONT_MATTER}{dump_yaml(front)}{FRONT_MATTER}{lesson.body}"


def sources_data(
    sources: list[SourceEntry], *, dates_as_text: bool = False
) -> list[dict[str, Any]]:
    """A lesson's sources as plain data, in the canonical order of keys (empty ones left out).

    :param dates_as_text: write ``accessed`` as ISO text (for JSON) rather than a date
        (which YAML writes unquoted).
    """
    data = []
    for source in sources:
        entry: dict[str, Any] = {"id": source.key, "title": source.title}
        for key in ("publisher", "year", "url", "accessed"):
            value = getattr(source, key)
            if value in ("", None):
                continue
            entry[key] = value.isoformat() if dates_as_text and key == "accessed" else value
        data.append(entry)
    return data


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


def assignment_yaml(assignment: ItemSource) -> str:
    """Return the canonical text of an assignment file."""
    spec = assignment.assignment or {}
    data: dict[str, Any] = {
        "title": assignment.title,
        "estimated_minutes": assignment.estimated_minutes or 0,
        "required": assignment.required,
    }
    if spec.get("due_after_days") is not None:
        data["due_after_days"] = spec["due_after_days"]
    data["prompt"] = assignment.body
    submission: dict[str, Any] = {"text": bool(spec.get("text", True))}
    files = spec.get("files")
    if files:
        submission["files"] = {
            "types": list(files["types"]),
            "max_kb": files["max_kb"],
            "max_count": files.get("max_count", 1),
            "archives": bool(files.get("archives")),
        }
    data["submission"] = submission
    data["rubric"] = [
        {
            "id": criterion["id"],
            "title": criterion["title"],
            "levels": [
                {"id": lv["id"], "title": lv["title"], "points": lv["points"],
                 **({"description": lv["description"]} if lv.get("description") else {})}
                for lv in criterion["levels"]
            ],
        }
        for criterion in spec.get("rubric", ())
    ]
    return dump_yaml(data)


#: kind -> the writer of its files (see ``layout.ITEM_KINDS``).
ITEM_WRITERS: dict[str, Callable[[ItemSource], str]] = {
    "lesson": lesson_text, "quiz": quiz_yaml, "assignment": assignment_yaml,
}


def translated_course_yaml(translation: Translation) -> str:
    """Return the canonical text of ``translations/<lang>/course.yaml``."""
    text = translation.course
    assert text is not None
    data: dict[str, Any] = {"source": text.source, "title": text.title, "summary": text.summary}
    if text.description is not None:
        data["description"] = text.description
    if text.outcomes is not None:
        data["outcomes"] = list(text.outcomes)
    if text.modules:
        data["modules"] = dict(text.modules)
    return dump_yaml(data)


def translated_item_text(item: ItemTranslation) -> str:
    """Return the canonical text of a translated lesson or quiz."""
    if item.kind == "lesson":
        front = dump_yaml({"source": item.source, "title": item.title})
        return f"{FRONT_MATTER}{front}{FRONT_MATTER}{item.body}"
    questions = []
    for question in item.questions:
        data: dict[str, Any] = {"id": question.key, "prompt": question.prompt}
        if question.options:
            data["options"] = [
                {"id": o.key, "text": o.text, "feedback": o.feedback} for o in question.options
            ]
        else:
            data["accepted"] = list(question.accepted)
        data["explanation"] = question.explanation
        questions.append(data)
    return dump_yaml({"source": item.source, "title": item.title, "questions": questions})


def translation_files(translation: Translation) -> dict[str, str]:
    """Return the files of one language, relative to the course folder."""
    root = f"{TRANSLATIONS_DIR}/{translation.language}"
    files = {}
    if translation.course is not None:
        files[f"{root}/{COURSE_FILE}"] = translated_course_yaml(translation)
    for item in translation.items:
        files[f"{root}/{ITEM_KINDS[item.kind].rel(item.key)}"] = translated_item_text(item)
    return files


def course_files(course: CourseSource) -> dict[str, str]:
    """Return every file of the course's canonical folder: relative path -> text."""
    files = {COURSE_FILE: course_yaml(course)}
    for item in course.items():
        files[ITEM_KINDS[item.kind].rel(item.key)] = ITEM_WRITERS[item.kind](item)
    for translation in course.translations:
        files.update(translation_files(translation))
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
