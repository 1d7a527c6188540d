"""The database: one SQLAlchemy instance, typed models, and engine behaviour.

SQLite is the embedded default and PostgreSQL the choice at scale; both run the
same migrations. On SQLite every connection turns on WAL, foreign keys and a
busy timeout, and every transaction opened while handling a request that may
write (anything but GET, HEAD and OPTIONS) or outside a request (the CLI) starts
with ``BEGIN IMMEDIATE``: it takes the write lock up front, so two concurrent
read-modify-write requests queue instead of one silently losing its update.

A writing view that first only reads (the signed-in user, the rows it acts on)
may say so with :func:`reads_first`: its transactions start with a plain
``BEGIN`` (a WAL snapshot that neither waits for nor blocks the writer) until
it enters :func:`writing`, whose transaction takes the write lock. Inside it
the view re-reads under the lock whatever its writes depend on, exactly as
it must on PostgreSQL, where reads never lock; the lock is held only for the
writes instead of for the whole request.
"""

from __future__ import annotations

import datetime as dt
import functools
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import DateTime, Engine, MetaData, event, exc, text
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Base(DeclarativeBase):
    """Declarative base of every model; carries the constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class _SQLAlchemy(SQLAlchemy):
    """Flask-SQLAlchemy, whose teardown skips requests that opened no session, and
    ends a PostgreSQL transaction that only read with ``COMMIT`` (see
    :func:`_end_reads_with_commit`); its PostgreSQL engines check a pooled
    connection that has been idle before handing it out (:func:`ping_after_idle`)."""

    def init_app(self, app: Flask) -> None:
        """Make the app's engines, as Flask-SQLAlchemy does, and attach
        :func:`ping_after_idle` to each PostgreSQL one."""
        super().init_app(app)
        # Making an engine opens no connection; the factory still runs no query.
        with app.app_context():
            for engine in self.engines.values():
                if engine.dialect.name == "postgresql":
                    ping_after_idle(engine, app.config["LMS_DB_PING_AFTER_IDLE_SECONDS"])

    def _teardown_session(self, exc: BaseException | None) -> None:
        # Removing a session that was never created still looks it up twice
        # and raises and swallows a KeyError, at the end of every request
        # (the health probe and cached pages included).
        if self.session.registry.has():
            if exc is None:
                _end_reads_with_commit(self.session())
            super()._teardown_session(exc)


#: Kept in a pooled connection's ``connection_record.info``: when it last went back to the pool
#: (``time.monotonic()``). A new connection has none, and is not pinged.
_LAST_USED = "lms_last_used"


def ping_after_idle(engine: Engine, seconds: float) -> None:
    """Check a pooled connection before handing it out only when it has been idle.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: on PostgreSQL a
    round trip per request, as much as a simple page's own query. A
    connection that went back to the pool less than ``seconds`` ago is handed
    out as it is; one idle longer is pinged first. A failed ping raises
    :class:`~sqlalchemy.exc.InvalidatePoolError` in the pool's ``checkout``
    event, so the pool replaces the connection (up to its own retries) and
    treats every connection older than now as stale, as ``pool_pre_ping``
    does: a dead idle connection most often means the server restarted, and
    then its neighbours are dead too.

    A connection used within the window whose server died fails the one
    request that uses it; SQLAlchemy then invalidates the pool (its handling
    of a disconnect during execution; :func:`lms.directread.invalidate_on_disconnect`
    for the reads on raw connections), so the next request reconnects.

    :param engine: a PostgreSQL engine; the listeners go on its pool and stay
        with it through ``engine.dispose()``.
    :param seconds: how long a connection may rest in the pool unchecked; ``0``
        pings every pooled connection (but not a new one).
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, connection_record, connection_proxy):
        last_used = connection_record.info.get(_LAST_USED)
        if last_used is None or time.monotonic() - last_used <= seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as err:
            if dialect.is_disconnect(err, dbapi_connection, None):
                raise exc.InvalidatePoolError(f"ping after idle failed: {err}") from err
            # Alive but unable to answer ``SELECT 1``: not one to hand out either.
            raise exc.DisconnectionError(f"ping after idle failed: {err}") from err

    @event.listens_for(engine, "checkin")
    def _note_last_use(dbapi_connection, connection_record):
        if dbapi_connection is not None:  # None: invalidated, reconnects when next checked out
            connection_record.info[_LAST_USED] = time.monotonic()


