"""Locks that serialise governance writers on PostgreSQL, and the queue of writers on SQLite.

SQLite needs no locks of its own: every writing transaction starts with
``BEGIN IMMEDIATE`` and so already holds the database's write lock. Votes
wait for that lock in :func:`sqlite_write_queue` rather than in SQLite's
busy handler.

On PostgreSQL, votes in one ballot run concurrently with each other but never
with the closing of that ballot: a vote holds a *shared* advisory lock on the
ballot, while fixing the result takes the ballot's lock *exclusively*. A vote
that checked "still open" therefore commits before the result is counted, or,
arriving after, sees the clock past the close and is refused. One member's
votes in one ballot are serialised by the row lock of the ``UPDATE`` that
changes a vote, and, when the checks run one by one (a first vote that lost a
race, a refusal), by an exclusive lock on the ballot and member pair.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from lms.db import db, lock_for_update

try:
    import fcntl
except ImportError:  # not POSIX: no queue, SQLite's busy handler alone
    fcntl = None

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


#: database path -> (process id, the process's lock, its descriptor of the queue file)
_queues: dict[str, tuple[int, threading.Lock, int]] = {}
_queues_guard = threading.Lock()


@contextmanager
def sqlite_write_queue() -> Iterator[None]:
    """On SQLite, wait for the write lock in a queue rather than in SQLite's busy handler.

    A writer that finds the write lock taken sleeps in the busy handler for
    growing spans (up to 100 ms) before trying again, so under load the
    lock often sits free while every waiter sleeps, and an unlucky writer
    loses round after round. Here writers take turns instead: one thread per
    process at a time (the others wait on the process's lock) holds an
    exclusive ``flock`` of a file beside the database, which the kernel
    hands to the next process the moment it is released. Enter it inside
    :func:`lms.db.writing` (whose entry ends the read transaction), before
    the first statement, so that it is held from before ``BEGIN IMMEDIATE``
    until after the commit.

    The queue only orders the writers that use it; SQLite's write lock is
    still what keeps writers apart, so any other writer (the CLI, other
    views) is unaffected. Elsewhere (PostgreSQL, an in-memory database, no
    ``flock``, a queue file that cannot be opened) it does nothing.
    """
    queue = _queue()
    if queue is None:
        yield
        return
    lock, fd = queue
    with lock:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


def _queue() -> tuple[threading.Lock, int] | None:
    url = db.engine.url
    path = url.database
    if fcntl is None or url.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    if path.startswith("file:") or url.query.get("mode") == "memory":
        return None
    pid = os.getpid()
    with _queues_guard:
        entry = _queues.get(path)
        # A forked process opens its own descriptor: flock belongs to the open file,
        # so a descriptor inherited from the parent would queue both as one.
        if entry is None or entry[0] != pid:
            try:
                fd = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o660)
            except OSError:
                return None
            entry = (pid, threading.Lock(), fd)
            _queues[path] = entry
    return entry[1], entry[2]
