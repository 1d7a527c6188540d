"""Shapes every endpoint shares: the error, the cursor arguments, a page of items."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..paging import decode_cursor

API_DESCRIPTION = (
    "The Co-operative Education Centre's API. Every call sends a personal access token"
    " (`Authorization: Bearer lmsat_...`), made with chosen scopes and an expiry on the"
    " account page at /account/tokens. An endpoint answers only what the token's owner may"
    " see on the matching page, and only within the token's scopes. Lists page by cursor:"
    " pass the `next_cursor` of one page as `after` to get the next; `null` means the last"
    " page. Errors always have the shape of `Error`."
)

MAX_LIMIT = 100
#: Row ids are 32-bit columns: PostgreSQL refuses a larger number (rather than finding nothing).
MAX_ID = 2**31 - 1
#: The path converter for an id: a larger one is 404 from the router itself.
ID = f"int(max={MAX_ID})"


class ErrorSchema(Schema):
    """An error: ``code`` is stable, ``message`` is for people."""

    class Meta:
        title = "Error"

    status = fields.Integer(required=True, metadata={"description": "The HTTP status."})
    code = fields.String(
        required=True,
        metadata={"description": "Stable: bad_request, unauthorized, invalid_token, "
                  "account_closing, insufficient_scope, forbidden, not_found, "
                  "invalid_request, rate_limited, ..."},
    )
    message = fields.String(required=True, metadata={"description": "For people."})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Validation only: messages by location and field."},
    )


class CursorArgs(Schema):
    """``after`` (the previous page's ``next_cursor``) and ``limit``."""

    after = fields.String(
        load_default=None,
        validate=validate.Length(max=1000),
        metadata={"description": "The `next_cursor` of the previous page."},
    )
    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Items per page, 1 to {MAX_LIMIT}."},
    )


def cursor(raw: str | None, types: tuple[type, ...]) -> tuple | None:
    """The decoded cursor, or ``None`` (the first page) for one that does not decode
    or holds a number no id column can hold."""
    values = decode_cursor(raw, types)
    if values is not None and any(type(v) is int and not -MAX_ID <= v <= MAX_ID for v in values):
        return None
    return values


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """A schema ``{"items": [item, ...], "next_cursor": str | null}`` named ``name``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next_cursor": fields.String(
                required=True,
                allow_none=True,
                metadata={"description": "Pass as `after` for the next page; null on the last."},
            ),
        },
        name=name,
    )


def page(items, next_cursor: str | None) -> dict:
    return {"items": items, "next_cursor": next_cursor}
