"""The shape of each content file, as JSON Schema (draft 2020-12).

jsonschema checks these; ``validation`` turns its errors into the messages an
import prints (``file:line: message``). Besides the standard keywords, a
schema may carry three annotations that only the messages use:

``title``
    what a value is called in messages (``"option text"``); without it, its key.
``x-name``
    for a mapping with an ``id``: how to name it (``"question {id!r}"``); the
    name then prefixes the messages about what it holds
    (``question 'pick-one': prompt must not be empty``).
``errorMessage``
    keyword -> a message template replacing the default for that keyword (the
    fields are those of ``validation.message_fields``).

What a schema cannot say (ids used twice, the right number of correct
options, links and files that must exist) is checked in ``checking``.
"""

from __future__ import annotations

from typing import Any

from ..assignments.spec import FILE_TYPES as ASSIGNMENT_FILE_TYPES
from ..assignments.spec import MAX_KB as ASSIGNMENT_MAX_KB
from ..markdown import ID_PATTERN
from ..models import LEVELS, QUESTION_TYPES
from .layout import ID_MAX, ITEM_KINDS, LANGUAGE_PATTERN

DIALECT = "https://json-schema.org/draft/2020-12/schema"
NOT_A_MAPPING = "the file must be a mapping of keys to values"
INVALID_ID = (
    "{label} {value!r} is not a valid id (lower-case letters, digits and single hyphens, "
    f"at most {ID_MAX} characters)"
)
CHOICE_TYPES = [t for t in QUESTION_TYPES if t != "short"]

DEFS: dict[str, Any] = {
    "id": {
        "type": "string",
        "pattern": ID_PATTERN.pattern,
        "maxLength": ID_MAX,
        "errorMessage": {
            "type": "{label} must be text{quote_hint} (got {kind})",
            "pattern": INVALID_ID,
            "maxLength": INVALID_ID,
        },
    },
    # Text that must say something (not only spaces).
    "text": {
        "type": "string",
        "pattern": r"\S",
        "errorMessage": {"pattern": "{label} must not be empty"},
    },
    "whole-number": {"type": "integer", "minimum": 0},
    # YAML dates (2026-01-31) arrive as their ISO text (see yamlfile.load_yaml).
    "date": {
        "type": "string",
        "format": "date",
        "errorMessage": {
            "type": "{label} must be a date written as YYYY-MM-DD (got {kind})",
            "format": "{label} must be a date written as YYYY-MM-DD (got {value!r})",
        },
    },
}


def _ref(name: str, **extra: Any) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}", **extra}


def _document(schema: dict[str, Any]) -> dict[str, Any]:
    """A whole file's schema: a mapping, with the shared definitions."""
    return {
        "$schema": DIALECT,
        "type": "object",
        "additionalProperties": False,
        **schema,
        "errorMessage": {"type": NOT_A_MAPPING, **schema.get("errorMessage", {})},
        "$defs": {**DEFS, **schema.get("$defs", {})},
    }


ITEM_REF_MESSAGE = "an item is either " + " or ".join(
    f"'{kind}: <{kind}-id>'" for kind in ITEM_KINDS
)

