"""Ballots: the frozen roll, who may vote, secret ballots, closing, tallying, verifying."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, select

from governance import operations as ops
from governance.errors import InvalidInput, NotAllowed, WrongState
from governance.models import Paper, Result, RollEntry, Vote, Voter
from lms import signals
from lms.audit import AuditEvent
from lms.db import utcnow

from .conftest import count_queries


def _end_window(ballot):
    """The voting window ended a second ago."""
    ballot.closes_dt = utcnow() - dt.timedelta(seconds=1)


def test_roll_is_frozen_and_hashed(db, make_members, start_ballot):
    members = make_members(4)
    ballot = start_ballot(members[0], members[1:3])
    entries = db.session.execute(
        select(RollEntry.user_id, RollEntry.member_class).where(RollEntry.ballot_id == ballot.id)
    ).all()
    assert ballot.roll_count == 4
    assert ballot.roll_hash == ops.roll_digest(ballot.id, [tuple(e) for e in entries])
    late = make_members(1)[0]  # joins after the roll was frozen
    with pytest.raises(NotAllowed):
        ops.cast_vote(ballot, late.id, "for")
    assert not ops.on_roll(ballot, late.id)
    db.session.rollback()
    assert db.session.scalar(select(Vote.id).where(Vote.user_id == late.id)) is None


@pytest.mark.parametrize("keep", [False, True])
def test_leavers_keep_or_lose_their_vote_as_the_rules_say(db, make_members, start_ballot, keep):
    members = make_members(6)
    ballot = start_ballot(members[0], members[1:3])
    ballot.rules = {**ballot.rules, "leavers_keep_vote": keep}
    db.session.commit()
    ops.cast_vote(ballot, members[4].id, "against")
    leaver = ops.active_membership(members[4].id)
    ops.withdraw(leaver)
    lapsed = ops.lapse(ops.active_membership(members[5].id), actor_id=None)
    assert lapsed.status == "lapsed"
    db.session.commit()
    if keep:
        ops.cast_vote(ballot, members[5].id, "for")
    else:
        with pytest.raises(NotAllowed):
            ops.cast_vote(ballot, members[5].id, "for")
    for m in members[:3]:
        ops.cast_vote(ballot, m.id, "for")
    db.session.commit()
    counted = ops.tally(ballot)
    assert counted.leavers == 2 and counted.leavers_keep_vote is keep
    if keep:
        assert (counted.eligible, counted.votes_for, counted.votes_against) == (6, 4, 1)
    else:
        assert (counted.eligible, counted.votes_for, counted.votes_against) == (4, 3, 0)


def test_refusals_store_nothing(db, make_user, make_members, start_ballot):
    members = make_members(3)
    outsider = make_user()
    ballot = start_ballot(members[0], members[1:])
    with pytest.raises(NotAllowed):
        ops.cast_vote(ballot, outsider.id, "for")
    for tampered in ("yes", "FOR", "", "for ", "against'--"):
        with pytest.raises(InvalidInput):
            ops.cast_vote(ballot, members[0].id, tampered)
    db.session.rollback()
    assert db.session.scalars(select(Vote)).all() == []


def test_database_refuses_votes_off_roll_and_bad_choices(db, make_user, make_members, start_ballot):
    members = make_members(3)
    ballot = start_ballot(members[0], members[1:])
    db.session.add(Vote(ballot_id=ballot.id, user_id=make_user().id, choice="for"))
    with pytest.raises(Exception, match="(?i)foreign key"):
        db.session.commit()
    db.session.rollback()
    db.session.add(Vote(ballot_id=ballot.id, user_id=members[0].id, choice="maybe"))
    with pytest.raises(Exception, match="(?i)check"):
        db.session.commit()
    db.session.rollback()


def test_open_vote_change_and_no_change_rule(db, make_members, start_ballot):
    members = make_members(3)
    ballot = start_ballot(members[0], members[1:])
    first = ops.cast_vote(ballot, members[0].id, "for")
    again = ops.cast_vote(ballot, members[0].id, "against")
    assert not first.changed and again.changed
    assert ops.my_vote(ballot, members[0].id) == {"voted": True, "choice": "against"}
    ballot.rules = {**ballot.rules, "allow_vote_change": False}
    db.session.commit()
    with pytest.raises(WrongState):
        ops.cast_vote(ballot, members[0].id, "for")
    assert db.session.scalars(select(Vote.choice)).all() == ["against"]


def test_changing_a_vote_rechecks_membership_result_and_keeps_change_times(
    db, make_members, start_ballot
):
    members = make_members(4)
    ballot = start_ballot(members[0], members[1:3])
    voter, leaver = members[0].id, members[3].id
    ops.cast_vote(ballot, voter, "for")
    ops.cast_vote(ballot, leaver, "for")
    db.session.commit()

    def stored(user_id):
        db.session.expire_all()
        return db.session.execute(
            select(Vote.choice, Vote.changed_dt).where(Vote.user_id == user_id)
        ).one()

    assert stored(voter) == ("for", None)
    # The same choice again: nothing changes, and the answer says so.
    again = ops.cast_vote(ballot, voter, "for")
    assert again.unchanged and not again.changed
    assert stored(voter) == ("for", None)
    when = utcnow()
    ops.cast_vote(ballot, voter, "against", now=when)
    assert stored(voter) == ("against", when)
    # A member who has left may not change the vote they cast while a member.
    ops.lapse(ops.active_membership(leaver), actor_id=None)
    db.session.commit()
    with pytest.raises(NotAllowed):
        ops.cast_vote(ballot, leaver, "against")
    db.session.rollback()
    assert stored(leaver) == ("for", None)
    # Once the result is fixed no vote changes, whatever the clock says.
    _end_window(ballot)
    db.session.commit()
    ops.close_ballot(ballot)
    db.session.commit()
    with pytest.raises(WrongState):
        ops.cast_vote(ballot, voter, "for", now=ballot.closes_dt - dt.timedelta(seconds=1))
    db.session.rollback()
    assert stored(voter) == ("against", when)
    cast = db.session.scalars(
        select(AuditEvent.data).where(AuditEvent.action == "governance.vote.cast")
    ).all()
    # The same choice again wrote nothing to the audit log either.
    assert cast == [
        {"changed": False, "choice": "for"},
        {"changed": False, "choice": "for"},
        {"changed": True, "choice": "against"},
    ]


def test_voting_outside_the_window_is_refused(db, make_members, start_ballot):
    members = make_members(3)
    ballot = start_ballot(members[0], members[1:])
    with pytest.raises(WrongState):
        ops.cast_vote(ballot, members[0].id, "for", now=ballot.closes_dt)
    with pytest.raises(WrongState):
        ops.cast_vote(ballot, members[0].id, "for", now=ballot.opens_dt - dt.timedelta(seconds=1))
    ops.cast_vote(ballot, members[0].id, "for", now=ballot.closes_dt - dt.timedelta(seconds=1))


def test_secret_ballot_keeps_voters_apart_from_choices(db, make_members, start_ballot):
    members = make_members(5)
    ballot = start_ballot(members[0], members[1:3], secret=True)
    receipts = {}
    for m, choice in zip(members, ["for", "for", "against", "abstain", "for"], strict=True):
        receipts[m.id] = ops.cast_vote(ballot, m.id, choice).receipt
    db.session.commit()
    # The schema: papers carry no member, no id in insertion order, no time, no link to voters.
    columns = {c["name"] for c in inspect(db.engine).get_columns("governance_paper")}
    assert columns == {"receipt", "ballot_id", "member_class", "choice"}
    fks = inspect(db.engine).get_foreign_keys("governance_paper")
    assert [fk["referred_table"] for fk in fks] == ["governance_ballot"]
    voter_columns = {c["name"] for c in inspect(db.engine).get_columns("governance_voter")}
    assert not voter_columns & {"choice", "receipt", "paper_id"}
    # The rows: no shared value between a voter row and a paper row but the ballot.
    voters = db.session.scalars(select(Voter)).all()
    papers = db.session.scalars(select(Paper)).all()
    assert len(voters) == len(papers) == 5
    paper_values = {v for p in papers for v in (p.receipt, p.member_class, p.choice)}
    for voter in voters:
        assert not {str(voter.id), str(voter.user_id), voter.voted_dt.isoformat()} & {
            str(v) for v in paper_values
        }
    assert not db.session.scalars(select(Vote)).all()
    # The audit log says who voted, never what.
    cast = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "governance.vote.cast")
    ).all()
    assert len(cast) == 5 and all("choice" not in e.data for e in cast)
    # Changing a secret vote needs its receipt; a wrong one is told apart from none.
    with pytest.raises(WrongState, match="give its receipt code"):
        ops.cast_vote(ballot, members[0].id, "against")
    with pytest.raises(WrongState, match="That receipt code is wrong"):
        ops.cast_vote(ballot, members[0].id, "against", receipt="AAAA-BBBB-CCCC-DDDD-EEEE")
    same = ops.cast_vote(ballot, members[0].id, "for", receipt=receipts[members[0].id])
    assert same.unchanged and not same.changed and same.receipt == receipts[members[0].id]
    changed = ops.cast_vote(ballot, members[0].id, "against", receipt=receipts[members[0].id])
    assert changed.changed and changed.receipt == receipts[members[0].id]
    assert ops.my_vote(ballot, members[0].id) == {"voted": True, "choice": None}
    db.session.commit()
    # Receipts check only after the close, then say "counted" (never the choice).
    assert ops.check_receipt(ballot, receipts[members[1].id]) is False
    after = ballot.closes_dt
    assert ops.check_receipt(ballot, receipts[members[1].id].lower().replace("-", ""), now=after)
    assert ops.check_receipt(ballot, "AAAA-AAAA-AAAA-AAAA-AAAA", now=after) is False
    assert ops.published_list(ballot) is None  # hidden while open
    listed = ops.published_list(ballot, now=after)
    assert [e["receipt"] for e in listed] == sorted(receipts.values())


def test_close_fixes_the_result_exactly_once(app, db, make_members, start_ballot):
    members = make_members(4)
    ballot = start_ballot(members[0], members[1:3])
    for m, choice in zip(members, ["for", "for", "against", "abstain"], strict=True):
        ops.cast_vote(ballot, m.id, choice)
    db.session.commit()
    made = []

    def receiver(sender, decision):
        made.append(decision)

    signals.decision_made.connect(receiver, sender=app)
    assert ops.close_ballot(ballot) is None  # still open
    _end_window(ballot)
    db.session.commit()
    assert ballot.is_closed() and not ballot.is_open()
    with pytest.raises(WrongState):
        ops.cast_vote(ballot, members[3].id, "for")
    db.session.rollback()
    runner = app.test_cli_runner()
    out = runner.invoke(app.cli, ["governance", "close-due"], catch_exceptions=False)
    assert "fixed 1 result" in out.output
    out = runner.invoke(app.cli, ["governance", "close-due"], catch_exceptions=False)
    assert "fixed 0 result" in out.output
    again = ops.close_ballot(ballot)
    db.session.commit()
    assert db.session.scalars(select(Result)).all() == [again]
    assert len(made) == 1 and made[0].passed
    assert again.arithmetic["share_for"] == "2/3" and again.arithmetic["threshold"] == "1/2"
    assert again.arithmetic["by_class"]["learner"]["eligible"] == 4
    assert (again.eligible, again.turnout, again.quorum) == (4, 4, 3)
    assert ballot.proposal.status == "closed"
    actions = {e.action for e in db.session.scalars(select(AuditEvent))}
    assert {"governance.ballot.closed", "governance.result.fixed", "governance.ballot.opened"} <= (
        actions
    )
    out = runner.invoke(app.cli, ["governance", "verify", str(ballot.id)])
    assert out.exit_code == 0 and "OK" in out.output


def test_verify_catches_a_tampered_paper(app, db, make_members, start_ballot):
    members = make_members(4)
    ballot = start_ballot(members[0], members[1:3], secret=True)
    for m in members:
        ops.cast_vote(ballot, m.id, "for")
    _end_window(ballot)
    db.session.commit()
    ops.close_ballot(ballot)
    db.session.commit()
    assert ops.verify(ballot).ok
    paper = db.session.scalars(select(Paper)).first()
    paper.choice = "against"
    db.session.commit()
    report = ops.verify(ballot)
    assert not report.ok and report.recount["votes_against"] == 1
    out = app.test_cli_runner().invoke(app.cli, ["governance", "verify", str(ballot.id)])
    assert out.exit_code == 1 and "MISMATCH" in out.output


def test_tally_takes_the_same_queries_for_10_and_300_members(db, make_members, start_ballot):
    counts = []
    for n, secret in ((10, False), (300, False), (10, True), (300, True)):
        members = make_members(n)
        ballot = start_ballot(members[0], members[1:3], secret=secret)
        for i, m in enumerate(members):
            ops.cast_vote(ballot, m.id, ("for", "against", "abstain")[i % 3])
        db.session.commit()
        assert ballot.rules  # load the ballot itself before counting
        with count_queries(db.engine) as statements:
            counted = ops.tally(ballot)
        assert counted.turnout == n
        counts.append((secret, len(statements)))
        ballot.proposal.status = "closed"
        db.session.commit()
    assert counts[0][1] == counts[1][1] <= 3
    assert counts[2][1] == counts[3][1] <= 3
