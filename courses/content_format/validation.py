"""Check loaded YAML against a schema and report each error with its line.

jsonschema finds what is wrong and where in the data (``error.absolute_path``);
the loaded data knows the line of every key and entry (``yamlfile.LineMap``),
so each error becomes ``file:line: message``. The messages speak of the
thing the author wrote (``question 'pick-one': prompt must not be empty``),
named by the annotations the schemas carry (see ``schemas``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from .problems import FileProblems, kind_of, names
from .yamlfile import LineList, LineMap

# YAML's 1.0 is not a whole number of minutes; JSON Schema would call it an integer.
_TYPES = Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _checker, value: isinstance(value, int) and not isinstance(value, bool)
)
_Validator = validators.extend(Draft202012Validator, type_checker=_TYPES)

TYPE_MESSAGES = {
    "string": "{label} must be text (got {kind})",
    "boolean": "{label} must be true or false (got {kind})",
    "integer": "{label} must be a whole number (got {kind})",
    "number": "{label} must be a number (got {kind})",
    "array": "{label} must be a list",
    "object": "{label} must be a mapping of keys to values",
}
MESSAGES = {
    "required": "{label} is missing {missing}",
    "additionalProperties": "{label} has an unknown key {key!r}",
    "enum": "{label} must be one of {enum}",
    "minimum": "{label} must be {bounds} (got {value})",
    "maximum": "{label} must be {bounds} (got {value})",
    "maxLength": "{label} is longer than {limit} characters",
    "minItems": "{label} needs at least {limit} entries (found {count})",
    "maxItems": "{label} has at most {limit} entries (found {count})",
    "format": "{label} must be a date written as YYYY-MM-DD (got {value!r})",
}


_validators: dict[int, Draft202012Validator] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    # Schemas are module constants: build each validator once.
    validator = _validators.get(id(schema))
    if validator is None or validator.schema is not schema:
        validator = _Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        _validators[id(schema)] = validator
    return validator


def check_schema(schema: dict[str, Any], data: Any, problems: FileProblems, line: int) -> bool:
    """Add a problem for each way ``data`` breaks ``schema``.

    :param line: where the document starts (for a document that is not a mapping).
    :return: whether ``data`` is valid.
    """
    validator = _validator(schema)
    found: list[tuple[int, str]] = []
    missing: dict[tuple, tuple[_Where, list[str]]] = {}
    for error in validator.iter_errors(data):
        where = _Where(schema, data, error, line)
        if error.validator == "required" and "required" not in where.custom:
            # jsonschema reports each missing key alone (and once per branch of a
            # schema that requires it): say them together, once.
            _first, keys = missing.setdefault(tuple(error.absolute_path), (where, []))
            keys.extend(k for k in error.validator_value if k not in where.value and k not in keys)
            continue
        found.extend(where.messages())
    for where, keys in missing.values():
        message = MESSAGES["required"].format(label=where.subject, missing=names(keys))
        found.append((where.line, _join(where.prefix, message)))
    seen = set()
    for at, message in sorted(found, key=lambda p: p[0]):
        if (at, message) not in seen:
            seen.add((at, message))
            problems.add(at, message)
    return not found


class _Where:
    """One error, with the schemas and values met on the way to it."""

    def __init__(self, schema: dict, data: Any, error: ValidationError, start: int):
        self.root, self.error = schema, error
        self.path = list(error.absolute_path)
        self.values = [data]
        for key in self.path:
            self.values.append(self.values[-1][key])
        self.levels = self._levels()
        self.value = self.values[-1]
        self.line = self._line(start)
        self.custom = self._first("errorMessage", {})

    def _resolve(self, ref: str) -> dict:
        node: Any = self.root
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def _levels(self) -> list[list[dict]]:
        """The schemas met at each depth of the data, from the root to the error."""
        node: Any = self.root
        levels: list[list[dict]] = [[node]]
        segments = list(self.error.absolute_schema_path)[:-1]
        index = 0
        while index < len(segments):
            segment = segments[index]
            while isinstance(node, dict) and segment not in node and "$ref" in node:
                node = self._resolve(node["$ref"])
                levels[-1].append(node)
            if segment in ("properties", "patternProperties"):
                node = node[segment][segments[index + 1]]
                levels.append([node])
                index += 2
                continue
            node = node[segment]
            if segment in ("items", "additionalProperties"):
                levels.append([node])
            elif isinstance(node, dict):
                levels[-1].append(node)
            index += 1
        while isinstance(node, dict) and self.error.validator not in node and "$ref" in node:
            node = self._resolve(node["$ref"])
            levels[-1].append(node)
        # Should the walk and the data disagree, name things by the data alone.
        while len(levels) < len(self.values):
            levels.append([])
        return levels[: len(self.values)]

    def _first(self, annotation: str, default: Any = None, depth: int = -1) -> Any:
        for node in self.levels[depth]:
            if isinstance(node, dict) and annotation in node:
                return node[annotation]
        return default

    def _name(self, depth: int) -> str | None:
        """The ``x-name`` of the mapping at ``depth``, when it has one and its id is text."""
        template, value = self._first("x-name", None, depth), self.values[depth]
        if template is None or not isinstance(value, dict) or not isinstance(value.get("id"), str):
            return None
        return template.format(**value)

    @property
    def label(self) -> str:
        """What the value in error is called."""
        title = self._first("title")
        if title:
            return title
        key = self.path[-1] if self.path else None
        return key if isinstance(key, str) else "an entry"

    @property
    def subject(self) -> str:
        """What a mapping in error is called: its name, else its title."""
        return self._name(len(self.values) - 1) or self.label

    @property
    def prefix(self) -> str:
        """The names of the mappings holding the value (not a name's own ``id``)."""
        names_ = []
        for depth in range(len(self.values) - 1):
            own_id = depth == len(self.values) - 2 and self.path[-1] == "id"
            name = None if own_id else self._name(depth)
            if name:
                names_.append(name)
        return ": ".join(names_)

    def _line(self, start: int) -> int:
        value = self.values[-1]
        if isinstance(value, LineMap | LineList):
            return value.line
        if len(self.values) >= 2:
            parent, key = self.values[-2], self.path[-1]
            if isinstance(parent, LineMap):
                return parent.at(key)
            if isinstance(parent, LineList):
                return parent.item_lines[key]
        return start

    def messages(self) -> Iterator[tuple[int, str]]:
        validator, prefix = self.error.validator, self.prefix
        template = self.custom.get(validator)
        if validator == "additionalProperties" and template is None:
            allowed = self.error.schema.get("properties", {})
            for key in self.value:
                if key not in allowed:
                    message = MESSAGES[validator].format(label=self.subject, key=key)
                    yield self.value.at(key), _join(prefix, message)
            return
        if template is None:
            template = self._default_template()
        yield self.line, _join(prefix, template.format(**self.message_fields()))

    def _default_template(self) -> str:
        validator = self.error.validator
        if validator == "type":
            expected = self.error.validator_value
            if isinstance(expected, list):
                expected = next(t for t in expected if t != "null")
            return TYPE_MESSAGES.get(expected, "{label} has the wrong type (got {kind})")
        return MESSAGES.get(validator, "{label}: " + self.error.message.replace("{", "{{")
                            .replace("}", "}}"))

    def message_fields(self) -> dict[str, Any]:
        """The fields a message template may use (``errorMessage`` in the schemas)."""
        schema, value = self.error.schema, self.value
        low, high = schema.get("minimum"), schema.get("maximum")
        return {
            "label": self.subject if isinstance(value, dict) else self.label,
            "value": value,
            "kind": kind_of(value),
            "quote_hint": " (put it in quotes)" if isinstance(value, bool | int | float) else "",
            "count": len(value) if isinstance(value, list | dict | str) else 0,
            "limit": self.error.validator_value,
            "enum": names(schema.get("enum", ())),
            "bounds": f"from {low} to {high}" if high is not None else f"at least {low}",
        }


def _join(prefix: str, message: str) -> str:
    return f"{prefix}: {message}" if prefix else message
