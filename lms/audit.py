"""The audit log: append-only and hash-chained.

Every package records events through :func:`record`. Each entry stores the
hash of the entry before it and its own hash over its content, so editing,
deleting or reordering any entry breaks the chain at that point, which
``flask lms audit verify`` reports. The model refuses updates and deletes
through the ORM; the chain catches anything done behind its back.

Chaining an entry (giving it its place ``seq`` and its hashes) is called
sealing. Entries are chained one after another, so sealing is serialised.
On SQLite every writing transaction already holds the database's write
lock, so entries are sealed as they are appended. On PostgreSQL, sealing
inside the writer's transaction would hold one lock across every audited
transaction's commit, and every audited write in the platform (votes,
completions, certificates) would queue behind one another's disk flush.
There, entries are appended unsealed, and once the transaction commits,
:func:`seal_pending` seals every pending entry, oldest first, in a short
transaction of its own: at once outside web requests (the CLI, scripts),
and for web requests on the process's sealer thread, so that the member's
vote is answered without waiting for the chain; under load one pass seals
the entries of many requests. Entries left pending by a process that died
in between are sealed by the next sealer (and by ``flask lms audit verify``).

Personal details (an old email address) never go into the hashed ``data``:
they go into ``personal``, with a random salt, and the hash covers only
``personal_digest``, the SHA-256 of that salted JSON. Erasing a person
empties ``personal`` (:func:`erase_personal`) and the chain still verifies;
while ``personal`` is there, verification checks it against its digest, so
it cannot be altered unnoticed either. Once it is erased, the digest alone
cannot confirm a guess of what it was (the salt went with it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    bindparam,
    event,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import UTCDateTime, db, refuse_write_in_read_request, utcnow

GENESIS = "0" * 64
_AUDIT_LOCK = 0x4C4D5341  # "LMSA": serialises sealing on PostgreSQL
#: Set in a session's ``info`` while its transaction holds unsealed entries.
_PENDING = "lms_audit_pending"
#: Set (to the engine) once such a transaction has committed, until it is sealed.
_COMMITTED = "lms_audit_committed"
#: How many pending entries one sealing transaction takes at most.
SEAL_BATCH = 500

logger = logging.getLogger(__name__)


class AuditEvent(db.Model):
    __tablename__ = "lms_audit_event"
    __table_args__ = (
        # Sealed means all three set; pending means none.
        CheckConstraint(
            "(seq IS NULL AND prev_hash IS NULL AND hash IS NULL)"
            " OR (seq IS NOT NULL AND prev_hash IS NOT NULL AND hash IS NOT NULL)",
            name="sealed_whole",
        ),
        # The sealer's work list, kept small: only pending entries are in it.
        Index(
            "ix_lms_audit_event_pending",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
        # The admin page's subject-type filter (newest first) and its list of types.
        Index("ix_lms_audit_event_subject_type_id", "subject_type", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True, nullable=True)
    occurred_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True, index=True
    )
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(80), nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Personal details with their salt, outside the hash; emptied by erasure.
    personal: Mapped[dict | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    #: SHA-256 of ``personal`` (hashed with the entry), kept after erasure.
    personal_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)

    @property
    def sealed(self) -> bool:
        return self.seq is not None

    def content(self) -> dict[str, Any]:
        """The fields the hash covers."""
        return _content(self, self.seq, self.prev_hash)

    def compute_hash(self) -> str:
        return _hash(self.content())


def _content(entry, seq: int | None, prev_hash: str | None) -> dict[str, Any]:
    """The hashed fields of ``entry`` (an :class:`AuditEvent` or a row of its table).

    ``personal_digest`` joins the hashed fields only when the entry has one,
    so entries written before it existed keep their hashes.
    """
    content = {
        "seq": seq,
        "occurred_dt": entry.occurred_dt.astimezone(dt.UTC).isoformat(),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "subject_type": entry.subject_type,
        "subject_id": entry.subject_id,
        "data": entry.data,
        "prev_hash": prev_hash,
    }
    if entry.personal_digest is not None:
        content["personal_digest"] = entry.personal_digest
    return content


def _hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _personal(details: dict[str, Any] | None) -> tuple[dict | None, str | None]:
    """``details`` salted, and their digest (``(None, None)`` without details)."""
    if not details:
        return None, None
    personal = {"salt": secrets.token_hex(16),
                "fields": json.loads(json.dumps(details, default=str))}
    return personal, _hash(personal)


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("the audit log is append-only")


@event.listens_for(Session, "after_commit")
def _note_commit(session):
    if session.info.pop(_PENDING, False):
        session.info[_COMMITTED] = session.get_bind()


@event.listens_for(Session, "after_transaction_end")
def _seal_after_commit(session, transaction):
    # Here, unlike in ``after_commit``, the session has given its connection
    # back: sealing on a second one while holding the first could empty the
    # pool with enough threads each waiting for a second connection.
    if transaction.parent is not None:
        return  # a savepoint: the entries are the outer transaction's
    # Still pending here: the transaction ended without a commit, and its entries with it.
    session.info.pop(_PENDING, None)
    if _COMMITTED not in session.info:
        return
    bind = session.info.pop(_COMMITTED)
    if has_request_context():
        # A web request answers at once; the process's sealer seals behind it.
        _sealer.wake(bind)
        return
    try:
        seal_pending(bind)
    except Exception:
        # The transaction is committed: what the user did is kept, and so are
        # its entries; the next sealer (or ``lms audit verify``) seals them.
        logger.exception("audit entries committed but not yet sealed")


class _Sealer:
    """A daemon thread per process that seals pending entries after web requests commit.

    Waking it costs the request nothing but setting an event; while it seals,
    more requests commit, and its next pass seals all of theirs at once. It
    starts on first use in each process (a forked worker starts afresh: the
    parent's thread is not copied, and its lock may have been held) and keeps
    no engine between passes.
    """

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._engines: set[Engine] = set()
        self._thread: threading.Thread | None = None

    def wake(self, bind: Engine | Connection) -> None:
        engine = bind.engine if isinstance(bind, Connection) else bind
        with self._lock:
            self._engines.add(engine)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="lms-audit-sealer", daemon=True
                )
                self._thread.start()
        self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            with self._lock:
                engines, self._engines = self._engines, set()
            for engine in engines:
                try:
                    seal_pending(engine)
                except Exception:
                    logger.exception("audit entries committed but not yet sealed")


_sealer = _Sealer()


def record(
    action: str,
    *,
    subject_type: str | None = None,
    subject_id: object = None,
    data: dict[str, Any] | None = None,
    actor_id: int | None | bool = True,
    personal: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an event in the current transaction.

    :param action: a dotted name owned by the package, e.g. ``lms.role.granted``.
    :param subject_type: what the event is about, e.g. ``user``.
    :param subject_id: its id.
    :param data: plain JSON-able details (never secrets, never a secret ballot's choice).
    :param actor_id: who did it; by default the signed-in user, if any.
    :param personal: personal details (an old email address): kept outside
        the hash, so that erasing the person (:func:`erase_personal`) leaves
        the chain whole.
    """
    return record_many(
        [Event(action, subject_type, subject_id, data, personal)], actor_id=actor_id
    )[0]


@dataclass(frozen=True)
class Event:
    """One event for :func:`record_many` (the arguments of :func:`record`)."""

    action: str
    subject_type: str | None = None
    subject_id: object = None
    data: dict[str, Any] | None = None
    personal: dict[str, Any] | None = None


def record_many(events: list[Event], *, actor_id: int | None | bool = True) -> list[AuditEvent]:
    """Append several events, chained in order, in one write (and, on SQLite, one read).

    For bulk operations (a cohort upload of a thousand people): the chain is
    the same as recording them one by one, without a round trip per event.
    On PostgreSQL the entries are sealed once the transaction commits (see
    the module's notes); until then their ``seq`` and hashes are ``None``.

    The entries are written with one Core ``INSERT`` rather than through
    the session's unit of work, which cost more than the rest of recording
    together; on SQLite every writer holds the database's write lock
    meanwhile (the ORM's changes pending in the session are flushed first,
    as before).

    :return: what was written, as :class:`AuditEvent` objects that are not
        in the session (their ``id`` is set): the stored entry never
        changes, except that PostgreSQL seals it after the commit, so read
        the entry again (``db.session.get(AuditEvent, entry.id)``) to see
        its seal.
    """
    if actor_id is True:
        actor_id = (
            current_user.id
            if has_request_context() and current_user and current_user.is_authenticated
            else None
        )
    if not events:
        return []
    refuse_write_in_read_request()
    now = utcnow()
    entries = []
    for event_ in events:
        personal, digest = _personal(event_.personal)
        entries.append(AuditEvent(
            occurred_dt=now,
            actor_id=actor_id,
            action=event_.action,
            subject_type=event_.subject_type,
            subject_id=None if event_.subject_id is None else str(event_.subject_id),
            data=json.loads(json.dumps(event_.data or {}, default=str)),
            personal=personal,
            personal_digest=digest,
        ))
    session = db.session()
    # Rows the entries may name (their actor) are written before them, as a
    # flush of the session would have ordered them.
    session.flush()
    connection = session.connection()
    if _seals_after_commit(connection):
        session.info[_PENDING] = True
    else:
        seq, prev = _chain_end(connection)
        for entry in entries:
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = entry.compute_hash()
            seq += 1
    rows = [{name: getattr(entry, name) for name in _WRITTEN} for entry in entries]
    if len(rows) == 1:
        ids = [connection.execute(_INSERT, rows[0]).scalar_one()]
    else:
        ids = connection.execute(_INSERT_MANY, rows).scalars().all()
    for entry, id_ in zip(entries, ids, strict=True):
        entry.id = id_
    return entries


#: The columns :func:`record_many` writes (``id`` comes from the database).
_WRITTEN = ("seq", "occurred_dt", "actor_id", "action", "subject_type", "subject_id", "data",
            "personal", "personal_digest", "prev_hash", "hash")
_INSERT = AuditEvent.__table__.insert().returning(AuditEvent.__table__.c.id)
#: Several rows in one statement, their ids returned in the order of the rows.
_INSERT_MANY = AuditEvent.__table__.insert().returning(
    AuditEvent.__table__.c.id, sort_by_parameter_order=True
)


def _seals_after_commit(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "postgresql"


#: The last sealed entry (built once: building a select costs more than running this one).
_CHAIN_END = (
    select(AuditEvent.seq, AuditEvent.hash)
    .where(AuditEvent.seq.is_not(None))
    .order_by(AuditEvent.seq.desc())
    .limit(1)
)


def _chain_end(connection: Connection) -> tuple[int, str]:
    """The ``seq`` and ``prev_hash`` of the next entry to seal."""
    last = connection.execute(_CHAIN_END).first()
    return (last.seq + 1, last.hash) if last else (1, GENESIS)


_SEAL = (
    update(AuditEvent.__table__)
    .where(AuditEvent.id == bindparam("b_id"), AuditEvent.seq.is_(None))
    .values(seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"), hash=bindparam("b_hash"))
)


def seal_pending(bind: Engine | Connection | None = None, batch: int = SEAL_BATCH) -> int:
    """Seal every committed, pending entry, oldest first; return how many.

    Each batch is a transaction of its own on a connection of its own, under
    the audit lock. On PostgreSQL it commits without waiting for the disk
    (``synchronous_commit``): a seal lost in a crash leaves its entries
    pending, and the next sealer seals them again from the same content.
    """
    engine = bind.engine if isinstance(bind, Connection) else (bind or db.engine)
    table = AuditEvent.__table__
    pending_rows = (
        select(table.c.id, table.c.occurred_dt, table.c.actor_id, table.c.action,
               table.c.subject_type, table.c.subject_id, table.c.data,
               table.c.personal_digest)
        .where(table.c.seq.is_(None))
        .order_by(table.c.id)
        .limit(batch)
    )
    sealed = 0
    while True:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK}
                )
            rows = connection.execute(pending_rows).all()
            if not rows:
                return sealed
            seq, prev = _chain_end(connection)
            params = []
            for row in rows:
                digest = _hash(_content(row, seq, prev))
                params.append({"b_id": row.id, "b_seq": seq, "b_prev": prev, "b_hash": digest})
                seq, prev = seq + 1, digest
            connection.execute(_SEAL, params)
        sealed += len(rows)
        if len(rows) < batch:
            return sealed


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def verify_chain(batch: int = 1000) -> VerifyResult:
    """Walk the chain in order and report the first broken entry, if any."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    last_seq = 0
    while True:
        rows = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            return VerifyResult(True, checked)
        for row in rows:
            if row.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, "entry missing")
            if row.prev_hash != expected_prev:
                return VerifyResult(False, checked, row.seq, "does not follow the entry before it")
            if row.compute_hash() != row.hash:
                return VerifyResult(False, checked, row.seq, "content was altered")
            if row.personal is not None and _hash(row.personal) != row.personal_digest:
                return VerifyResult(False, checked, row.seq, "personal details were altered")
            expected_prev, expected_seq, last_seq = row.hash, row.seq + 1, row.seq
            checked += 1
        db.session.expunge_all()


def erase_personal(user_id: int) -> int:
    """Empty the personal details of every entry by or about user ``user_id``; return how many.

    The one change the log allows: ``personal`` is outside the hash (only its
    digest is hashed), so the chain still verifies. A Core ``UPDATE``, as
    the ORM refuses changes to entries.
    """
    table = AuditEvent.__table__
    about = (table.c.subject_type == "user") & (table.c.subject_id == str(user_id))
    result = db.session.execute(
        update(table)
        .where((table.c.actor_id == user_id) | about, table.c.personal.is_not(None))
        .values(personal=None)
    )
    return result.rowcount
