"""Sealing: giving audit entries their place in the chain, one after another.

Chaining an entry (giving it its place ``seq`` and its hashes) is called
sealing. Entries are chained one after another, so sealing is serialised.
On SQLite every writing transaction already holds the database's write
lock, so entries are sealed as they are appended (:mod:`lms.audit.writing`
asks :func:`chain_end` where to go on). On PostgreSQL, sealing inside the
writer's transaction would hold one lock across every audited transaction's
commit, and every audited write in the platform (votes, completions,
certificates) would queue behind one another's disk flush. There, entries
are appended unsealed, and once the transaction commits, :func:`seal_pending`
seals every pending entry, oldest first, in a short transaction of its own
(:mod:`lms.audit.after_commit` says when). Entries left pending by a process
that died in between are sealed by the next sealer (and by
``flask lms audit verify``).
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.engine import Connection, Engine

from ..db import db
from .hashing import GENESIS, canonical_hash, hashed_content
from .models import AuditEvent

_AUDIT_LOCK = 0x4C4D5341  # "LMSA": serialises sealing on PostgreSQL
#: How many pending entries one sealing transaction takes at most.
SEAL_BATCH = 500


def seals_after_commit(bind: Engine | Connection) -> bool:
    """Whether entries written on ``bind`` are sealed after their commit (PostgreSQL)."""
    return bind.dialect.name == "postgresql"


#: The last sealed entry (built once: building a select costs more than running this one).
_CHAIN_END = (
    select(AuditEvent.seq, AuditEvent.hash)
    .where(AuditEvent.seq.is_not(None))
    .order_by(AuditEvent.seq.desc())
    .limit(1)
)


def chain_end(connection: Connection) -> tuple[int, str]:
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
            seq, prev = chain_end(connection)
            params = []
            for row in rows:
                digest = canonical_hash(hashed_content(row, seq, prev))
                params.append({"b_id": row.id, "b_seq": seq, "b_prev": prev, "b_hash": digest})
                seq, prev = seq + 1, digest
            connection.execute(_SEAL, params)
        sealed += len(rows)
        if len(rows) < batch:
            return sealed
