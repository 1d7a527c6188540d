"""Keyset paging, capped counts and tolerant list parameters, for every long list.

``OFFSET`` paging reads and throws away every row before the page, so page
2,000 of a register costs 2,000 pages; a list paged by *keyset* asks for the
rows after the last one shown (``WHERE (name, id) > (:name, :id)``), which an
index answers at the same cost on any page. The next page's position travels
as an opaque cursor (``?after=...``): URL-safe base64 of the sort key as
JSON. A cursor that does not decode to the expected types (edited, truncated,
from another list) is ignored: the list starts from its first page.

Counting every matching row costs as much as reading them all; lists show
:func:`capped_count`, which stops at a cap and then says "more than N".
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, and_, func, or_, select

from .db import db
from .routing import DB_INT_MAX

PAGE_SIZE = 50
#: Lists count matches up to this many, then say "more than".
COUNT_CAP = 1000
#: Whole numbers in list parameters must fit the database's integer columns
#: (PostgreSQL's ``integer``; psycopg binds them as such and refuses a larger value).
_MAX_INT = DB_INT_MAX
#: The highest page number an ``OFFSET``-paged list takes (its offset stays far from overflow).
MAX_PAGE = 100_000


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(raw: str | None, types: Sequence[type]) -> tuple | None:
    """The sort key in ``raw``, if it decodes to values of ``types``; otherwise ``None``."""
    if not raw or len(raw) > 1000:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(values, list) or len(values) != len(types):
        return None
    for value, kind in zip(values, types, strict=True):
        if kind is int and (type(value) is not int or not -_MAX_INT <= value <= _MAX_INT):
            return None
        # A surrogate cannot be encoded for the database, and PostgreSQL's text refuses
        # a null byte: either would fail the query (a 500) rather than start the list again.
        if kind is str and (not isinstance(value, str) or "\x00" in value
                            or not value.isascii() and _has_surrogate(value)):
            return None
    return tuple(values)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def int_arg(
    name: str, default: int | None = None, *, minimum: int = 1, maximum: int = _MAX_INT
) -> int | None:
    """A whole-number query parameter: ASCII digits from ``minimum`` to ``maximum`` (by
    default the largest id the database holds), else ``default``.

    ``page=²`` (a digit to ``str.isdigit``, not to ``int``), ``page=-1`` and
    30-digit numbers are ignored rather than answered with a 500. Give page
    numbers a ``maximum`` (e.g. :data:`MAX_PAGE`): the offset they make must
    fit the database's integers too.
    """
    raw = request.args.get(name, "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def date_arg(value: dt.date | None) -> dt.date | None:
    """A date filter that :mod:`datetime` can move a day past (``9999-12-31`` cannot)."""
    if value is None or value >= dt.date.max:
        return None
    return value


@dataclass
class Page:
    """One page of a keyset-paged list."""

    items: list[Any]
    #: The cursor of the next page, or ``None`` on the last.
    next_cursor: str | None
    #: Whether this is the first page (no cursor was given, or it was ignored).
    is_first: bool


def keyset_page(
    query: Select,
    keys: Sequence[Any],
    cursor: tuple | None,
    key_of: Callable[[Any], Sequence[Any]],
    *,
    per_page: int = PAGE_SIZE,
    descending: bool = False,
    scalars: bool = True,
) -> Page:
    """Run ``query`` for the page after ``cursor``, ordered by ``keys`` (all one direction).

    :param keys: the sort columns; the last must be unique (an id).
    :param key_of: the sort key of a result row, to make the next cursor.
    :param descending: newest first (every key descending).
    :param scalars: rows are single entities (``scalars()``) rather than tuples.
    """
    if cursor is not None:
        query = query.where(_after(keys, cursor, descending))
    order = [k.desc() for k in keys] if descending else list(keys)
    query = query.order_by(*order).limit(per_page + 1)
    result = db.session.execute(query)
    rows = list(result.scalars() if scalars else result.all())
    more = len(rows) > per_page
    rows = rows[:per_page]
    return Page(rows, encode_cursor(key_of(rows[-1])) if more else None, cursor is None)


def _after(keys: Sequence[Any], values: Sequence[Any], descending: bool):
    """``(k1, k2, ...) > (v1, v2, ...)`` spelt out, with ``k1 >= v1`` alone too, so that an
    index on the first key can start at the cursor even when the keys span tables."""
    beyond = (lambda k, v: k < v) if descending else (lambda k, v: k > v)
    at_least = (lambda k, v: k <= v) if descending else (lambda k, v: k >= v)
    clauses = []
    for i, (key, value) in enumerate(zip(keys, values, strict=True)):
        equal = [k == v for k, v in zip(keys[:i], values[:i], strict=True)]
        clauses.append(and_(*equal, beyond(key, value)))
    return and_(at_least(keys[0], values[0]), or_(*clauses))


def capped_count(query: Select, cap: int | None = None) -> tuple[int, bool]:
    """Count ``query``'s rows up to ``cap`` (default :data:`COUNT_CAP`): ``(n, False)``, or
    ``(cap, True)`` for "more than"."""
    cap = COUNT_CAP if cap is None else cap
    limited = query.order_by(None).limit(cap + 1).subquery()
    n = db.session.scalar(select(func.count()).select_from(limited))
    return (cap, True) if n > cap else (n, False)


class DirectKeyset:
    """:func:`keyset_page` for the busiest lists: the query run with :mod:`lms.directread`.

    Two statements compiled once (the first page; the page after a cursor, whose values
    are bound as ``k0``, ``k1``...), the page size bound as ``limit``; other parameters of
    ``query`` (``bindparam("user_id")``...) are given to :meth:`page`.
    """

    def __init__(self, query: Select, keys: Sequence[Any], *, descending: bool = False):
        from sqlalchemy import Integer, bindparam

        from .directread import DirectRead

        self.keys = list(keys)
        order = [k.desc() for k in keys] if descending else list(keys)
        limit = bindparam("limit", type_=Integer())
        cursor = [bindparam(f"k{i}", type_=k.type) for i, k in enumerate(keys)]
        self._first = DirectRead(query.order_by(*order).limit(limit))
        self._after = DirectRead(
            query.where(_after(keys, cursor, descending)).order_by(*order).limit(limit)
        )

    def page(self, cursor: tuple | None, per_page: int, **params: Any) -> Page:
        """The rows (named tuples) after ``cursor``; the next cursor from the keys' columns."""
        if cursor is None:
            rows = self._first.all(limit=per_page + 1, **params)
        else:
            rows = self._after.all(limit=per_page + 1, **params,
                                   **{f"k{i}": v for i, v in enumerate(cursor)})
        more = len(rows) > per_page
        rows = rows[:per_page]
        names = [k.key for k in self.keys]
        next_cursor = encode_cursor([getattr(rows[-1], n) for n in names]) if more else None
        return Page(rows, next_cursor, cursor is None)
