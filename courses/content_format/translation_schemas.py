"""The shape of each translation file (``translations/<lang>/``), as JSON Schema.

The same annotations as in ``schemas`` name things in messages. What the
schemas cannot say (ids the original has, every question and option there,
the original's order) is checked in ``translations``.
"""

from __future__ import annotations

from typing import Any

from .schemas import _document, _ref

#: The first 12 hex digits of the SHA-256 of the original file.
SOURCE_PATTERN = r"^[0-9a-f]{12}$"
SOURCE_HINT = (
    "source must be the first 12 hex digits of the SHA-256 of the original file; "
    "run flask --app wsgi courses translations stamp SLUG LANG"
)

_SOURCE = {
    "type": "string",
    "pattern": SOURCE_PATTERN,
    "errorMessage": {"type": SOURCE_HINT, "pattern": SOURCE_HINT},
}

_TEXTS = {
    "type": "array",
    "items": {
        "type": "string",
        "pattern": r"\S",
        "errorMessage": {
            "type": "each entry must be non-empty text",
            "pattern": "each entry must be non-empty text",
        },
    },
}

COURSE = _document(
    {
        "title": "the translated course",
        "required": ["source", "title", "summary"],
        "properties": {
            "source": _SOURCE,
            "title": _ref("text", maxLength=200),
            "summary": _ref("text", maxLength=500),
            "description": {"type": "string"},
            "outcomes": {**_TEXTS, "title": "outcomes"},
            "modules": {
                "type": "object",
                "title": "modules",
                "propertyNames": _ref("id", title="module id"),
                "additionalProperties": _ref("text", title="module title", maxLength=200),
                "errorMessage": {
                    "type": "modules must map each module id to its translated title",
                },
            },
        },
    }
)

LESSON_FRONT_MATTER = _document(
    {
        "title": "the front matter",
        "required": ["source", "title"],
        "properties": {"source": _SOURCE, "title": _ref("text", maxLength=200)},
    }
)

_QUESTION: dict[str, Any] = {
    "title": "a question",
    "x-name": "question {id!r}",
    "type": "object",
    "required": ["id", "prompt", "explanation"],
    "additionalProperties": False,
    "properties": {
        "id": _ref("id", title="question id"),
        "prompt": _ref("text"),
        "options": {"type": "array", "items": _ref("option")},
        "accepted": {
            **_TEXTS,
            "minItems": 1,
            "errorMessage": {"minItems": "give at least one accepted answer"},
        },
        "explanation": {"type": "string"},
    },
}

QUIZ = _document(
    {
        "title": "the translated quiz",
        "required": ["source", "title", "questions"],
        "properties": {
            "source": _SOURCE,
            "title": _ref("text", maxLength=200),
            "questions": {"type": "array", "items": _ref("question")},
        },
        "$defs": {
            "question": _QUESTION,
            "option": {
                "title": "an option",
                "type": "object",
                "required": ["id", "text", "feedback"],
                "additionalProperties": False,
                "properties": {
                    "id": _ref("id", title="option id"),
                    "text": _ref("text", title="option text"),
                    "feedback": {"type": "string"},
                },
            },
        },
    }
)
