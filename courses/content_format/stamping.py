"""Stamping translation files with the hash of the original they match.

Translators do not compute hashes: :func:`stamp` writes the ``source:`` line
of a language's files (``flask courses translations stamp SLUG LANG``).
Stamping says "this translation matches the original as it is now", so by
default only files without a ``source`` are stamped; a file is restamped
only when named.
"""

from __future__ import annotations

import re
from pathlib import Path

from .layout import COURSE_FILE, FRONT_MATTER, TRANSLATIONS_DIR
from .model import CourseSource
from .problems import ContentProblems, Problem
from .reading import read_course
from .translations import TRANSLATED_KINDS, original_hashes, translation_files
from .writing import dump_yaml

_SOURCE_LINE = re.compile(r"^source:.*\n", re.MULTILINE)


def _original_key(rel: str) -> tuple[str, str] | None:
    """``(kind, key)`` of the original a translation file (relative to its language) translates."""
    if rel == COURSE_FILE:
        return "course", ""
    for kind in TRANSLATED_KINDS.values():
        folder, _, name = rel.partition("/")
        if folder == kind.folder and name.endswith(kind.suffix) and "/" not in name:
            return kind.name, name.removesuffix(kind.suffix)
    return None


def _stamped(text: str, line: str, lesson: bool) -> str:
    """``text`` with ``line`` as its ``source:`` line (replaced, or put first)."""
    start = len(FRONT_MATTER) if lesson and text.startswith(FRONT_MATTER) else 0
    head, body = text[:start], text[start:]
    if lesson and start:
        front, sep, rest = body.partition(FRONT_MATTER)
        if _SOURCE_LINE.search(front):
            return head + _SOURCE_LINE.sub(line, front, count=1) + sep + rest
        return head + line + body
    first = _SOURCE_LINE.match(body)
    if first or _SOURCE_LINE.search(body):
        return head + _SOURCE_LINE.sub(line, body, count=1)
    return head + line + body


def has_source(text: str) -> bool:
    """Whether a translation file has a non-empty ``source:`` line."""
    match = _SOURCE_LINE.search(text)
    return bool(match and match.group(0)[len("source:"):].strip() not in ("", "''", '""'))


def stamp(folder: str | Path, language: str, files: list[str] | None = None) -> list[str]:
    """Write the ``source:`` line of translation files of ``language`` in a course folder.

    :param files: the files to (re)stamp, relative to ``translations/<language>/``;
        ``None``: every file of the language that has no ``source`` yet.
    :return: the files stamped, each as ``rel source``.
    :raises ContentProblems: the original does not read, or a named file is no
        translation of anything in it.
    """
    folder = Path(folder)
    course: CourseSource = read_course(folder, course_exists=lambda _slug: True,
                                       translations=False)
    hashes = original_hashes(course)
    root = folder / TRANSLATIONS_DIR / language
    present = translation_files(folder).get(language, [])
    names = present if files is None else files
    problems, stamped = [], []
    for rel in names:
        path, key = root / rel, _original_key(rel)
        where = f"{folder.name}/{TRANSLATIONS_DIR}/{language}/{rel}"
        if key is None or key not in hashes or not path.is_file():
            problems.append(Problem(where, None, "not a translation of a file of the course"))
            continue
        text = path.read_text(encoding="utf-8")
        if files is None and has_source(text):
            continue
        line = dump_yaml({"source": hashes[key]})
        new = _stamped(text, line, lesson=key[0] == "lesson")
        if new != text:
            path.write_text(new, encoding="utf-8", newline="\n")
        stamped.append(f"{rel} {hashes[key]}")
    if problems:
        raise ContentProblems(problems)
    return stamped
