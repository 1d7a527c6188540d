"""What is wrong with a course folder, with its file and line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


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


class FileProblems:
    """The problems (and warnings) of one file: ``add(line, message)``, ``warn(line, message)``.

    :param problems: where problems go (a folder's list, shared by its files).
    :param path: the file, as :attr:`Problem.path` gives it.
    :param warnings: where warnings go: things that import but are probably
        not what the author meant.
    """

    def __init__(self, problems: list[Problem], path: str, warnings: list[Problem] | None = None):
        self.problems, self.path = problems, path
        self.warnings = [] if warnings is None else warnings

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Problem(self.path, line, message))


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Order problems by file, then line (a file's own problems, without a line, first).

    The sort is stable: problems on one line keep the order they were found in.
    """
    return sorted(problems, key=lambda p: (p.path, p.line or 0))


def kind_of(value: Any) -> str:
    """Describe what a YAML value is, for messages: ``got the number 5``."""
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


def names(keys: Iterable[str]) -> str:
    """``'a', 'b'``: keys or values quoted and joined, for messages."""
    return ", ".join(repr(k) for k in keys)
