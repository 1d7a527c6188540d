"""The audit log: append-only and hash-chained.

Every package records events through :func:`record`. Each entry stores the
hash of the entry before it and its own hash over its content, so editing,
deleting or reordering any entry breaks the chain at that point, which
``flask lms audit verify`` reports. The model refuses updates and deletes
through the ORM; the chain catches anything done behind its back.

Importing this package is all it takes: it brings in the model (and its guard
against changes) and installs the session hooks that seal entries after their
transaction commits. Its parts:

* :mod:`~lms.audit.hashing`: what an entry's hash covers, and how it is computed;
* :mod:`~lms.audit.models`: the :class:`AuditEvent` table, which refuses ORM changes;
* :mod:`~lms.audit.writing`: :func:`record` and :func:`record_many`, which append entries;
* :mod:`~lms.audit.sealing`: :func:`seal_pending`, which chains pending entries;
* :mod:`~lms.audit.after_commit`: the session hooks and the sealer thread that
  call it once a transaction has committed (PostgreSQL);
* :mod:`~lms.audit.verifying`: :func:`verify_chain`, which walks the chain;
* :mod:`~lms.audit.personal`: personal details kept outside the hash, and
  :func:`erase_personal`, which empties them.
"""

from __future__ import annotations

from . import after_commit  # noqa: F401  (installs the session hooks that seal after a commit)
from .hashing import GENESIS
from .models import AuditEvent
from .personal import erase_personal, erase_personal_about
from .sealing import SEAL_BATCH, seal_pending
from .verifying import VerifyResult, verify_chain
from .writing import Event, record, record_many

__all__ = [
    "GENESIS", "SEAL_BATCH", "AuditEvent", "Event", "VerifyResult", "erase_personal",
    "erase_personal_about", "record",
    "record_many", "seal_pending", "verify_chain",
]
