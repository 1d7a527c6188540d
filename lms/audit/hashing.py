"""The audit chain's hash: which fields of an entry it covers, and their canonical form.

An entry's hash is the SHA-256 of a canonical JSON (sorted keys, no spaces)
of its hashed fields, among them its place ``seq`` and the hash of the entry
before it (``prev_hash``; :data:`GENESIS` for the first). Writing, sealing
and verifying all hash through here, so they cannot disagree on the form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

#: The ``prev_hash`` of the first entry in the chain.
GENESIS = "0" * 64


def hashed_content(entry, seq: int | None, prev_hash: str | None) -> dict[str, Any]:
    """The hashed fields of ``entry`` (an :class:`~lms.audit.AuditEvent` or a row of its table).

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


def canonical_hash(content: dict[str, Any]) -> str:
    """The SHA-256 (hex) of ``content`` as canonical JSON."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
