"""The secretary's to-do page, never deciding on one's own membership, and early open and close."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from governance import operations as ops
from governance import secretary
from governance.errors import InvalidInput, NotAllowed
from governance.models import ACTIVE, APPLIED, Ballot, Membership
from governance.models import Rulebook as RulebookRow
from governance.rules import DEFAULT_RULES, validate_rules
from lms.audit import AuditEvent
from lms.jobs import FAILED, Job
from lms.testing import csrf_token

from .conftest import count_queries


def _rules(db, **changes):
    ops.ensure_default_rulebook()
    version = (db.session.scalar(select(RulebookRow.version).order_by(
        RulebookRow.version.desc())) or 0) + 1
    db.session.add(RulebookRow(version=version,
                               rules=validate_rules({**DEFAULT_RULES, **changes})))
    db.session.commit()


def _secretary(make_user, db, *, applied=False):
    admin = make_user(roles=("admin",), name="Sasha Secretary")
    if applied:
        ops.apply_for_membership(admin.id, "worker")
        db.session.commit()
    return admin


def test_a_secretary_cannot_approve_or_decline_their_own_application(
    app, db, make_user, login
):
    admin = _secretary(make_user, db, applied=True)
    own = db.session.scalar(select(Membership).where(Membership.user_id == admin.id))
    with pytest.raises(NotAllowed):
        ops.approve(own, actor_id=admin.id)
    with pytest.raises(NotAllowed):
        ops.decline(own, actor_id=admin.id)
    db.session.rollback()
    client = login(admin)
    page = client.get("/governance/secretary/applications").get_data(as_text=True)
    assert "This is your own application" in page
    assert f"/secretary/applications/{own.id}/approve" not in page
    token = csrf_token(client, "/governance/secretary/applications")
    response = client.post(f"/governance/secretary/applications/{own.id}/approve",
                           data={"csrf_token": token})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Membership, own.id).status == APPLIED
    # Another secretary may.
    other = make_user(roles=("admin",))
    ops.approve(db.session.get(Membership, own.id), actor_id=other.id)
    db.session.commit()
    assert db.session.get(Membership, own.id).status == ACTIVE


def test_todo_lists_what_waits_but_never_the_secretarys_own_application(
    app, db, make_user, make_members, start_ballot, login
):
    admin = _secretary(make_user, db, applied=True)
    applicant = make_user(name="Ada Applicant")
    ops.apply_for_membership(applicant.id, "learner")
    proposer, s1, s2 = make_members(3)
    start_ballot(proposer, [s1, s2], title="Open on Sundays")
    ops.raise_proposal(proposer.id, "governance:resolution", "Paint the door", {"text": "Green."})
    db.session.add(Job(name="lms.mail.deliver", args={}, state=FAILED, attempts=9,
                       max_attempts=9))
    db.session.commit()
    client = login(admin)
    page = client.get("/governance/secretary/").get_data(as_text=True)
    assert "Ada Applicant" in page
    assert "Sasha Secretary" not in page.split("<main")[1].split("Your own application")[0]
    assert "Your own application is waiting too" in page
    assert "Paint the door" in page and "0 of 2 seconders so far." in page
    assert "Open on Sundays" in page and "0 of 3 members have voted." in page
    assert "1 background job failed." in page
    assert "Open the ballot now" not in page  # the default rules do not allow it
    assert "Close the ballot now" not in page


def test_todo_costs_the_same_queries_however_much_waits(
    app, db, make_user, make_members, start_ballot, login
):
    admin = _secretary(make_user, db)
    client = login(admin)
    proposer, s1, s2 = make_members(3)
    start_ballot(proposer, [s1, s2], title="One")
    ops.raise_proposal(proposer.id, "governance:resolution", "Later", {"text": "x"})
    ops.apply_for_membership(make_user().id, "learner")
    db.session.commit()
    client.get("/governance/secretary/")
    with count_queries(db.engine) as few:
        assert client.get("/governance/secretary/").status_code == 200
    for n in range(3):
        start_ballot(proposer, [s1, s2], title=f"More {n}")
        ops.raise_proposal(proposer.id, "governance:resolution", f"Later {n}", {"text": "x"})
        ops.apply_for_membership(make_user().id, "learner")
    db.session.commit()
    with count_queries(db.engine) as many:
        assert client.get("/governance/secretary/").status_code == 200
    assert len(many) == len(few), '\n'.join(x[:150] for x in many)


def test_secretary_opens_a_seconded_ballot_early_with_a_reason_where_allowed(
    app, db, make_user, make_members, login
):
    _rules(db, secretary_may_open_early=True)
    admin = _secretary(make_user, db)
    proposer, s1, s2 = make_members(3)
    proposal = ops.raise_proposal(proposer.id, "governance:resolution", "Urgent", {"text": "x"})
    ops.second(proposal, s1.id)
    db.session.commit()
    with pytest.raises(NotAllowed):  # one seconder of two
        secretary.open_early(proposal, actor_id=admin.id, reason="Soon")
    db.session.rollback()
    ops.second(proposal, s2.id)
    db.session.commit()
    with pytest.raises(InvalidInput):
        secretary.open_early(proposal, actor_id=admin.id, reason="  ")
    db.session.rollback()
    client = login(admin)
    page = client.get("/governance/secretary/").get_data(as_text=True)
    assert "Open the ballot now" in page
    token = csrf_token(client, "/governance/secretary/")
    empty = client.post(f"/governance/secretary/proposals/{proposal.id}/open-early",
                        data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 303
    assert db.session.scalar(select(Ballot).where(Ballot.proposal_id == proposal.id)) is None
    done = client.post(f"/governance/secretary/proposals/{proposal.id}/open-early",
                       data={"csrf_token": token, "reason": "The building closes next week."})
    assert done.status_code == 303 and done.location.endswith(f"/{proposal.id}/ballot")
    db.session.expire_all()
    ballot = db.session.scalar(select(Ballot).where(Ballot.proposal_id == proposal.id))
    assert ballot.opened_early_reason == "The building closes next week."
    ballot_page = client.get(done.location).get_data(as_text=True)
    assert "The building closes next week." in ballot_page
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "governance.ballot.opened_early"))
    assert event.actor_id == admin.id and event.data["reason"] == "The building closes next week."


def test_secretary_closes_a_ballot_early_once_everyone_voted(
    app, db, make_user, make_members, start_ballot, login
):
    admin = _secretary(make_user, db)
    proposer, s1, s2 = make_members(3)
    ballot = start_ballot(proposer, [s1, s2], title="All in")
    ops.cast_vote(ballot, proposer.id, "for")
    ops.cast_vote(ballot, s1.id, "for")
    db.session.commit()
    with pytest.raises(NotAllowed):
        secretary.close_early(ballot, actor_id=admin.id, reason="Enough")
    db.session.rollback()
    ops.cast_vote(db.session.get(Ballot, ballot.id), s2.id, "against")
    db.session.commit()
    client = login(admin)
    assert "Close the ballot now" in client.get("/governance/secretary/").get_data(as_text=True)
    token = csrf_token(client, "/governance/secretary/")
    done = client.post(f"/governance/secretary/proposals/{ballot.proposal_id}/close-early",
                       data={"csrf_token": token, "reason": "Everyone has voted."})
    assert done.status_code == 303 and done.location.endswith("/result")
    db.session.expire_all()
    closed = db.session.get(Ballot, ballot.id)
    assert closed.result is not None and closed.result.passed
    assert closed.closed_early_reason == "Everyone has voted."
    assert closed.closes_dt < ballot.opens_dt + dt.timedelta(days=7)
    assert "Everyone has voted." in client.get(done.location).get_data(as_text=True)


def test_ballot_rules_that_forbid_closing_early_are_kept(
    app, db, make_user, make_members, start_ballot
):
    _rules(db, secretary_may_close_when_all_voted=False)
    admin = _secretary(make_user, db)
    proposer, s1, s2 = make_members(3)
    ballot = start_ballot(proposer, [s1, s2])
    for m in (proposer, s1, s2):
        ops.cast_vote(ballot, m.id, "for")
    db.session.commit()
    with pytest.raises(NotAllowed):
        secretary.close_early(ballot, actor_id=admin.id, reason="Done")
