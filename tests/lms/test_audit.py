"""The append-only, hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import time

import pytest
from flask import has_app_context
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.audit import GENESIS, AuditEvent, after_commit, verify_chain


def record_three(db):
    entries = [
        audit.record("lms.test.one", subject_type="thing", subject_id=1, data={"n": 1}),
        audit.record("lms.test.two", subject_type="thing", subject_id=2),
        audit.record("other.test.three", subject_type="widget", data={"when": "now"}),
    ]
    db.session.commit()
    return stored(db, entries)


def stored(db, entries):
    """The entries as stored (and, on PostgreSQL, sealed after the commit)."""
    return [db.session.get(AuditEvent, entry.id) for entry in entries]


def verify_command(app):
    from lms.db import db

    if has_app_context() and db.session().in_transaction():
        db.session.commit()
    return app.test_cli_runner().invoke(args=["lms", "audit", "verify"])


def test_record_chains_entries(app, db):
    first, second, third = record_three(db)
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    assert verify_chain() == audit.VerifyResult(True, 3)
    result = verify_command(app)
    assert result.exit_code == 0
    assert "audit log intact: 3 entries" in result.output


@pytest.mark.parametrize(
    ("statement", "seq", "reason"),
    [
        ("UPDATE lms_audit_event SET action = 'lms.test.forged' WHERE seq = 2", 2, "altered"),
        ("UPDATE lms_audit_event SET subject_id = '9' WHERE seq = 1", 1, "altered"),
        ("DELETE FROM lms_audit_event WHERE seq = 2", 2, "entry missing"),
    ],
)
def test_tampering_is_found_and_named(app, db, statement, seq, reason):
    record_three(db)
    db.session.execute(text(statement))
    db.session.commit()
    result = verify_chain()
    assert (result.ok, result.broken_seq) == (False, seq)
    assert reason in result.reason
    assert result.checked == seq - 1
    command = verify_command(app)
    assert command.exit_code == 1
    assert f"audit log BROKEN at entry {seq}" in command.output


def test_small_batches_walk_the_whole_chain(app, db):
    for n in range(7):
        audit.record("lms.test.batch", data={"n": n})
    db.session.commit()
    assert verify_chain(batch=2) == audit.VerifyResult(True, 7)


def test_orm_refuses_update_and_delete(app, db):
    record_three(db)
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
    entry.action = "lms.test.changed"
    with pytest.raises(PermissionError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
    db.session.delete(entry)
    with pytest.raises(PermissionError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert verify_chain().ok


def test_actor_defaults_to_the_signed_in_user(app, db, make_user, login):
    admin = make_user(roles=("learner", "admin"))
    client = login(admin)
    from lms.testing import csrf_token

    target = make_user()
    token = csrf_token(client, f"/admin/users/{target.id}")
    client.post(
        f"/admin/users/{target.id}", data={"role": "tutor", "action": "grant", "csrf_token": token}
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "lms.role.granted"))
    assert event.actor_id == admin.id


def test_admin_browses_with_filters(app, db, make_user, login):
    admin = make_user(roles=("learner", "admin"), name="Audit Admin")
    record_three(db)
    client = login(admin)
    audit.record("lms.test.by_admin", actor_id=admin.id)
    db.session.commit()

    def actions(**query) -> list[str]:
        response = client.get("/admin/audit", query_string=query)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        body = page.split('<tbody role="rowgroup">')[1].split("</tbody>")[0]
        return re.findall(r"<code>([a-z_.]+)</code>", body)

    everything = [
        "lms.test.by_admin",
        "other.test.three",
        "lms.test.two",
        "lms.test.one",
        "lms.user.registered",
    ]
    assert actions() == everything  # newest first
    assert actions(action="test.t") == ["other.test.three", "lms.test.two"]
    assert actions(subject_type="widget") == ["other.test.three"]
    assert actions(actor=admin.id) == ["lms.test.by_admin"]
    assert actions(since="2000-01-01", until="2000-01-02") == []
    today = dt.datetime.now(dt.UTC).date()
    assert actions(since=today.isoformat(), until=(today + dt.timedelta(days=1)).isoformat()) == (
        everything
    )
    assert "No entries match." in client.get("/admin/audit?action=nothing-like-this").get_data(
        as_text=True
    )


def test_record_many_chains_like_one_by_one(app, db):
    first = audit.record("lms.test.before")
    many = audit.record_many(
        [audit.Event("lms.test.bulk", "thing", n, {"n": n}) for n in range(3)], actor_id=None
    )
    db.session.commit()
    first, *many = stored(db, [first, *many])
    assert [e.seq for e in many] == [first.seq + 1, first.seq + 2, first.seq + 3]
    assert many[0].prev_hash == first.hash
    assert [e.prev_hash for e in many[1:]] == [e.hash for e in many[:-1]]
    assert audit.record_many([]) == []
    assert verify_chain().ok


def _seals_after_commit(db) -> bool:
    return db.engine.dialect.name == "postgresql"


def test_entries_are_sealed_by_the_time_their_transaction_has_committed(app, db):
    entry = audit.record("lms.test.one")
    # PostgreSQL appends unsealed and seals after the commit; SQLite, whose
    # writers hold the write lock anyway, seals as it appends.
    assert entry.sealed is not _seals_after_commit(db)
    assert entry not in db.session
    db.session.commit()
    [entry] = stored(db, [entry])
    assert (entry.seq, entry.prev_hash, entry.sealed) == (1, GENESIS, True)
    assert entry.hash == entry.compute_hash()


def test_a_rolled_back_transaction_leaves_nothing_to_seal(app, db):
    audit.record("lms.test.gone")
    db.session.rollback()
    assert audit.seal_pending() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    audit.record("lms.test.kept")
    db.session.commit()
    assert db.session.scalars(select(AuditEvent.seq)).all() == [1]


def _append_unsealed(db, action: str) -> None:
    """An entry as a process leaves it when it dies between its commit and the sealing."""
    db.session.execute(
        insert(AuditEvent.__table__).values(
            occurred_dt=dt.datetime.now(dt.UTC), action=action, data={"left": "pending"}
        )
    )
    db.session.commit()


def test_entries_left_pending_are_sealed_by_verify(app, db):
    record_three(db)
    _append_unsealed(db, "lms.test.orphan.one")
    _append_unsealed(db, "lms.test.orphan.two")
    assert verify_chain() == audit.VerifyResult(True, 3)  # the sealed part is intact
    result = verify_command(app)
    assert result.exit_code == 0, result.output
    assert "sealed 2 pending entries" in result.output
    assert "audit log intact: 5 entries" in result.output
    rows = db.session.execute(select(AuditEvent.seq, AuditEvent.action).order_by(AuditEvent.seq))
    assert [tuple(r) for r in rows][3:] == [(4, "lms.test.orphan.one"), (5, "lms.test.orphan.two")]


def test_the_next_sealer_seals_what_an_earlier_one_left(app, db):
    _append_unsealed(db, "lms.test.orphan")
    audit.record("lms.test.next")
    db.session.commit()
    rows = db.session.execute(select(AuditEvent.seq, AuditEvent.action).order_by(AuditEvent.id))
    if _seals_after_commit(db):
        # The sealer after the next commit takes every pending entry, oldest first.
        assert [tuple(r) for r in rows] == [(1, "lms.test.orphan"), (2, "lms.test.next")]
    else:
        # SQLite seals only its own entries (it never leaves any pending); verify seals the rest.
        assert [tuple(r) for r in rows] == [(None, "lms.test.orphan"), (1, "lms.test.next")]
        db.session.commit()  # end the read: the sealer writes on a connection of its own
        assert audit.seal_pending() == 1
    assert verify_chain() == audit.VerifyResult(True, 2)


def test_a_failed_seal_keeps_the_committed_work(app, db, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(after_commit, "seal_pending", broken)
    audit.record("lms.test.kept")
    db.session.commit()  # does not raise: the work is committed
    monkeypatch.undo()
    assert db.session.scalars(select(AuditEvent.action)).all() == ["lms.test.kept"]
    if _seals_after_commit(db):
        assert "not yet sealed" in caplog.text
        db.session.commit()
        assert audit.seal_pending() == 1
    assert verify_chain() == audit.VerifyResult(True, 1)


def test_an_entry_is_sealed_whole_or_not_at_all(app, db):
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(AuditEvent.__table__).values(
                occurred_dt=dt.datetime.now(dt.UTC), action="lms.test.half", data={}, seq=1
            )
        )
        db.session.flush()
    db.session.rollback()


def _all_sealed(db, timeout: float = 10.0) -> bool:
    """Wait for the process's sealer to seal every entry (PostgreSQL web requests)."""
    deadline = time.monotonic() + timeout
    while True:
        pending = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None))
        )
        db.session.commit()
        if pending == 0:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def test_web_requests_answer_before_their_entries_are_chained(app, db, make_user, login):
    admin = make_user(roles=("learner", "admin"))
    target = make_user()
    client = login(admin)
    from lms.testing import csrf_token

    token = csrf_token(client, f"/admin/users/{target.id}")
    for role in ("tutor", "admin"):
        answer = client.post(
            f"/admin/users/{target.id}", data={"role": role, "action": "grant", "csrf_token": token}
        )
        assert answer.status_code in (302, 303)
    assert _all_sealed(db)
    assert verify_chain().ok
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-2:] == ["lms.role.granted", "lms.role.granted"]


