"""The audit log's table, ``lms_audit_event``, and its guard against changes.

An entry is written once and never changed: a session hook refuses to flush
an update or a delete of an :class:`AuditEvent`, so the ORM cannot alter the
log by mistake (the hash chain catches anything done behind its back). The
one change allowed, emptying ``personal``, is a Core ``UPDATE``
(:func:`lms.audit.erase_personal`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..db import UTCDateTime, db
from .hashing import canonical_hash, hashed_content


class AuditEvent(db.Model):
    """One entry of the log: pending until sealed, when it gets its place ``seq`` and hashes."""

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
        return hashed_content(self, self.seq, self.prev_hash)

    def compute_hash(self) -> str:
        return canonical_hash(self.content())


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("the audit log is append-only")
