"""A Polish translation of the demo course (``content_helpers``), in canonical form."""

from __future__ import annotations

from courses.content_format import source_hash

from .content_helpers import CHECK, INTRO, course_files

COURSE_PL = """\
source: {source}
title: Kurs demonstracyjny
summary: Mały kurs dla testów.
description: |
  Opis z [linkiem](https://example.org).

  Drugi akapit.
outcomes:
- Zrobić jedną rzecz.
- Zrobić drugą rzecz, z „cudzysłowem” i ą.
modules:
  first: Pierwszy moduł
  last: Ostatni moduł
"""

INTRO_PL = """\
---
source: {source}
title: 'Wstęp: początek'
---
# Cześć

Przeczytaj potem [drugą lekcję](lesson:second).
"""

CHECK_PL = """\
source: {source}
title: Sprawdzian
questions:
- id: pick-one
  prompt: Wybierz jedną.
  options:
  - id: a
    text: A
    feedback: Tak.
  - id: b
    text: B
    feedback: Nie.
  explanation: A jest dobra.
- id: pick-some
  prompt: Wybierz kilka.
  options:
  - id: a
    text: A
    feedback: Tak.
  - id: b
    text: B
    feedback: Tak.
  - id: c
    text: C
    feedback: Nie.
  explanation: |
    A i B.

    Nie C.
- id: is-it
  prompt: Czy tak jest?
  options:
  - id: 'true'
    text: Prawda
    feedback: Dobrze.
  - id: 'false'
    text: Fałsz
    feedback: Źle.
  explanation: Tak jest.
- id: name-it
  prompt: Nazwij to.
  accepted:
  - Rochdale
  - Rochdalu
  explanation: Rochdale.
"""


def polish_files(slug: str = "demo-course", root: str = "translations/pl") -> dict[str, str]:
    """The Polish translation files, each stamped with its original's hash."""
    originals = course_files(slug)
    return {
        f"{root}/course.yaml": COURSE_PL.format(source=source_hash(originals["course.yaml"])),
        f"{root}/lessons/intro.md": INTRO_PL.format(source=source_hash(INTRO)),
        f"{root}/quizzes/check.yaml": CHECK_PL.format(source=source_hash(CHECK)),
    }
