"""Erasure across packages: nothing personal left, votes still add up, the audit chain whole."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from certificates.models import Certificate
from governance import operations as gov_ops
from governance.models import Membership
from lms import audit
from lms.accounts.models import User
from lms.db import db, utcnow
from lms.personal_data.drive import PSEUDONYM, erase_user, export_user
from lms.personal_data.registry import providers

from .helpers import EMAIL, NAME, OLD_EMAIL, find_text


def _counts(ballot):
    t = gov_ops.tally(ballot)
    return (t.eligible, t.turnout, t.votes_for, t.votes_against, t.abstentions, t.passed)


def test_erasure_leaves_no_personal_data_in_any_table(app, ada):
    needles = (EMAIL, OLD_EMAIL, NAME)
    before = find_text(app, *needles)
    # The scan finds her where she is: a check that it can see each kind of column.
    assert {"lms_user.email", "lms_user.display_name", "lms_outbox_message.recipient",
            "lms_audit_event.personal", "courses_cohort_upload.rows",
            "certificates_certificate.learner_name",
            "certificates_certificate.learner_email"} <= before

    assert erase_user(ada.user.id, revoke_certificates=True)
    db.session.commit()

    # She was a member: her name stays on the register (its legal period), nowhere else.
    assert find_text(app, *needles) == {"governance_membership.former_name"}
    user = db.session.get(User, ada.user.id)
    assert user.display_name == PSEUDONYM and user.password_hash is None
    assert not user.is_active_account and user.roles == []
    cert = db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)).one()
    assert cert.revoked_dt is not None and cert.learner_name == PSEUDONYM
    # A PDF's text is compressed, so the scan cannot see a name in it: it is gone anyway.
    assert db.session.scalar(select(Certificate.pdf).where(Certificate.id == cert.id)) is None
    assert audit.verify_chain().ok
    # Her discussion post stays, signed by the nameless account; she follows nothing now.
    from courses.discussions.models import DiscussionFollow, DiscussionPost

    post = db.session.scalars(select(DiscussionPost).where(DiscussionPost.number == 1)).one()
    assert post.author_id == user.id and post.body_md == "Who keeps the minutes?"
    assert db.session.query(DiscussionFollow).filter_by(user_id=user.id).count() == 0


def test_erasure_keeps_certificates_verifiable_unless_revoked(app, ada):
    erase_user(ada.user.id)
    db.session.commit()
    cert = db.session.scalars(select(Certificate).where(Certificate.user_id == ada.user.id)).one()
    assert cert.revoked_dt is None and cert.learner_name == NAME and cert.learner_email == ""
    assert find_text(app, EMAIL, OLD_EMAIL) == set()
    assert find_text(app, NAME) == {"governance_membership.former_name",
                                    "certificates_certificate.learner_name"}


def test_a_non_member_who_revokes_leaves_nothing(app, make_user):
    user = make_user(email="bo@example.org", name="Bo Threnody")
    erase_user(user.id, revoke_certificates=True)
    db.session.commit()
    assert find_text(app, "bo@example.org", "Threnody") == set()


def test_tallies_and_recounts_unchanged_after_erasing_a_voter(app, ada):
    before = {b.id: (_counts(b), gov_ops.verify(b).recount)
              for b in (ada.open_ballot, ada.secret_ballot)}
    assert all(gov_ops.verify(b).ok for b in (ada.open_ballot, ada.secret_ballot))
    # Erased after the ballots closed (their membership ends then).
    erase_user(ada.user.id, now=ada.open_ballot.closes_dt + dt.timedelta(days=1))
    db.session.commit()
    for ballot in (ada.open_ballot, ada.secret_ballot):
        report = gov_ops.verify(ballot)
        assert report.ok, report.problems
        assert (_counts(ballot), report.recount) == before[ballot.id]
    names = [e["name"] for e in gov_ops.published_list(ada.open_ballot,
                                                        now=ada.open_ballot.closes_dt)]
    assert NAME not in names and PSEUDONYM in names


def test_erasure_is_idempotent_and_rolls_back_whole(app, ada):
    # A crash part-way: the transaction is rolled back, nothing is half done.
    assert erase_user(ada.user.id)
    db.session.rollback()
    assert db.session.get(User, ada.user.id).email == EMAIL
    assert erase_user(ada.user.id)
    db.session.commit()
    assert not erase_user(ada.user.id)  # a second run does nothing
    db.session.commit()
    assert audit.verify_chain().ok


def test_erasure_ends_a_current_membership_and_keeps_the_register_entry(app, make_user):
    user = make_user(email="cy@example.org", name="Cy Wendeline")
    joined = utcnow() - dt.timedelta(days=30)
    db.session.add(Membership(user_id=user.id, member_class="learner", status="active",
                              applied_dt=joined, joined_dt=joined))
    db.session.commit()
    erase_user(user.id)
    db.session.commit()
    former = gov_ops.register(include_former=True)
    assert [(line.display_name, line.status) for line in former] == [("Cy Wendeline",
                                                                      "withdrawn")]


def test_the_audit_log_erases_personal_details_and_still_verifies(app, make_user, login):
    user = make_user(email="di@example.org", name="Di")
    from lms.accounts import operations as account_ops
    from lms.testing import TEST_PASSWORD

    account_ops.change_email(user, TEST_PASSWORD, "di.new@example.org")
    db.session.commit()
    user_id = user.id
    entry = db.session.scalars(select(audit.AuditEvent)
                               .where(audit.AuditEvent.action == "lms.user.email_changed")).one()
    assert entry.personal["fields"] == {"from": "di@example.org"}
    assert "di@example.org" not in str(entry.data)
    assert audit.verify_chain().ok
    assert audit.erase_personal(user_id) == 1
    db.session.commit()
    db.session.expire_all()
    entry = db.session.get(audit.AuditEvent, entry.id)
    assert entry.personal is None and entry.personal_digest
    assert audit.verify_chain().ok


def test_altered_personal_details_break_verification(app, make_user):
    from sqlalchemy import update

    user = make_user(email="ed@example.org", name="Ed")
    audit.record("lms.test", subject_type="user", subject_id=user.id, personal={"x": "y"})
    db.session.commit()
    audit.seal_pending()
    table = audit.AuditEvent.__table__
    db.session.execute(update(table).where(table.c.action == "lms.test")
                       .values(personal={"salt": "0", "fields": {"x": "z"}}))
    db.session.commit()
    result = audit.verify_chain()
    assert not result.ok and result.reason == "personal details were altered"


def test_export_has_a_section_from_every_package(app, ada):
    keys = {s.key for s in export_user(ada.user.id)}
    assert {"profile", "audit_events", "enrolments", "quiz_attempts", "certificates",
            "membership", "ballots"} <= keys
    assert len(providers(app)) == 4


def test_notices_and_mail_to_others_lose_the_erased_name(app, ada):
    """A reply's notice and email to the thread's followers name its author: after the
    author's erasure they say "Former learner", and the follower's notice is still there."""
    from courses.discussions import operations as discussion_ops
    from lms.mail import OutboxMessage
    from lms.notifications.models import Notification

    thread = discussion_ops.start_thread(
        course=ada.course, cohort_id=ada.cohort.id, item_id=None, author=ada.tutor,
        title="Rota", body="Who cleans?", token="v" * 32)
    with app.test_request_context(method="POST"):  # the reply's notice builds a link
        discussion_ops.reply(thread, ada.user, "I will.", "w" * 32, ada.course.slug)
    db.session.commit()
    assert {"lms_notification.body", "lms_outbox_message.body"} <= find_text(app, NAME)

    erase_user(ada.user.id)
    db.session.commit()

    assert find_text(app, EMAIL, OLD_EMAIL, NAME) == {"governance_membership.former_name",
                                                      "certificates_certificate.learner_name"}
    notice = db.session.scalars(select(Notification)
                                .where(Notification.user_id == ada.tutor.id)).one()
    assert notice.body == f"{PSEUDONYM} replied in “Rota”."
    mail = db.session.scalars(select(OutboxMessage)
                              .where(OutboxMessage.recipient == ada.tutor.email)
                              .where(OutboxMessage.body.contains("Rota"))).one()
    assert f"{PSEUDONYM} replied" in mail.body


def test_a_certificates_name_correction_leaves_the_audit_log_with_the_account(app, make_user):
    """An admin corrects the name on a certificate: the names before and after are the
    holder's personal details, kept erasable in the audit entry, and closing the account
    (revoking its certificates) leaves them nowhere; the chain still verifies."""
    from certificates.operations import correct
    from lms import signals
    from tests.certificates.conftest import snapshot

    admin = make_user(roles=("learner", "admin"), name="Admin")
    user = make_user(email="vel@example.org", name="Vel Ostrandr")
    signals.course_completed.send(app, completion=snapshot(user))
    db.session.commit()
    cert = db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)).one()
    correct(cert, learner_name="Vel Ostrander", reason="Spelling", actor_id=admin.id)
    db.session.commit()
    entry = db.session.scalars(select(audit.AuditEvent).where(
        audit.AuditEvent.action == "certificates.certificate.corrected")).one()
    assert entry.personal["fields"] == {"name_from": "Vel Ostrandr", "name_to": "Vel Ostrander"}
    assert "Ostrand" not in str(entry.data)

    erase_user(user.id, revoke_certificates=True)
    db.session.commit()
    assert find_text(app, "Ostrand", "vel@example.org") == set()
    assert audit.verify_chain().ok
