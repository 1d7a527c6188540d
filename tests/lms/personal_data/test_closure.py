"""Closing an account: what the page says, the password, the receipt, the grace period, the
erasure command, and retention."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from courses.cohorts.models import CohortInvitation
from governance.models import Membership
from lms import audit
from lms.accounts.models import User
from lms.db import db, utcnow
from lms.mail import OutboxMessage
from lms.personal_data.drive import PSEUDONYM
from lms.personal_data.models import DataRequest
from lms.testing import TEST_PASSWORD, csrf_token
from tests.courses.cohort_helpers import make_cohort

from .helpers import EMAIL, NAME, OLD_EMAIL, find_text


def _close(client, password=TEST_PASSWORD, revoke=False):
    data = {"csrf_token": csrf_token(client, "/account/close"), "password": password}
    if revoke:
        data["revoke_certificates"] = "y"
    return client.post("/account/close", data=data)


def _past_grace():
    db.session.execute(update(DataRequest).values(due_dt=utcnow() - dt.timedelta(minutes=1)))
    db.session.commit()


def test_the_page_says_what_is_erased_and_kept_and_why(app, ada, login):
    page = login(ada.user).get("/account/close").get_data(as_text=True)
    assert "Your enrolments" in page and "Threads you follow" in page
    assert "register of members" in page and "14 days" in page
    assert "1 certificate, with your name on its public page" in page
    assert "Former learner" in page


def test_a_wrong_password_changes_nothing(app, make_user, login, outbox):
    user = make_user()
    client = login(user)
    response = _close(client, password="not my password")
    assert "Your password is not correct." in response.get_data(as_text=True)
    assert response.status_code == 400
    assert db.session.query(DataRequest).count() == 0 and outbox() == []
    assert client.get("/account/data").status_code == 200  # still signed in


def test_closing_signs_out_sends_a_receipt_and_signing_in_cancels(app, make_user, login,
                                                                 outbox, client):
    user = make_user(email="fay@example.org")
    signed_in = login(user)
    response = _close(signed_in)
    assert response.status_code == 302
    assert signed_in.get("/account/data").status_code == 302  # signed out
    request = db.session.query(DataRequest).one()
    assert request.kind == "closure" and request.state == "pending"
    assert 13 <= (request.due_dt - utcnow()).days <= 14
    (receipt,) = outbox()
    assert receipt.recipient == "fay@example.org" and "sign in again" in receipt.body
    again = _close(login(user))  # signing in cancels it ...
    db.session.expire_all()
    assert db.session.get(DataRequest, request.id).state == "cancelled"
    assert again.status_code == 302  # ... and a new closure can be asked for
    assert db.session.query(DataRequest).filter_by(state="pending").count() == 1


def test_the_command_erases_after_the_grace_period_once(app, ada, login):
    _close(login(ada.user), revoke=True)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "privacy", "erase-due"])
    assert result.exit_code == 0 and "erased: 0" in result.output  # still in grace
    assert db.session.get(User, ada.user.id).email == EMAIL
    _past_grace()
    result = runner.invoke(args=["lms", "privacy", "erase-due"])
    assert result.exit_code == 0 and "erased: 1" in result.output, result.output
    db.session.expire_all()
    user = db.session.get(User, ada.user.id)
    assert user.display_name == PSEUDONYM
    assert find_text(app, EMAIL, OLD_EMAIL, NAME) == {"governance_membership.former_name"}
    assert db.session.query(OutboxMessage).filter_by(recipient=EMAIL).count() == 0
    assert db.session.query(DataRequest).filter_by(kind="closure").one().state == "done"
    assert audit.verify_chain().ok
    result = runner.invoke(args=["lms", "privacy", "erase-due"])
    assert result.exit_code == 0 and "erased: 0" in result.output


def test_a_crash_rolls_one_person_back_and_the_next_run_finishes(app, make_user, login,
                                                                monkeypatch):
    first, second = make_user(name="Gus First"), make_user(name="Hal Second")
    for user in (first, second):
        _close(login(user))
    _past_grace()
    from lms.personal_data import core

    real = core.erase

    def crash_for_gus(subject):
        real(subject)
        if subject.display_name == "Gus First":
            raise RuntimeError("power cut")

    monkeypatch.setitem(
        app.extensions["lms"].personal_data, "lms",
        core.PersonalDataProvider(owner="lms", tables=core.TABLES, export=core.export,
                                  erase=crash_for_gus, retention=core.RETENTION))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "privacy", "erase-due"])
    assert result.exit_code == 1 and "power cut" in result.output
    db.session.expire_all()
    assert db.session.get(User, first.id).display_name == "Gus First"  # rolled back whole
    assert db.session.get(User, second.id).display_name == PSEUDONYM
    monkeypatch.undo()
    result = runner.invoke(args=["lms", "privacy", "erase-due"])
    assert result.exit_code == 0 and "erased: 1" in result.output
    db.session.expire_all()
    assert db.session.get(User, first.id).display_name == PSEUDONYM


def test_retention_run(app, make_user, make_course):
    old = utcnow() - dt.timedelta(days=400)
    cohort = make_cohort(make_course("co-op-basics"))
    invited = [make_user() for _ in range(3)]
    db.session.add_all([
        CohortInvitation(cohort_id=cohort.id, user_id=invited[0].id, invited_dt=old,
                         expires_dt=old + dt.timedelta(days=14)),
        CohortInvitation(cohort_id=cohort.id, user_id=invited[1].id, invited_dt=old,
                         expires_dt=old + dt.timedelta(days=14), status="declined",
                         answered_dt=old),
        CohortInvitation(cohort_id=cohort.id, user_id=invited[2].id,
                         expires_dt=utcnow() + dt.timedelta(days=14)),
    ])
    db.session.add_all([
        OutboxMessage(recipient="a@example.org", subject="Old", body="x", created_dt=old),
        OutboxMessage(recipient="a@example.org", subject="New", body="x"),
        OutboxMessage(recipient="a@example.org", subject="Waiting", body="x", created_dt=old,
                      status="queued"),
    ])
    user = make_user()
    left = utcnow() - dt.timedelta(days=365 * 11)
    recent = utcnow() - dt.timedelta(days=365)
    db.session.add_all([
        Membership(user_id=user.id, member_class="learner", status="withdrawn", applied_dt=left,
                   joined_dt=left, left_dt=left, former_name="Long Gone"),
        Membership(user_id=user.id, member_class="learner", status="withdrawn",
                   applied_dt=recent, joined_dt=recent, left_dt=recent, former_name="Kept Yet"),
    ])
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "retention", "run"])
    assert result.exit_code == 0, result.output
    assert "lms.outbox: 1" in result.output and "governance.register: 1" in result.output
    assert "courses.invitations: 1" in result.output
    assert sorted(db.session.scalars(select(CohortInvitation.user_id))) == [invited[1].id,
                                                                         invited[2].id]
    assert sorted(db.session.scalars(select(OutboxMessage.subject))) == ["New", "Waiting"]
    assert sorted(filter(None, db.session.scalars(select(Membership.former_name)))) == [
        "Kept Yet"]
    again = app.test_cli_runner().invoke(args=["lms", "retention", "run"])
    assert "lms.outbox: 0" in again.output and "governance.register: 0" in again.output


def test_the_privacy_page_is_made_from_the_declarations(app, client):
    page = client.get("/privacy").get_data(as_text=True)
    from lms.personal_data import declarations

    for d in declarations(app).values():
        if d.holds_personal_data:
            assert str(d.label).replace("'", "&#39;") in page, d.table
    assert "names on the register" in page and "10 years after they leave" in page
    assert "Required by law" in page


def test_an_admin_records_a_closure_received_by_email(app, make_user, login, outbox):
    admin = make_user(roles=("learner", "admin"))
    person = make_user(email="jo@example.org", name="Jo Writer")
    client = login(admin)
    path = "/admin/data-requests"

    def record(email):
        return client.post(path, data={
            "csrf_token": csrf_token(client, path), "email": email, "kind": "closure",
            "channel": "email", "note": "Email of 4 Dec from her usual address",
            "revoke_certificates": "y"})

    assert "own &#39;My data&#39; page" in record(admin.email).get_data(as_text=True)
    assert record("jo@example.org").status_code == 302
    request = db.session.query(DataRequest).one()
    assert (request.kind, request.channel, request.requested_by_id, request.state,
            request.revoke_certificates) == ("closure", "email", admin.id, "pending", True)
    assert [m.recipient for m in outbox()] == ["jo@example.org"]
    assert "already being closed" in record("jo@example.org").get_data(as_text=True)
    page = client.get(path).get_data(as_text=True)
    assert "Jo Writer" in page and "Email of 4 Dec from her usual address" in page
    login(person)  # she changed her mind: signing in cancels it
    db.session.expire_all()
    assert db.session.get(DataRequest, request.id).state == "cancelled"


def test_retention_erases_accounts_never_activated(app, make_user):
    from lms.accounts import operations as account_ops
    from lms.accounts.operations import INVITATION_PURPOSE
    from lms.tokens import OneTimeToken

    long_ago = utcnow() - dt.timedelta(days=200)
    unused = account_ops.create_user("never@example.org", "Nev Used", None)
    waiting = account_ops.create_user("soon@example.org", "Sue Soon", None)
    used = make_user(email="used@example.org")
    db.session.flush()
    for user in (unused, waiting, used):
        user.created_dt = long_ago
    db.session.add(OneTimeToken(purpose=INVITATION_PURPOSE, user_id=waiting.id,
                                token_hash="0" * 64, expires_dt=utcnow() + dt.timedelta(days=3)))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["lms", "retention", "run"])
    assert "lms.unactivated: 1" in result.output, result.output
    db.session.expire_all()
    assert [u.email for u in db.session.scalars(select(User).order_by(User.id))] == [
        f"erased-{unused.id}@erased.invalid", "soon@example.org", "used@example.org"]
    again = app.test_cli_runner().invoke(args=["lms", "retention", "run"])
    assert "lms.unactivated: 0" in again.output


def test_durations_of_one_read_in_the_singular(app, ada, login, client):
    """A period of one day or 24 hours reads "1 day" on every page that states it, never
    "1 days" or "24 hours"."""
    app.config.update(LMS_DATA_EXPORT_HOURS=24, LMS_CLOSURE_GRACE_DAYS=1,
                      LMS_OUTBOX_RETENTION_DAYS=1)
    privacy = client.get("/privacy").get_data(as_text=True)
    assert "1 day, or until downloaded" in privacy
    member = login(ada.user)
    pages = [privacy] + [member.get(url).get_data(as_text=True)
                         for url in ("/account/data", "/account/close")]
    assert "for 1 day." in pages[1] and "For 1 day nothing is erased" in pages[2]
    for page in pages:
        assert "1 days" not in page and "1 hours" not in page and "24 hours" not in page


def test_the_last_administrator_cannot_close_their_account(app, make_user, login, outbox):
    """Erasure takes every role away: as with revoking the role, the site keeps an
    administrator. An admin whose account is already being closed does not count."""
    first = make_user(roles=("learner", "admin"), email="first@example.org")
    second = make_user(roles=("learner", "admin"), email="second@example.org")
    assert _close(login(first)).status_code == 302  # another admin remains: closed
    client = login(second)
    response = _close(client, revoke=True)
    page = response.get_data(as_text=True)
    assert "the only administrator&#39;s account" in page
    assert '<input checked id="revoke_certificates"' in page  # nothing chosen is lost
    assert db.session.query(DataRequest).filter_by(user_id=second.id).count() == 0
    assert [m.recipient for m in outbox()] == ["first@example.org"]
    assert client.get("/account/data").status_code == 200  # still signed in
