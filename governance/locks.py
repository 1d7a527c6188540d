"""Locks that serialise governance writers on PostgreSQL.

SQLite needs none of these: every writing transaction starts with
``BEGIN IMMEDIATE`` and so already holds the database's write lock.

On PostgreSQL, votes in one ballot run concurrently with each other but never
with the closing of that ballot: a vote holds a *shared* advisory lock on the
ballot (and an exclusive one on its own ballot and member pair), while fixing
the result takes the ballot's lock *exclusively*. A vote that checked "still
open" therefore commits before the result is counted, or, arriving after,
sees the clock past the close and is refused.
"""

from __future__ import annotations

from sqlalchemy import text

from lms.db import db, lock_for_update

_PROPOSAL = 0x474F5650 << 32  # "GOVP"
_BALLOT = 0x474F5642 << 32  # "GOVB"


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def lock_proposal(proposal_id: int) -> None:
    """Serialise the opening of a proposal's ballot."""
    lock_for_update(_PROPOSAL | proposal_id)


def lock_ballot(ballot_id: int, *, shared: bool = False) -> None:
    """Take the ballot's lock: shared for votes, exclusive for fixing the result."""
    if not _postgres():
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    db.session.execute(text(f"SELECT {function}(:key)"), {"key": _BALLOT | ballot_id})


def lock_voter(ballot_id: int, user_id: int) -> None:
    """Serialise one member's votes in one ballot (two-key form: its own key space)."""
    if not _postgres():
        return
    db.session.execute(
        text("SELECT pg_advisory_xact_lock(:a, :b)"),
        {"a": ballot_id & 0x7FFFFFFF, "b": user_id & 0x7FFFFFFF},
    )
