"""Reading content files: plain UTF-8 text, and YAML that remembers its line numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from .problems import FileProblems


class LineMap(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int
    key_lines: dict[str, int]

    def at(self, key: str) -> int:
        """The line of ``key``, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A YAML sequence that remembers its line and the line of each entry."""

    line: int
    item_lines: list[int]


class YAMLProblem(Exception):
    """The text is not YAML the format accepts; ``line`` is 1-based or ``None``."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def load_yaml(text: str, offset: int = 0) -> Any:
    """Load one YAML document keeping line numbers (``offset`` lines precede it).

    Mappings become :class:`LineMap`, sequences :class:`LineList`. Dates
    (``2026-01-31``) become their ISO text, so a schema checks them as text
    with the ``date`` format. Keys must be text and appear once per mapping.

    :raises YAMLProblem: the text is not valid YAML, is empty, or breaks one
        of those rules.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = None if mark is None else mark.line + 1 + offset
        raise YAMLProblem(line, f"not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise YAMLProblem(None, f"not valid YAML: {exc}") from None
    if node is None:
        raise YAMLProblem(1 + offset, "the YAML document is empty")
    return _convert(node, yaml.constructor.SafeConstructor(), offset)


def _convert(node: yaml.Node, constructor: yaml.constructor.SafeConstructor, offset: int) -> Any:
    line = node.start_mark.line + 1 + offset
    if isinstance(node, yaml.MappingNode):
        mapping = LineMap()
        mapping.line, mapping.key_lines = line, {}
        for key_node, value_node in node.value:
            key = _convert(key_node, constructor, offset)
            key_line = key_node.start_mark.line + 1 + offset
            if not isinstance(key, str):
                raise YAMLProblem(key_line, f"key {key!r} is not text")
            if key in mapping:
                raise YAMLProblem(key_line, f"key {key!r} appears twice in the same mapping")
            mapping[key] = _convert(value_node, constructor, offset)
            mapping.key_lines[key] = key_line
        return mapping
    if isinstance(node, yaml.SequenceNode):
        sequence = LineList(_convert(n, constructor, offset) for n in node.value)
        sequence.line = line
        sequence.item_lines = [n.start_mark.line + 1 + offset for n in node.value]
        return sequence
    try:
        value = constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        raise YAMLProblem(line, f"not valid YAML: {exc}") from None
    except ValueError as exc:  # what looks like a date but is none: 2026-13-01
        raise YAMLProblem(line, f"not a valid date: {exc}") from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def read_text(path: Path, problems: FileProblems) -> str | None:
    """Read a content file: UTF-8 without byte order mark, LF line endings, one final newline.

    :return: the text, or ``None`` after adding what is wrong to ``problems``.
    """
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(data[: exc.start].count(b"\n") + 1, "is not valid UTF-8")
        return None
    ok = True
    if text.startswith("\ufeff"):
        problems.add(1, "starts with a byte order mark; save it as plain UTF-8")
        ok = False
    if "\r" in text:
        line = text[: text.index("\r")].count("\n") + 1
        problems.add(line, "has Windows or old Mac line endings; use LF only")
        ok = False
    if not text.endswith("\n"):
        problems.add(text.count("\n") + 1, "must end with a newline")
        ok = False
    elif text.endswith("\n\n") or text.strip() == "":
        problems.add(text.count("\n"), "must end with exactly one newline")
        ok = False
    return text if ok else None
