"""A small, valid course folder in canonical form, for content and import tests."""

from __future__ import annotations

from pathlib import Path

COURSE_YAML = """\
slug: {slug}
title: Demo course
summary: A small course for the test suite.
description: |
  A description with a [link](https://example.org).

  Second paragraph.
outcomes:
- Do one thing.
- Do another thing, with “curly quotes” and an é.
topic: testing
level: introductory
language: en
estimated_hours: 1.5
prerequisites: {prerequisites}
modules:
- id: first
  title: First module
  items:
  - lesson: intro
  - lesson: second
  - quiz: check
- id: last
  title: Last module
  items:
  - lesson: further-reading
"""

INTRO = """\
---
title: 'Intro: the start'
estimated_minutes: 10
required: true
---
# Hello

Read [the second lesson](lesson:second) next.
"""

SECOND = """\
---
title: Second
estimated_minutes: 5
required: false
---
A table:

| a | b |
| - | - |
| 1 | 2 |
"""

FURTHER = """\
---
title: Further reading
estimated_minutes: 5
required: true
---
- [The ICA](https://ica.coop/)
"""

CHECK = """\
title: Check
pass_mark: 50
max_attempts: 0
required: true
questions:
- id: pick-one
  type: single
  prompt: Pick one.
  options:
  - id: a
    text: A
    correct: true
    feedback: Yes.
  - id: b
    text: B
    correct: false
    feedback: No.
  explanation: A is right.
- id: pick-some
  type: multiple
  prompt: Pick some.
  options:
  - id: a
    text: A
    correct: true
    feedback: Yes.
  - id: b
    text: B
    correct: true
    feedback: Yes.
  - id: c
    text: C
    correct: false
    feedback: No.
  explanation: |
    A and B.

    Not C.
- id: is-it
  type: true_false
  prompt: Is it?
  options:
  - id: 'true'
    text: 'True'
    correct: true
    feedback: Right.
  - id: 'false'
    text: 'False'
    correct: false
    feedback: Wrong.
  explanation: It is.
- id: name-it
  type: short
  prompt: Name it.
  accepted:
  - Rochdale
  explanation: Rochdale.
"""


def course_files(slug: str = "demo-course", prerequisites: str = "[]") -> dict[str, str]:
    """Return a valid course folder as relative path -> text."""
    return {
        "course.yaml": COURSE_YAML.format(slug=slug, prerequisites=prerequisites),
        "lessons/intro.md": INTRO,
        "lessons/second.md": SECOND,
        "lessons/further-reading.md": FURTHER,
        "quizzes/check.yaml": CHECK,
    }


def write_files(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` under ``folder`` (bytes as given, text as UTF-8) and return it."""
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


def course_folder(
    parent: Path,
    slug: str = "demo-course",
    changes: dict[str, str | bytes | None] | None = None,
    prerequisites: str = "[]",
) -> Path:
    """Write the course folder ``parent/slug``; ``changes`` replace files (None drops one)."""
    files: dict[str, str | bytes] = dict(course_files(slug, prerequisites))
    for rel, content in (changes or {}).items():
        if content is None:
            files.pop(rel, None)
        else:
            files[rel] = content
    return write_files(parent / slug, files)