@pytest.mark.parametrize("context", ["app", "request"])
def test_concurrent_writers_build_one_unbroken_chain(app, make_app, context):
    from lms.db import db

    # ``app`` empties the tables afterwards; the writers use an app of their own.
    app = make_app()
    writers, each = 8, 5
    barrier = threading.Barrier(writers)
    # Outside a request the writer seals as it commits; in a request
    # (PostgreSQL) the process's sealer thread seals behind it.
    def enter():
        return app.app_context() if context == "app" else app.test_request_context(method="POST")

    def write(n: int) -> None:
        with enter():
            barrier.wait()
            for i in range(each):
                audit.record("lms.test.parallel", data={"writer": n, "i": i})
                db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert _all_sealed(db)
        assert verify_chain() == audit.VerifyResult(True, writers * each)
        seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        db.session.remove()
    assert seqs == list(range(1, writers * each + 1))


def test_a_forked_worker_starts_a_sealer_of_its_own(app, db):
    # gunicorn forks workers: the parent's thread is not copied into the child,
    # and a lock held at the fork would never be released there.
    after_commit._sealer.wake(db.engine)
    assert after_commit._sealer._thread.is_alive()
    with after_commit._sealer._lock:
        pid = os.fork()
        if pid == 0:  # the child: a fresh sealer, free to start
            fresh = after_commit._sealer._thread is None and not after_commit._sealer._lock.locked()
            os._exit(0 if fresh else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_rolled_back_savepoint_keeps_the_outer_entries_pending_sealing(app, db):
    kept = audit.record("lms.test.outer")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        audit.record("lms.test.inner")
        raise RuntimeError("undo the savepoint")
    db.session.commit()
    # The outer entry was sealed at the commit, on either backend.
    [kept] = stored(db, [kept])
    assert (kept.seq, kept.sealed) == (1, True)
    assert db.session.scalars(select(AuditEvent.action)).all() == ["lms.test.outer"]


def test_entries_recorded_after_a_rollback_chain_on(app, db):
    """A rolled-back entry leaves nothing behind in the session either: SQLite hands
    its id to the next entry, which must be recorded and chained as usual."""
    audit.record("lms.test.first")
    db.session.commit()
    # Held on to, as a caller may: the session must still let them go.
    undone = [audit.record("lms.test.undone")]
    db.session.rollback()
    after_rollback = audit.record("lms.test.after_rollback")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        undone.append(audit.record("lms.test.undone_in_savepoint"))
        raise RuntimeError("undo the savepoint")
    after_savepoint = audit.record("lms.test.after_savepoint")
    db.session.commit()
    assert not any(entry in db.session for entry in undone)
    after_rollback, after_savepoint = stored(db, [after_rollback, after_savepoint])
    assert (after_rollback.seq, after_savepoint.seq) == (2, 3)
    assert db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all() == [
        "lms.test.first", "lms.test.after_rollback", "lms.test.after_savepoint",
    ]
    assert verify_chain() == audit.VerifyResult(True, 3)
