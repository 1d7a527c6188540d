"""The admin area: granting and revoking roles, who may enter."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from lms import signals
from lms.accounts.models import User
from lms.accounts.operations import AccountError, revoke_role
from lms.audit import AuditEvent
from lms.testing import csrf_token

from .conftest import html_of


def change_role(client, user_id, role, action):
    path = f"/admin/users/{user_id}"
    token = csrf_token(client, path)
    return client.post(path, data={"role": role, "action": action, "csrf_token": token})


def roles_of(db, user_id) -> set[str]:
    db.session.expire_all()
    return db.session.get(User, user_id).role_names


def test_admin_grants_and_revokes(app, db, make_user, login):
    admin = make_user(roles=("learner", "admin"))
    person = make_user(name="Pat Person")
    client = login(admin)
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    signals.roles_changed.connect(receiver, sender=app)
    try:
        response = change_role(client, person.id, "tutor", "grant")
        assert response.status_code == 302
        assert "Pat Person is now also Tutor." in html_of(client.get(response.location))
        assert roles_of(db, person.id) == {"learner", "tutor"}
        change_role(client, person.id, "tutor", "revoke")
        assert roles_of(db, person.id) == {"learner"}
    finally:
        signals.roles_changed.disconnect(receiver, sender=app)
    assert [(h["role"], h["granted"], h["actor_id"]) for h in heard] == [
        ("tutor", True, admin.id),
        ("tutor", False, admin.id),
    ]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("lms.role.%")))
    assert [(e.action, e.actor_id, e.subject_id, e.data) for e in events] == [
        ("lms.role.granted", admin.id, str(person.id), {"role": "tutor"}),
        ("lms.role.revoked", admin.id, str(person.id), {"role": "tutor"}),
    ]


def test_unknown_role_or_action_is_a_bad_request(make_user, login):
    admin = make_user(roles=("learner", "admin"))
    client = login(admin)
    assert change_role(client, admin.id, "emperor", "grant").status_code == 400
    assert change_role(client, admin.id, "tutor", "crown").status_code == 400
    assert change_role(client, 9999, "tutor", "grant").status_code == 404


OWN_ROLES = "You cannot change your own roles. Another administrator can."


@pytest.mark.parametrize("role, action", [
    ("certificate_officer", "grant"), ("tutor", "grant"), ("admin", "revoke"),
    ("learner", "revoke"),
])
def test_nobody_changes_their_own_roles(db, make_user, login, role, action):
    """An admin granting themselves another role, or dropping their own, acts on their own
    record: refused with a message, nothing changes and nothing is audited."""
    admin = make_user(roles=("learner", "admin"))
    make_user(roles=("learner", "admin"))  # not the last admin: that is not the reason
    client = login(admin)
    own_page = html_of(client.get(f"/admin/users/{admin.id}"))
    assert "These are your own roles" in own_page and 'name="action"' not in own_page
    response = change_role(client, admin.id, role, action)
    assert response.status_code == 302
    assert OWN_ROLES in html_of(client.get(response.location))
    assert roles_of(db, admin.id) == {"learner", "admin"}
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action.like("lms.role.%"))) is None


def test_last_admin_cannot_be_revoked(app, db, make_user):
    """Nobody revokes their own admin role on the web (above), and no other admin exists to
    revoke the last one's; the operation itself still keeps one administrator."""
    admin = make_user(roles=("learner", "admin"))
    with pytest.raises(AccountError, match="The last administrator cannot lose"):
        revoke_role(admin, "admin")
    db.session.rollback()
    assert "admin" in roles_of(db, admin.id)


def test_demotion_applies_on_the_next_request(db, make_user, login):
    first = make_user(roles=("learner", "admin"))
    second = make_user(roles=("learner", "admin"))
    first_client, second_client = login(first), login(second)
    assert second_client.get("/admin/").status_code == 200
    change_role(first_client, second.id, "admin", "revoke")
    assert second_client.get("/admin/").status_code == 403
    assert "Admin" not in html_of(second_client.get("/")).split("<main")[0]
    # Now first is the last admin; they may not revoke their own role anyway.
    refused = change_role(first_client, first.id, "admin", "revoke")
    assert OWN_ROLES in html_of(first_client.get(refused.location))
    assert "admin" in roles_of(db, first.id)


def test_who_may_enter_the_admin_area(app, make_user, login):
    learner_client = login(make_user())
    for path in ("/admin/", "/admin/users", "/admin/audit", "/admin/outbox"):
        anonymous = app.test_client().get(path)
        assert anonymous.status_code == 302
        assert urlsplit(anonymous.location).path == "/account/login"
        forbidden = learner_client.get(path)
        assert forbidden.status_code == 403
        assert "Your account does not have permission" in html_of(forbidden)
    token = csrf_token(learner_client, "/")
    posted = learner_client.post(
        "/admin/users/1", data={"role": "admin", "action": "grant", "csrf_token": token}
    )
    assert posted.status_code == 403


def test_user_search(make_user, login):
    admin = make_user(roles=("learner", "admin"), name="Alice Admin")
    make_user(name="Tom Tutor", email="tom@example.org", roles=("learner", "tutor"))
    make_user(name="Lea Learner")
    client = login(admin)
    by_role = html_of(client.get("/admin/users", query_string={"role": "tutor"}))
    assert "Tom Tutor" in by_role
    assert "Lea Learner" not in by_role
    by_text = html_of(client.get("/admin/users", query_string={"q": "TOM@"}))
    assert "Tom Tutor" in by_text
    assert "Alice Admin" not in by_text.split("<main")[1]


def test_outbox_page_shows_messages(client, make_user, login, outbox):
    admin = make_user(roles=("learner", "admin"))
    token = csrf_token(client, "/account/reset")
    client.post("/account/reset", data={"email": admin.email, "csrf_token": token})
    assert len(outbox()) == 1
    page = html_of(login(admin).get("/admin/outbox"))
    assert "Reset your password" in page
    assert f"To {admin.email}" in page