COURSE = _document(
    {
        "title": "the course",
        "required": [
            "slug", "title", "summary", "description", "outcomes", "topic", "level",
            "language", "estimated_hours", "prerequisites", "modules",
        ],
        "properties": {
            "slug": _ref("id", title="slug"),
            "title": _ref("text", maxLength=200),
            "summary": _ref("text", maxLength=500),
            "description": {"type": "string"},
            "outcomes": {
                "type": "array",
                "minItems": 1,
                "maxItems": 12,
                "items": {
                    "type": "string",
                    "pattern": r"\S",
                    "errorMessage": {
                        "type": "each outcome must be non-empty text",
                        "pattern": "each outcome must be non-empty text",
                    },
                },
                "errorMessage": {
                    "minItems": "a course has 1 to 12 outcomes (found {count})",
                    "maxItems": "a course has 1 to 12 outcomes (found {count})",
                },
            },
            "topic": _ref("text", maxLength=80),
            "level": {"enum": list(LEVELS)},
            "language": {
                "type": "string",
                "maxLength": 16,
                "pattern": LANGUAGE_PATTERN.pattern,
                "errorMessage": {"pattern": "{label} {value!r} is not a language tag"},
            },
            "estimated_hours": {
                "type": "number",
                "minimum": 0,
                "errorMessage": {
                    "type": "estimated_hours must be a number, 0 or more",
                    "minimum": "estimated_hours must be a number, 0 or more",
                },
            },
            "prerequisites": {"type": "array", "items": _ref("id", title="prerequisite")},
            "modules": {
                "type": "array",
                "minItems": 1,
                "items": _ref("module"),
                "errorMessage": {"minItems": "a course needs at least one module"},
            },
        },
        "$defs": {
            "module": {
                "title": "a module",
                "type": "object",
                "required": ["id", "title", "items"],
                "additionalProperties": False,
                "properties": {
                    "id": _ref("id", title="module id"),
                    "title": _ref("text", maxLength=200),
                    "opens_after_days": {"type": ["integer", "null"], "minimum": 0,
                                         "maximum": 3650},
                    "items": {"type": "array", "items": _ref("item")},
                },
            },
            "item": {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "additionalProperties": False,
                "properties": {kind: _ref("id", title=f"{kind} id") for kind in ITEM_KINDS},
                "errorMessage": dict.fromkeys(
                    ("type", "minProperties", "maxProperties", "additionalProperties"),
                    ITEM_REF_MESSAGE,
                ),
            },
        },
    }
)

#: The longest a lesson may go between reviews, in months.
REVIEW_EVERY_MAX = 60

SOURCE = {
    "title": "a source",
    "x-name": "source {id!r}",
    "type": "object",
    "required": ["id", "title"],
    "additionalProperties": False,
    "properties": {
        "id": _ref("id", title="source id"),
        "title": _ref("text", maxLength=300),
        "publisher": _ref("text", maxLength=200),
        "year": {"type": "integer", "minimum": 1500, "maximum": 2100},
        "url": {
            "type": "string",
            "maxLength": 500,
            "pattern": r"^https?://[^\s/]+\.[^\s]*$",
            "errorMessage": {
                "pattern": "{label} {value!r} must be a web address starting with https://"
            },
        },
        "accessed": _ref("date"),
    },
    "dependentRequired": {"url": ["accessed"]},
    "errorMessage": {
        "dependentRequired": "{label} has a url, so it needs 'accessed': the day you last "
        "read the page",
    },
}

LESSON_FRONT_MATTER = _document(
    {
        "title": "the front matter",
        "required": ["title", "estimated_minutes", "required"],
        "properties": {
            "title": _ref("text", maxLength=200),
            "estimated_minutes": _ref("whole-number"),
            "required": {"type": "boolean"},
            "reviewed": _ref("date"),
            "review_every": {"type": "integer", "minimum": 1, "maximum": REVIEW_EVERY_MAX},
            "sources": {"type": "array", "items": _ref("source")},
        },
        "$defs": {"source": SOURCE},
    }
)

#: A lesson's list of sources alone (the authoring form edits it as YAML).
SOURCES = {
    "$schema": DIALECT,
    "title": "sources",
    "type": "array",
    "items": _ref("source"),
    "errorMessage": {"type": "the sources must be a list (each entry starts with '- id:')"},
    "$defs": {**DEFS, "source": SOURCE},
}

# The keys every type of question has; "id" and "type" are checked by the question's
# own schema (true: anything), the rest by the schema of its type.
_QUESTION_KEYS = {
    "id": True,
    "type": True,
    "prompt": _ref("text"),
    "explanation": {"type": "string"},
}

