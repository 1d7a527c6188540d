"""The audit log: append-only and hash-chained.

Every package records events through :func:`record`. Each entry stores the
hash of the entry before it and its own hash over its content, so editing,
deleting or reordering any entry breaks the chain at that point, which
``flask lms audit verify`` reports. The model refuses updates and deletes
through the ORM; the chain catches anything done behind its back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Integer, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db import UTCDateTime, db, lock_for_update, utcnow

GENESIS = "0" * 64
_AUDIT_LOCK = 0x4C4D5341  # "LMSA": serialises appends on PostgreSQL


class AuditEvent(db.Model):
    __tablename__ = "lms_audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    occurred_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True, index=True
    )
    action: Mapped[str] = mapped_column(String(80), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(80), nullable=True)
    subject_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    def content(self) -> dict[str, Any]:
        """The fields the hash covers."""
        return {
            "seq": self.seq,
            "occurred_dt": self.occurred_dt.astimezone(dt.UTC).isoformat(),
            "actor_id": self.actor_id,
            "action": self.action,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("the audit log is append-only")


def record(
    action: str,
    *,
    subject_type: str | None = None,
    subject_id: object = None,
    data: dict[str, Any] | None = None,
    actor_id: int | None | bool = True,
) -> AuditEvent:
    """Append an event in the current transaction.

    :param action: a dotted name owned by the package, e.g. ``lms.role.granted``.
    :param subject_type: what the event is about, e.g. ``user``.
    :param subject_id: its id.
    :param data: plain JSON-able details (never secrets, never a secret ballot's choice).
    :param actor_id: who did it; by default the signed-in user, if any.
    """
    return record_many(
        [Event(action, subject_type, subject_id, data)], actor_id=actor_id
    )[0]


@dataclass(frozen=True)
class Event:
    """One event for :func:`record_many` (the arguments of :func:`record`)."""

    action: str
    subject_type: str | None = None
    subject_id: object = None
    data: dict[str, Any] | None = None


def record_many(events: list[Event], *, actor_id: int | None | bool = True) -> list[AuditEvent]:
    """Append several events, chained in order, with one read and one write.

    For bulk operations (a cohort upload of a thousand people): the chain is
    the same as recording them one by one, without a round trip per event.
    """
    if actor_id is True:
        actor_id = (
            current_user.id
            if has_request_context() and current_user and current_user.is_authenticated
            else None
        )
    if not events:
        return []
    lock_for_update(_AUDIT_LOCK)
    last = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    now = utcnow()
    entries = []
    for event_ in events:
        entry = AuditEvent(
            seq=seq,
            occurred_dt=now,
            actor_id=actor_id,
            action=event_.action,
            subject_type=event_.subject_type,
            subject_id=None if event_.subject_id is None else str(event_.subject_id),
            data=json.loads(json.dumps(event_.data or {}, default=str)),
            prev_hash=prev,
        )
        entry.hash = prev = entry.compute_hash()
        seq += 1
        entries.append(entry)
    db.session.add_all(entries)
    db.session.flush()
    return entries


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
            expected_prev, expected_seq, last_seq = row.hash, row.seq + 1, row.seq
            checked += 1
        db.session.expunge_all()
