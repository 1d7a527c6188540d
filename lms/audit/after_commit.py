"""Sealing after the commit: the session hooks and the process's sealer thread.

On PostgreSQL entries are appended unsealed (see :mod:`lms.audit.sealing`).
Once their transaction commits, :func:`~lms.audit.sealing.seal_pending`
seals them: at once outside web requests (the CLI, scripts), and for web
requests on the process's sealer thread, so that the member's vote is
answered without waiting for the chain; under load one pass seals the
entries of many requests.

The hooks are installed on every :class:`~sqlalchemy.orm.Session` when this
module is imported, which importing :mod:`lms.audit` does.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from .sealing import seal_pending

#: Set in a session's ``info`` while its transaction holds unsealed entries.
PENDING = "lms_audit_pending"
#: Set (to the engine) once such a transaction has committed, until it is sealed.
_COMMITTED = "lms_audit_committed"

# Named for the audit log as a whole, not this module: the name its log lines have always had.
logger = logging.getLogger("lms.audit")


@event.listens_for(Session, "after_commit")
def _note_commit(session):
    if session.info.pop(PENDING, False):
        session.info[_COMMITTED] = session.get_bind()


@event.listens_for(Session, "after_transaction_end")
def _seal_after_commit(session, transaction):
    # Here, unlike in ``after_commit``, the session has given its connection
    # back: sealing on a second one while holding the first could empty the
    # pool with enough threads each waiting for a second connection.
    if transaction.parent is not None:
        return  # a savepoint: the entries are the outer transaction's
    # Still pending here: the transaction ended without a commit, and its entries with it.
    session.info.pop(PENDING, None)
    if _COMMITTED not in session.info:
        return
    bind = session.info.pop(_COMMITTED)
    if has_request_context():
        # A web request answers at once; the process's sealer seals behind it.
        _sealer.wake(bind)
        return
    try:
        seal_pending(bind)
    except Exception:
        # The transaction is committed: what the user did is kept, and so are
        # its entries; the next sealer (or ``lms audit verify``) seals them.
        logger.exception("audit entries committed but not yet sealed")


class _Sealer:
    """A daemon thread per process that seals pending entries after web requests commit.

    Waking it costs the request nothing but setting an event; while it seals,
    more requests commit, and its next pass seals all of theirs at once. It
    starts on first use in each process (a forked worker starts afresh: the
    parent's thread is not copied, and its lock may have been held) and keeps
    no engine between passes.
    """

    def __init__(self) -> None:
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._engines: set[Engine] = set()
        self._thread: threading.Thread | None = None

    def wake(self, bind: Engine | Connection) -> None:
        engine = bind.engine if isinstance(bind, Connection) else bind
        with self._lock:
            self._engines.add(engine)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="lms-audit-sealer", daemon=True
                )
                self._thread.start()
        self._wanted.set()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            with self._lock:
                engines, self._engines = self._engines, set()
            for engine in engines:
                try:
                    seal_pending(engine)
                except Exception:
                    logger.exception("audit entries committed but not yet sealed")


_sealer = _Sealer()
