"""Personal details in the audit log: kept outside the hash, so they can be erased.

Personal details (an old email address) never go into the hashed ``data``:
they go into ``personal``, with a random salt, and the hash covers only
``personal_digest``, the SHA-256 of that salted JSON. Erasing a person
empties ``personal`` (:func:`erase_personal`) and the chain still verifies;
while ``personal`` is there, verification checks it against its digest, so
it cannot be altered unnoticed either. Once it is erased, the digest alone
cannot confirm a guess of what it was (the salt went with it).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import update

from ..db import db
from .hashing import canonical_hash
from .models import AuditEvent


def salt_personal(details: dict[str, Any] | None) -> tuple[dict | None, str | None]:
    """``details`` salted, and their digest (``(None, None)`` without details)."""
    if not details:
        return None, None
    personal = {"salt": secrets.token_hex(16),
                "fields": json.loads(json.dumps(details, default=str))}
    return personal, canonical_hash(personal)


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


def erase_personal_about(subject_type: str, subject_ids) -> int:
    """Empty the personal details of every entry about these subjects; return how many.

    For a package whose entries name a person through their own records (a certificate's
    name corrected, by an admin): :func:`erase_personal` finds entries by the person or
    about their account only.
    """
    ids = [str(i) for i in subject_ids]
    if not ids:
        return 0
    table = AuditEvent.__table__
    result = db.session.execute(
        update(table)
        .where(table.c.subject_type == subject_type, table.c.subject_id.in_(ids),
               table.c.personal.is_not(None))
        .values(personal=None)
    )
    return result.rowcount
