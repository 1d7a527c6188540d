"""Verifying the audit chain: walk it in order and name the first broken entry.

``flask lms audit verify`` seals what is pending, then calls
:func:`verify_chain`. Each sealed entry must follow the one before it, hash
to its stored hash, and (while its personal details are there) match their
digest; a missing, reordered or altered entry is reported at its ``seq``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..db import db
from .hashing import GENESIS, canonical_hash
from .models import AuditEvent


@dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify_chain` found: ``ok``, or the first broken entry and why.

    ``checked`` counts the entries found intact before it (all of them when ``ok``).
    """

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
            if row.personal is not None and canonical_hash(row.personal) != row.personal_digest:
                return VerifyResult(False, checked, row.seq, "personal details were altered")
            expected_prev, expected_seq, last_seq = row.hash, row.seq + 1, row.seq
            checked += 1
        db.session.expunge_all()