#: Set in a PostgreSQL connection's ``info`` by the first statement of its transaction
#: that is not a ``SELECT``: from then on the transaction may have written something.
_MAY_HAVE_WRITTEN = "lms_may_have_written"


@event.listens_for(Engine, "begin")
def _postgres_on_begin(conn):
    if conn.dialect.name == "postgresql":
        conn.info.pop(_MAY_HAVE_WRITTEN, None)


@event.listens_for(Engine, "before_cursor_execute")
def _note_possible_write(conn, cursor, statement, parameters, context, executemany):
    if (
        conn.dialect.name == "postgresql"
        and _MAY_HAVE_WRITTEN not in conn.info
        and statement.lstrip()[:6].upper() != "SELECT"
    ):
        conn.info[_MAY_HAVE_WRITTEN] = True


def _end_reads_with_commit(session: Session) -> None:
    """End a request's transaction that only read with ``COMMIT`` rather than ``ROLLBACK``.

    On PostgreSQL both end a transaction that changed nothing in the same way,
    but psycopg forgets every statement it has prepared on the connection at
    each ``ROLLBACK`` (and sends ``DEALLOCATE ALL``), so that the next
    requests on it plan their queries afresh. A writing request that ends
    without committing (a repeated click that finds nothing to do, a form
    sent back with errors) would otherwise cost the pooled connection its
    prepared plans. A transaction is ended this way only when it ran nothing
    but ``SELECT`` statements (row and advisory locks included: a commit
    releases them as a rollback does) and the session holds no pending
    change; any other is rolled back by the teardown, as before. SQLite keeps
    no such state, and its transactions are left to the rollback.
    """
    if session.get_transaction() is None or session.new or session.dirty or session.deleted:
        return
    if session.info.get(_READ_IN_AUTOCOMMIT, False):
        # A GET's reads ran in autocommit: nothing to end. Asking for the session's
        # connection here (the request is over, so the session no longer sees a GET)
        # would check out a second one for the engine in transactions.
        return
    connection = session.connection()
    if (
        connection.dialect.name != "postgresql"
        or connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        or connection.info.get(_MAY_HAVE_WRITTEN, False)
    ):
        return
    try:
        session.commit()
    except Exception:
        # The request only read and has answered; the teardown's rollback (or
        # the pool, for a broken connection) cleans up after a failed COMMIT.
        current_app.logger.warning("ending a read-only transaction failed", exc_info=True)


def _read_only_request() -> bool:
    """Tell whether a request is being handled whose method never writes (GET, HEAD, OPTIONS)."""
    return has_request_context() and request.method in READ_ONLY_METHODS


#: Set in a session's ``info`` once it has read in autocommit (a GET on PostgreSQL).
_READ_IN_AUTOCOMMIT = "lms_read_in_autocommit"

#: Where each application keeps, per engine, the engine's copy whose connections are in
#: autocommit (the same pool), in ``app.extensions``.
_AUTOCOMMIT = "lms.autocommit_engines"


