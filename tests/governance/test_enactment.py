"""Enacting passed decisions: once, in a savepoint, failures recorded and retried; rule changes."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from governance import operations as ops
from governance.errors import WrongState
from governance.models import Enactment, Rulebook
from lms import signals
from lms.audit import AuditEvent
from lms.contracts import EnactmentResult, PayloadError
from lms.db import utcnow
from lms.plugins import register_decision_kind

from .conftest import pass_ballot


class FlakyKind:
    """A test kind that writes a rulebook row, then fails while ``broken`` is set."""

    key = "governance:test-flaky"
    label = "Flaky"
    resolution = "ordinary"
    broken = True
    calls = 0

    def fields(self):
        return []

    def validate(self, payload):
        return dict(payload)

    def describe(self, payload):
        return "flaky"

    def enact(self, decision):
        FlakyKind.calls += 1
        from lms.db import db

        db.session.add(Rulebook(version=900 + FlakyKind.calls, rules={}))
        db.session.flush()
        if FlakyKind.broken:
            raise RuntimeError("the course service is down")
        return EnactmentResult(summary="done", links={"x": "/x"})


def test_resolution_is_enacted_once_with_signals(app, db, make_members, start_ballot):
    members = make_members(4)
    ballot = start_ballot(members[0], members[1:3])
    enacted = []

    def receiver(sender, decision, result):
        enacted.append((decision, result))

    signals.decision_enacted.connect(receiver, sender=app)
    result = pass_ballot(ballot, members)
    assert result.passed
    proposal = ballot.proposal
    enactment = proposal.enactment
    assert enactment.status == "enacted" and enactment.attempts == 1
    assert len(enacted) == 1 and enacted[0][0].decision_id == proposal.id
    again = ops.enact(proposal)
    db.session.commit()
    assert again.attempts == 1 and len(enacted) == 1
    assert "governance.enactment.done" in {
        e.action for e in db.session.scalars(select(AuditEvent))
    }


def test_failed_enactment_is_recorded_rolled_back_and_retried(app, db, make_members, start_ballot):
    register_decision_kind(app, FlakyKind(), owner="governance")
    FlakyKind.broken, FlakyKind.calls = True, 0
    members = make_members(4)
    ballot = start_ballot(members[0], members[1:3], kind="governance:test-flaky", payload={})
    pass_ballot(ballot, members)
    enactment = db.session.scalar(select(Enactment))
    assert enactment.status == "failed" and "the course service is down" in enactment.error
    assert db.session.scalars(select(Rulebook)).all() == []  # the kind's writes rolled back
    assert ops.failed_enactments() == [enactment]
    FlakyKind.broken = False
    ops.retry(ballot.proposal, actor_id=None)
    db.session.commit()
    assert enactment.status == "enacted" and enactment.attempts == 2 and enactment.error == ""
    ops.retry(ballot.proposal, actor_id=None)
    db.session.commit()
    assert FlakyKind.calls == 2  # enacted decisions are not enacted again
    actions = [e.action for e in db.session.scalars(select(AuditEvent))]
    assert "governance.enactment.failed" in actions and "governance.enactment.retried" in actions


def test_lost_ballots_cannot_be_enacted(db, make_members, start_ballot):
    members = make_members(6)
    ballot = start_ballot(members[0], members[1:3])
    for m, choice in zip(members[:4], ["for", "for", "against", "against"], strict=True):
        ops.cast_vote(ballot, m.id, choice)
    ballot.closes_dt = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    result = ops.close_ballot(ballot)
    assert not result.passed and result.arithmetic["share_for"] == "1/2"  # a tie is lost
    with pytest.raises(WrongState):
        ops.enact(ballot.proposal)


def test_changing_the_rules_is_a_special_resolution_that_versions_the_rulebook(
    db, make_members, start_ballot
):
    ops.ensure_default_rulebook()
    members = make_members(4)
    with pytest.raises(PayloadError):
        ops.raise_proposal(members[0].id, "governance:rules", "Bad", {"seconders_required": "-3"})
    ballot = start_ballot(
        members[0],
        members[1:3],
        kind="governance:rules",
        payload={"seconders_required": "1", "member_classes": '{"learner": "Learner member"}'},
        title="One seconder is enough",
    )
    assert ballot.resolution == "special"
    assert ballot.proposal.payload["seconders_required"] == 1
    # 3 for, 1 against = exactly 75%: passes.
    for m, choice in zip(members, ["for", "for", "for", "against"], strict=True):
        ops.cast_vote(ballot, m.id, choice)
    ballot.closes_dt = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert ops.close_ballot(ballot).passed
    db.session.commit()
    rules = ops.current_rules()
    assert rules.version == 2 and rules["seconders_required"] == 1
    assert rules["member_classes"] == {"learner": "Learner member"}
    ops.enact(ballot.proposal)
    db.session.commit()
    assert ops.current_rules().version == 2
    versions = db.session.scalars(select(Rulebook.version).order_by(Rulebook.version)).all()
    assert versions == [1, 2]
