"""The applicant hears the secretary's decision on their application, and keeps their note."""

from __future__ import annotations

from sqlalchemy import select

from governance.models import ACTIVE, DECLINED, Membership
from lms.audit import AuditEvent
from lms.db import db
from lms.notifications.models import Notification

from .views_helpers import token

APPLICATIONS = "/governance/secretary/applications"


def _apply(client, note: str) -> Membership:
    client.post("/governance/membership/apply",
                data={"csrf_token": token(client), "member_class": "worker", "note": note})
    return db.session.scalar(select(Membership))


def _notices(user):
    return db.session.execute(
        select(Notification.subject, Notification.body, Notification.link)
        .where(Notification.user_id == user.id,
               Notification.kind == "governance.application_decided")
    ).all()


def test_a_declined_applicant_is_told_why_and_keeps_their_note(app, make_user, login):
    person = make_user(name="Ada Applicant")
    membership = _apply(login(person), "I run the allotment co-op.")
    boss = login(make_user(roles=("admin",)))
    r = boss.post(f"/governance/secretary/applications/{membership.id}/decline",
                  data={"csrf_token": token(boss, APPLICATIONS),
                        "reason": "Members live or work in the city."})
    assert r.status_code == 303
    db.session.expire_all()
    membership = db.session.get(Membership, membership.id)
    assert membership.status == DECLINED
    assert membership.note == "I run the allotment co-op."
    [(subject, body, link)] = _notices(person)
    assert subject == "Your membership application was declined"
    assert body == ("The secretary declined your application. "
                    "Their reason: Members live or work in the city.")
    assert link == "/governance/membership"
    entry = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "governance.membership.declined"))
    assert entry.personal["fields"] == {"reason": "Members live or work in the city."}
    assert "Members live" not in str(entry.data)


def test_a_declined_applicant_without_a_reason_is_told_they_may_ask(app, make_user, login):
    person = make_user()
    membership = _apply(login(person), "")
    boss = login(make_user(roles=("admin",)))
    boss.post(f"/governance/secretary/applications/{membership.id}/decline",
              data={"csrf_token": token(boss, APPLICATIONS), "reason": "  "})
    [(_subject, body, _link)] = _notices(person)
    assert body.startswith("The secretary declined your application. You may ask them why")


def test_an_approved_applicant_is_told_they_are_a_member(app, make_user, login):
    person = make_user()
    membership = _apply(login(person), "Hello")
    boss = login(make_user(roles=("admin",)))
    boss.post(f"/governance/secretary/applications/{membership.id}/approve",
              data={"csrf_token": token(boss, APPLICATIONS)})
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).status == ACTIVE
    [(subject, _body, _link)] = _notices(person)
    assert subject == "You are now a member of the co-op"


def test_the_reason_leaves_the_audit_log_with_the_applicants_account(app, make_user, login):
    from lms.personal_data.drive import erase_user

    person = make_user()
    membership = _apply(login(person), "")
    boss = login(make_user(roles=("admin",)))
    boss.post(f"/governance/secretary/applications/{membership.id}/decline",
              data={"csrf_token": token(boss, APPLICATIONS), "reason": "Known to the police."})
    assert erase_user(person.id)
    db.session.commit()
    entry = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "governance.membership.declined"))
    assert entry.personal is None
