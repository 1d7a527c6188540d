"""Writing to the audit log: :func:`record` one event, :func:`record_many` several.

Entries are appended in the caller's transaction. On SQLite they are sealed
as they are written; on PostgreSQL they are written pending and sealed once
the transaction commits (see :mod:`lms.audit.sealing`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from flask_login import current_user

from ..db import db, refuse_write_in_read_request, utcnow
from .after_commit import PENDING
from .models import AuditEvent
from .personal import salt_personal
from .sealing import chain_end, seals_after_commit


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
        the hash, so that erasing the person (:func:`~lms.audit.erase_personal`)
        leaves the chain whole.
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
    :mod:`lms.audit.sealing`); until then their ``seq`` and hashes are ``None``.

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
        personal, digest = salt_personal(event_.personal)
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
    if seals_after_commit(connection):
        session.info[PENDING] = True
    else:
        seq, prev = chain_end(connection)
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
