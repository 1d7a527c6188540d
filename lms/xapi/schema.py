"""The shape of an xAPI 1.0.3 statement (IEEE 9274.1.1), as far as this site writes them.

A JSON Schema (2020-12) of the specification's rules for what the site sends:
an Agent identified by exactly one inverse functional identifier, a verb and
activity ids that are IRIs, language maps, a scaled score in [-1, 1] with
raw between min and max, ISO 8601 timestamps, a UUID id. Every statement is
checked before it is queued, so a malformed one fails where it is made.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

IRI = {"type": "string", "format": "iri", "pattern": "^[a-zA-Z][a-zA-Z0-9+.-]*:"}
#: A language map's key: an RFC 5646 language tag's shape.
LANGUAGE_TAG = "^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"
LANGUAGE_MAP = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"pattern": LANGUAGE_TAG},
    "additionalProperties": {"type": "string"},
}
AGENT = {
    "type": "object",
    "properties": {
        "objectType": {"const": "Agent"},
        "name": {"type": "string"},
        "mbox": {"type": "string", "pattern": "^mailto:"},
        "mbox_sha1sum": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
        "openid": IRI,
        "account": {
            "type": "object",
            "required": ["homePage", "name"],
            "properties": {"homePage": IRI, "name": {"type": "string", "minLength": 1}},
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
    # Exactly one inverse functional identifier.
    "oneOf": [{"required": [k]} for k in ("mbox", "mbox_sha1sum", "openid", "account")],
}
ACTIVITY = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "objectType": {"const": "Activity"},
        "id": IRI,
        "definition": {
            "type": "object",
            "properties": {"type": IRI, "name": LANGUAGE_MAP, "description": LANGUAGE_MAP},
        },
    },
    "additionalProperties": False,
}
EXTENSIONS = {"type": "object", "propertyNames": {"pattern": "^[a-zA-Z][a-zA-Z0-9+.-]*:"}}
STATEMENT: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "actor", "verb", "object", "timestamp"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "actor": AGENT,
        "verb": {
            "type": "object",
            "required": ["id"],
            "properties": {"id": IRI, "display": LANGUAGE_MAP},
            "additionalProperties": False,
        },
        "object": ACTIVITY,
        "result": {
            "type": "object",
            "properties": {
                "score": {
                    "type": "object",
                    "properties": {
                        "scaled": {"type": "number", "minimum": -1, "maximum": 1},
                        "raw": {"type": "number"},
                        "min": {"type": "number"},
                        "max": {"type": "number"},
                    },
                    "additionalProperties": False,
                },
                "success": {"type": "boolean"},
                "completion": {"type": "boolean"},
                "duration": {"type": "string"},
                "extensions": EXTENSIONS,
            },
            "additionalProperties": False,
        },
        "context": {
            "type": "object",
            "properties": {
                "registration": {"type": "string", "format": "uuid"},
                "platform": {"type": "string"},
                "revision": {"type": "string"},
                "language": {"type": "string"},
                "contextActivities": {
                    "type": "object",
                    "propertyNames": {"enum": ["parent", "grouping", "category", "other"]},
                    "additionalProperties": {"type": "array", "items": ACTIVITY},
                },
                "extensions": EXTENSIONS,
            },
            "additionalProperties": False,
        },
        "timestamp": {
            "type": "string",
            "format": "date-time",
            "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$",
        },
        "version": {"type": "string", "pattern": r"^1\.0(\.\d+)?$"},
    },
    "additionalProperties": False,
}


class StatementError(ValueError):
    """A statement does not have the xAPI shape; the message lists what is wrong."""


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(STATEMENT, format_checker=FormatChecker())


def check(statement: dict[str, Any]) -> dict[str, Any]:
    """Return ``statement`` if it has the xAPI 1.0.3 shape.

    :raises StatementError: it does not (every problem, with its path).
    """
    problems = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(statement)'}: {e.message}"
        for e in _validator().iter_errors(statement)
    ]
    if problems:
        raise StatementError("; ".join(sorted(problems)))
    return statement
