"""Requests whose method only reads (GET, HEAD, OPTIONS) never write; on PostgreSQL
they read in autocommit, with no BEGIN or ROLLBACK round trips."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms import audit
from lms.accounts.models import User
from lms.audit import AuditEvent


def _user(n: int) -> User:
    return User(email=f"reader{n}@example.org", display_name=f"Reader {n}")


def _readers(db) -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.email.like("reader%"))
    )


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_request_that_only_reads_cannot_write(app, db, method):
    with app.test_request_context(method=method):
        db.session.add(_user(1))
        with pytest.raises(RuntimeError, match=f"a {method} request tried to write"):
            db.session.flush()
        db.session.rollback()
    db.session.remove()
    assert _readers(db) == 0


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_request_that_only_reads_cannot_record_an_audit_entry(app, db, method):
    # The audit log writes with a Core INSERT, which no flush check sees.
    with app.test_request_context(method=method):
        with pytest.raises(RuntimeError, match=f"a {method} request tried to write"):
            audit.record("lms.test.read", actor_id=None)
        db.session.rollback()
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_writing_requests_and_work_outside_requests_write(app, db):
    with app.test_request_context(method="POST"):
        db.session.add(_user(1))
        db.session.commit()
    db.session.remove()
    db.session.add(_user(2))  # the CLI, scripts
    db.session.commit()
    assert _readers(db) == 2


def _autocommit(connection) -> bool:
    # psycopg's flag; Python 3.11's sqlite3 has none (3.12's is not a bool by default).
    return getattr(connection.connection.dbapi_connection, "autocommit", None) is True


def test_reads_are_in_autocommit_on_postgresql_only(app, db):
    postgres = db.engine.dialect.name == "postgresql"
    db.session.add(_user(1))
    db.session.commit()
    db.session.remove()
    with app.test_request_context(method="GET"):
        connection = db.session.connection()
        assert _autocommit(connection) is postgres
        assert _readers(db) == 1
    db.session.remove()
    # The pooled connection goes back as it was: a writing request gets a transaction.
    with app.test_request_context(method="POST"):
        assert not _autocommit(db.session.connection())
        db.session.add(_user(2))
        db.session.rollback()
    db.session.remove()
    assert _readers(db) == 1


def test_a_reading_request_checks_out_one_connection(app, db, client):
    """The teardown ends the request's reads on the connection they used: it does not
    check out another (after the request, the session no longer sees a GET and would
    pick the engine in transactions)."""
    from sqlalchemy import event

    db.session.add(_user(1))
    db.session.commit()
    db.session.remove()
    checkouts = []
    listener = lambda *args: checkouts.append(args)  # noqa: E731
    event.listen(db.engine.pool, "checkout", listener)
    try:
        answer = client.get("/courses/")
    finally:
        event.remove(db.engine.pool, "checkout", listener)
    assert answer.status_code == 200
    assert len(checkouts) == 1
