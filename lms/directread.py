"""Reads that skip SQLAlchemy's execution machinery, on a pooled DBAPI connection in
autocommit: one statement in the driver's own SQL (:func:`fetch_one_autocommit`), or a
Core ``select`` compiled once per dialect (:class:`DirectRead`), with SQLAlchemy's own SQL
and its conversions of parameters and column values.

For the busiest reads of the API: through the ORM session (or even a Core connection),
executing a small statement costs several times the query itself, and a transaction
costs round trips of its own on PostgreSQL. Within a request the direct reads share one
connection, checked out at the first and given back when the request ends
(:func:`init_app`); each statement sees what is committed when it runs. The statement
must not use expanding parameters (``IN`` a Python list): bind each value
(``bindparam("name")``) instead.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import orjson
from flask import Flask, g, has_request_context
from sqlalchemy import JSON, Float, Select
from sqlalchemy.engine import Dialect, Engine

from .db import db

#: Called with each statement's SQL before it runs (tests count queries with it; the
#: engine's ``before_cursor_execute`` event does not see these reads).
observers: list = []


def init_app(app: Flask) -> None:
    """Give a request's direct-read connection back to the pool when the request ends."""
    app.teardown_request(_release)


class _Compiled:
    """A statement compiled for one dialect, with what running it needs."""

    def __init__(self, statement: Select, dialect: Dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.order = compiled.positiontup if compiled.positional else None
        processors = compiled._bind_processors
        # Values fixed in the statement (a status compared with, an offset of 0) are
        # converted once; only the names given at each run are converted then.
        self.static: dict[str, Any] = {}
        self.dynamic: dict[str, Any] = {}
        for name, bind in compiled.binds.items():
            process = processors.get(name)
            if bind.required:
                self.dynamic[name] = process
            else:
                value = bind.effective_value
                self.static[name] = process(value) if process and value is not None else value
        # Each conversion with whether it gives ``None`` for ``None`` (nearly all do): those
        # are skipped for ``None``, which outer joins and optional columns fill rows with
        # (an unfinished enrolment's completion time, on each of its items' rows).
        self.results = [
            (i, f, f(None) is None) for i, f in enumerate(
                _result_processor(c.type, dialect) for c in statement.selected_columns) if f
        ]


class DirectRead:
    """One read-only statement, run directly; rows come back as named tuples."""

    def __init__(self, statement: Select):
        self.statement = statement
        self.Row = namedtuple("Row", [c.key for c in statement.selected_columns])
        self._compiled: dict[str, _Compiled] = {}

    def all(self, **params: Any) -> list:
        """Every row, with ``params`` bound by name."""
        return self._run(params)

    def first(self, **params: Any):
        """The first row, or ``None``."""
        rows = self._run(params)
        return rows[0] if rows else None

    def in_session(self, **params: Any) -> list:
        """Every row, read on the ORM session's connection, inside its transaction.

        For pages that read through the session anyway (the user is loaded
        there): no second connection is checked out, and the statement sees
        what the request wrote (the session is flushed first, as its own
        ``execute`` would), yet skips SQLAlchemy's execution machinery.
        """
        session = db.session()
        session.flush()
        connection = session.connection().connection.dbapi_connection
        return self._run(params, lambda _engine, sql, bound: _fetch_on(connection, sql, bound))

    def _run(self, params: dict[str, Any], fetch=None) -> list:
        engine = db.engine
        dialect = engine.dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        values = dict(compiled.static)
        for name, process in compiled.dynamic.items():
            value = params[name]
            values[name] = process(value) if process and value is not None else value
        bound = tuple(values[n] for n in compiled.order) if compiled.order is not None else values
        for observe in observers:
            observe(compiled.sql)
        rows = (fetch or _fetch)(engine, compiled.sql, bound)
        make = self.Row._make
        if not compiled.results:
            return [make(row) for row in rows]
        converted = []
        for row in rows:
            row = list(row)
            for i, process, keeps_none in compiled.results:
                value = row[i]
                if value is not None or not keeps_none:
                    row[i] = process(value)
            converted.append(make(row))
        return converted


def _result_processor(type_, dialect: Dialect):
    """SQLAlchemy's conversion of a column's values, or ``None`` when the driver's value
    is the value (psycopg's floats: its numeric processor asks for the driver's type code,
    which a statement compiled ahead does not have)."""
    try:
        process = type_.dialect_impl(dialect).result_processor(dialect, None)
    except TypeError:
        if isinstance(type_, Float) and not type_.asdecimal:
            return None
        raise
    if process is not None and isinstance(type_, JSON):
        return _json  # the same values as the standard library's decoder, in a third the time
    return process


def _json(value):
    return orjson.loads(value) if isinstance(value, str | bytes) else value


_HELD = "_lms_direct_read_connection"


def fetch_one_autocommit(sql: str, params: tuple | dict = ()) -> tuple | None:
    """Run one read-only statement on a pooled DBAPI connection in autocommit; return its first row.

    For the busiest public reads (``/healthz``, certificate verification):
    through the ORM session, or even a Core connection, SQLAlchemy's
    execution costs several times such a query, and a transaction costs
    round trips of its own on PostgreSQL (``BEGIN``, and the pool's
    ``ROLLBACK`` when the connection goes back). One statement needs no
    transaction: SQLite's connections are in autocommit already (:mod:`lms.db`
    begins transactions itself), and PostgreSQL's are switched to it for the
    statement. ``sql`` is in the driver's parameter style; values come back
    as the driver gives them.
    """
    held = _checkout(db.engine)
    try:
        rows = _fetch_held(held, sql, params)
    finally:
        _checkin(*held)
    return rows[0] if rows else None


def invalidate_on_disconnect(engine: Engine, connection, error: Exception) -> None:
    """After a DBAPI error on a raw pooled connection, do what SQLAlchemy does after
    one on its own connections: if the database has gone away, discard the
    connection and mark every pooled connection made before now as stale.

    Reads that run on ``engine.raw_connection()`` (:func:`fetch_one_autocommit`,
    :class:`DirectRead`) skip SQLAlchemy's execution, and with it that
    handling: without this, after a server restart each recently used pooled
    connection would fail a request of its own (and log its failed reset on
    return), where SQLAlchemy fails only the first.

    :param engine: the engine whose pool the connection came from.
    :param connection: the pool's proxied connection (``engine.raw_connection()``).
    :param error: the DBAPI exception raised while using it.
    """
    if connection.is_valid and engine.dialect.is_disconnect(
        error, connection.dbapi_connection, None
    ):
        # Pool._invalidate is what Connection._handle_dbapi_exception calls: there is no
        # public spelling of "this connection and its generation"
        # (tests/lms/test_pool_ping.py fails should it go).
        engine.pool._invalidate(connection, error)


def _checkout(engine):
    """A pooled DBAPI connection in autocommit, and whether it was switched to it."""
    connection = engine.raw_connection()
    switch = not engine.dialect.detect_autocommit_setting(connection.dbapi_connection)
    if switch:
        engine.dialect.set_isolation_level(connection.dbapi_connection, "AUTOCOMMIT")
    return connection, switch, engine


def _checkin(connection, switch: bool, engine) -> None:
    try:
        if switch and connection.is_valid:  # invalidated: closed, nothing to reset
            engine.dialect.reset_isolation_level(connection.dbapi_connection)
    finally:
        connection.close()


def _release(exc: BaseException | None = None) -> None:
    held = g.pop(_HELD, None)
    if held is not None:
        _checkin(*held)


def _fetch_on(connection, sql: str, params) -> list:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _fetch(engine, sql: str, params) -> list:
    if has_request_context():
        ctx_g = g._get_current_object()
        held = getattr(ctx_g, _HELD, None)
        if held is None:
            held = _checkout(engine)
            setattr(ctx_g, _HELD, held)
        return _fetch_held(held, sql, params)
    held = _checkout(engine)
    try:
        return _fetch_held(held, sql, params)
    finally:
        _checkin(*held)


def _fetch_held(held, sql: str, params) -> list:
    connection, _switch, engine = held
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error as err:
        invalidate_on_disconnect(engine, connection, err)
        raise
