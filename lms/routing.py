"""URL converters of the core, registered before any blueprint so that every route uses them."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

#: The largest id a database column holds on both backends (PostgreSQL ``integer``).
DB_INT_MAX = 2**31 - 1


class DbIntConverter(IntegerConverter):
    """``<int:...>`` bounded to what the database can hold: ASCII digits, 0..2**31-1.

    Werkzeug's converter takes any number of digits (and, through ``\\d``,
    digits of other scripts), so ``/admin/users/9223372036854775808`` reached
    the database, which refused the value with a 500 (SQLite past 2**63,
    PostgreSQL past 2**31). A number out of range is no route: 404, as for an
    id that does not exist.
    """

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=DB_INT_MAX, signed=False):  # noqa: A002
        # ``signed`` is refused rather than honoured: no id is negative.
        if signed:
            raise ValueError("lms ids are never negative: <int(signed=True)> is not supported")
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=min_max(max))


def min_max(max: int | None) -> int:  # noqa: A002
    """A rule's own ``max`` may lower the bound, never raise it past the database's."""
    return DB_INT_MAX if max is None else min(max, DB_INT_MAX)


def register_converters(app: Flask) -> None:
    """Make ``<int:...>`` the bounded converter for the app and every plugin's blueprints."""
    app.url_map.converters["int"] = DbIntConverter