class _Session(FlaskSession):
    """Flask-SQLAlchemy's session, whose reads in GET requests on PostgreSQL run in autocommit.

    In a transaction, psycopg sends ``BEGIN`` before a request's first query
    and the session's teardown a ``ROLLBACK``: two round trips that a request
    which never writes does not need. Each statement still reads its own
    snapshot, as it does under READ COMMITTED inside a transaction. SQLite's
    reads keep their transaction (:func:`_sqlite_on_begin`): there it is one
    snapshot for the request, and it costs no round trip.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        engine = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if (
            bind is None
            and isinstance(engine, Engine)
            and engine.dialect.name == "postgresql"
            and _read_only_request()
        ):
            self.info[_READ_IN_AUTOCOMMIT] = True
            copies = current_app.extensions.setdefault(_AUTOCOMMIT, {})
            autocommit = copies.get(engine)
            if autocommit is None:
                autocommit = copies[engine] = engine.execution_options(
                    isolation_level="AUTOCOMMIT"
                )
            return autocommit
        return engine


def refuse_write_in_read_request() -> None:
    """Raise :class:`RuntimeError` if a GET (HEAD, OPTIONS) request is being handled.

    GET never writes (docs/architecture.md). On PostgreSQL such a request
    runs in autocommit, where a write would be kept at once rather than
    rolled back with the request's transaction: it is refused outright.
    Every flush checks this; call it before writing with Core statements.
    """
    if _read_only_request():
        raise RuntimeError(f"a {request.method} request tried to write to the database")


@event.listens_for(Session, "before_flush")
def _refuse_writes_in_reads(session, flush_context, instances):
    refuse_write_in_read_request()


db = _SQLAlchemy(model_class=Base, session_options={"class_": _Session})


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware.

    SQLite has no time zones, so values are stored naive in UTC; PostgreSQL
    stores ``timestamp with time zone``.
    """

    impl = DateTime
    cache_ok = True

    def __init__(self, timezone: bool = True):
        super().__init__(timezone=True)

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused; use an aware UTC datetime")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event emit BEGIN itself (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    if has_request_context() and (
        request.method in READ_ONLY_METHODS or g.get(_READS_FIRST, False)
    ):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


_READS_FIRST = "_lms_db_reads_first"


def reads_first(view: Callable) -> Callable:
    """Mark a writing view whose transactions start read-only until it enters :func:`writing`.

    Put it above the access decorator, so that loading the signed-in user is
    one of the reads.
    """

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        setattr(g, _READS_FIRST, True)
        return view(*args, **kwargs)

    return wrapped


@contextmanager
def writing() -> Iterator[None]:
    """The writing transaction of a :func:`reads_first` view.

    On entry the read transaction ends (it changed nothing; what it loaded
    stays loaded, not expired), so the first query inside opens the writing
    transaction: ``BEGIN IMMEDIATE`` on SQLite. The view commits or rolls back
    inside, as usual; afterwards transactions are read-only again. On
    PostgreSQL, where ``BEGIN`` takes no lock, nothing changes: the request
    keeps its one transaction.
    """
    if not g.get(_READS_FIRST, False) or db.engine.dialect.name != "sqlite":
        yield
        return
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("writing() entered with pending changes: they would commit as reads")
    if session.in_transaction():
        expire = session.expire_on_commit
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
    setattr(g, _READS_FIRST, False)
    try:
        yield
    finally:
        setattr(g, _READS_FIRST, True)


def lock_for_update(key: int) -> None:
    """Serialise writers that share ``key`` until the transaction ends.

    PostgreSQL takes a transaction-scoped advisory lock. SQLite needs nothing:
    a writing transaction already holds the database's write lock.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def is_unique_violation(exc: Exception) -> bool:
    """Tell whether a database error is a unique-constraint violation, on any backend."""
    orig = getattr(exc, "orig", exc)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate == "23505"
    return "UNIQUE constraint failed" in str(orig)


def insert_unless_exists(obj) -> bool:
    """Add ``obj`` and flush it in a savepoint; ``False`` when a unique constraint says
    its row exists already (a parallel request, a repeated form), and the rest of the
    transaction goes on as if it had not been tried.

    The constraint decides, not a read before the write: two requests that both read
    "not there" would both insert.
    """
    try:
        with db.session.begin_nested():
            db.session.add(obj)
            db.session.flush()
    except exc.IntegrityError as error:
        if not is_unique_violation(error):
            raise
        return False
    return True