QUIZ = _document(
    {
        "title": "the quiz",
        "required": ["title", "pass_mark", "max_attempts", "required", "questions"],
        "properties": {
            "title": _ref("text", maxLength=200),
            "pass_mark": {"type": "integer", "minimum": 0, "maximum": 100},
            "max_attempts": _ref("whole-number"),
            "required": {"type": "boolean"},
            "questions": {
                "type": "array",
                "minItems": 1,
                "items": _ref("question"),
                "errorMessage": {"minItems": "a quiz needs at least one question"},
            },
        },
        "$defs": {
            # Which keys a question has depends on its type; an unknown type is
            # reported alone (neither branch applies).
            "question": {
                "title": "a question",
                "x-name": "question {id!r}",
                "type": "object",
                "required": ["id", "type"],
                "properties": {
                    "id": _ref("id", title="question id"),
                    "type": {"enum": list(QUESTION_TYPES)},
                },
                "allOf": [
                    {
                        "if": {"required": ["type"], "properties": {"type": {"const": "short"}}},
                        "then": _ref("short-question"),
                    },
                    {
                        "if": {"required": ["type"],
                               "properties": {"type": {"enum": CHOICE_TYPES}}},
                        "then": _ref("choice-question"),
                    },
                ],
            },
            "short-question": {
                "required": ["id", "type", "prompt", "accepted", "explanation"],
                "additionalProperties": False,
                "properties": {
                    **_QUESTION_KEYS,
                    "accepted": {
                        "type": "array",
                        "items": {
                            "type": "string",
                            "pattern": r"\S",
                            "errorMessage": {
                                "type": "each accepted answer must be non-empty text",
                                "pattern": "each accepted answer must be non-empty text",
                            },
                        },
                    },
                },
            },
            "choice-question": {
                "required": ["id", "type", "prompt", "options", "explanation"],
                "additionalProperties": False,
                "properties": {
                    **_QUESTION_KEYS,
                    "options": {"type": "array", "items": _ref("option")},
                },
            },
            "option": {
                "title": "an option",
                "type": "object",
                "required": ["id", "text", "correct", "feedback"],
                "additionalProperties": False,
                "properties": {
                    "id": _ref("id", title="option id"),
                    "text": _ref("text", title="option text"),
                    "correct": {"type": "boolean"},
                    "feedback": {"type": "string"},
                },
            },
        },
    }
)

ASSIGNMENT = _document(
    {
        "title": "the assignment",
        "required": ["title", "estimated_minutes", "required", "prompt", "submission", "rubric"],
        "properties": {
            "title": _ref("text", maxLength=200),
            "estimated_minutes": _ref("whole-number"),
            "required": {"type": "boolean"},
            "due_after_days": {"type": "integer", "minimum": 0, "maximum": 3650},
            "prompt": _ref("text"),
            "submission": {
                "title": "submission",
                "type": "object",
                "required": ["text"],
                "additionalProperties": False,
                "properties": {
                    "text": {"type": "boolean"},
                    "files": _ref("files"),
                },
            },
            "rubric": {
                "type": "array",
                "minItems": 1,
                "items": _ref("criterion"),
                "errorMessage": {"minItems": "an assignment needs a rubric of 1 criterion or more"},
            },
        },
        "$defs": {
            "files": {
                "title": "files",
                "type": "object",
                "required": ["types", "max_kb"],
                "additionalProperties": False,
                "properties": {
                    "types": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"enum": list(ASSIGNMENT_FILE_TYPES)},
                    },
                    "max_kb": {"type": "integer", "minimum": 1, "maximum": ASSIGNMENT_MAX_KB},
                    "max_count": {"type": "integer", "minimum": 1, "maximum": 10},
                    "archives": {"type": "boolean"},
                },
            },
            "criterion": {
                "title": "a criterion",
                "x-name": "criterion {id!r}",
                "type": "object",
                "required": ["id", "title", "levels"],
                "additionalProperties": False,
                "properties": {
                    "id": _ref("id", title="criterion id"),
                    "title": _ref("text", maxLength=200),
                    "levels": {
                        "type": "array",
                        "minItems": 2,
                        "items": _ref("level"),
                        "errorMessage": {"minItems": "a criterion needs at least two levels"},
                    },
                },
            },
            "level": {
                "title": "a level",
                "x-name": "level {id!r}",
                "type": "object",
                "required": ["id", "title", "points"],
                "additionalProperties": False,
                "properties": {
                    "id": _ref("id", title="level id"),
                    "title": _ref("text", maxLength=200),
                    "points": {"type": "integer", "minimum": 0, "maximum": 100},
                    "description": {"type": "string"},
                },
            },
        },
    }
)
