"""The append-only, hash-chained audit log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import has_app_context
from sqlalchemy import select, text

from lms import audit
from lms.audit import GENESIS, AuditEvent, verify_chain


def record_three(db):
    entries = [
        audit.record("lms.test.one", subject_type="thing", subject_id=1, data={"n": 1}),
        audit.record("lms.test.two", subject_type="thing", subject_id=2),
        audit.record("other.test.three", subject_type="widget", data={"when": "now"}),
    ]
    db.session.commit()
    return entries


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
        body = response.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]
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
    assert [e.seq for e in many] == [first.seq + 1, first.seq + 2, first.seq + 3]
    assert many[0].prev_hash == first.hash
    assert [e.prev_hash for e in many[1:]] == [e.hash for e in many[:-1]]
    assert audit.record_many([]) == []
    assert verify_chain().ok
