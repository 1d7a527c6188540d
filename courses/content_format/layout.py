"""Where things are in a course folder, and what their ids look like.

A course folder holds ``course.yaml`` and one file per item, in a folder per
kind of item. :data:`ITEM_KINDS` is the list of those kinds: a new kind of
course item (an assignment, say) adds its :class:`ItemKind` here, a reader in
``reading`` and a writer in ``writing``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..markdown import ID_PATTERN

COURSE_FILE = "course.yaml"
LESSON_DIR = "lessons"
QUIZ_DIR = "quizzes"
ASSIGNMENT_DIR = "assignments"
#: The folder of a course's translations: ``translations/<lang>/`` mirrors the course folder.
TRANSLATIONS_DIR = "translations"
ID_MAX = 80
#: Course slugs that would clash with the plugin's own pages under /courses/.
RESERVED_SLUGS = frozenset(
    {"assignments", "author", "cohorts", "discuss", "my", "new", "static"}
)
#: The line that opens and closes a lesson's front matter.
FRONT_MATTER = "---\n"
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class ItemKind:
    """A kind of course item: ``course.yaml`` names it as ``<name>: <id>``.

    :param name: the kind, as in ``course.yaml`` and ``ItemSource.kind``.
    :param folder: the folder of its files.
    :param suffix: the suffix of its files; the file name without it is the id.
    """

    name: str
    folder: str
    suffix: str

    def rel(self, key: str) -> str:
        """The file of item ``key``, relative to the course folder."""
        return f"{self.folder}/{key}{self.suffix}"


LESSON = ItemKind("lesson", LESSON_DIR, ".md")
QUIZ = ItemKind("quiz", QUIZ_DIR, ".yaml")
ASSIGNMENT = ItemKind("assignment", ASSIGNMENT_DIR, ".yaml")
ITEM_KINDS: dict[str, ItemKind] = {kind.name: kind for kind in (LESSON, QUIZ, ASSIGNMENT)}


def is_id(value: object) -> bool:
    """Tell whether ``value`` is a valid id (slug, module, item, question or option id)."""
    return isinstance(value, str) and len(value) <= ID_MAX and bool(ID_PATTERN.match(value))


def folder_layout() -> str:
    """Say, for messages, which files a course folder holds."""
    parts = [COURSE_FILE, *(f"{kind.folder}/<id>{kind.suffix}" for kind in ITEM_KINDS.values())]
    return f"{', '.join(parts[:-1])} and {parts[-1]}"
