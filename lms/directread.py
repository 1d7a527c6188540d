"""Reads that skip SQLAlchemy's execution machinery: a Core ``select`` compiled once per
dialect and run on a pooled DBAPI connection in autocommit (:func:`lms.db.fetch_one_autocommit`'s
way), with SQLAlchemy's own SQL and its conversions of parameters and column values.

For the busiest reads of the API: through the ORM session (or even a Core connection),
executing a small statement costs several times the query itself, and a transaction
costs round trips of its own on PostgreSQL. The statement must not use expanding
parameters (``IN`` a Python list): bind each value (``bindparam("name")``) instead.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from typing import Any

from sqlalchemy import Float, Select
from sqlalchemy.engine import Dialect

from .db import db

#: Called with each statement's SQL before it runs (tests count queries with it; the
#: engine's ``before_cursor_execute`` event does not see these reads).
observers: list = []


class DirectRead:
    """One read-only statement, run directly; rows come back as named tuples."""

    def __init__(self, statement: Select):
        self.statement = statement
        self.Row = namedtuple("Row", [c.key for c in statement.selected_columns])
        self._compiled: dict[str, tuple] = {}

    def _compile(self, dialect: Dialect) -> tuple:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            results = tuple(_result_processor(c.type, dialect)
                            for c in self.statement.selected_columns)
            binds = dict(compiled._bind_processors)
            found = self._compiled[dialect.name] = (
                compiled, compiled.string, compiled.positiontup if compiled.positional else None,
                binds, results,
            )
        return found

    def all(self, **params: Any) -> list:
        """Every row, with ``params`` bound by name."""
        return self._run(params, many=True)

    def first(self, **params: Any):
        """The first row, or ``None``."""
        return self._run(params, many=False)

    def _run(self, params: dict[str, Any], *, many: bool):
        engine = db.engine
        dialect = engine.dialect
        compiled, sql, order, binds, results = self._compile(dialect)
        values = compiled.construct_params(params)
        for name, process in binds.items():
            if name in values:
                values[name] = process(values[name])
        bound = tuple(values[n] for n in order) if order is not None else values
        for observe in observers:
            observe(sql)
        rows = _fetch(engine, dialect, sql, bound, many)
        convert: Callable = self.Row._make
        return [convert(_convert(results, row)) for row in rows] if many else (
            convert(_convert(results, rows[0])) if rows else None)


def _result_processor(type_, dialect: Dialect):
    """SQLAlchemy's conversion of a column's values, or ``None`` when the driver's value
    is the value (psycopg's floats: its numeric processor asks for the driver's type code,
    which a statement compiled ahead does not have)."""
    try:
        return type_.dialect_impl(dialect).result_processor(dialect, None)
    except TypeError:
        if isinstance(type_, Float) and not type_.asdecimal:
            return None
        raise


def _convert(results, row):
    return [f(v) if f else v for f, v in zip(results, row, strict=True)]


def _fetch(engine, dialect, sql: str, params, many: bool) -> list:
    connection = engine.raw_connection()
    try:
        dbapi_connection = connection.dbapi_connection
        switch = not dialect.detect_autocommit_setting(dbapi_connection)
        if switch:
            dialect.set_isolation_level(dbapi_connection, "AUTOCOMMIT")
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            rows = cursor.fetchall() if many else cursor.fetchmany(1)
            cursor.close()
        finally:
            if switch:
                dialect.reset_isolation_level(dbapi_connection)
    finally:
        connection.close()
    return rows
