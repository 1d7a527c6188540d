"""Membership: applications, decisions, leaving, the register, proposals and seconding."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from governance import operations as ops
from governance.errors import InvalidInput, NotAllowed, WrongState
from governance.markdown import render_markdown
from governance.models import ACTIVE, APPLIED, DECLINED, LAPSED, WITHDRAWN, Membership
from lms.audit import AuditEvent
from lms.contracts import PayloadError
from lms.db import utcnow


def _actions(db):
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_apply_approve_withdraw_and_lapse(db, make_user):
    secretary = make_user(roles=("admin",))
    alice, bob, carol = make_user(), make_user(), make_user()
    m = ops.apply_for_membership(alice.id, "learner")
    assert m.status == APPLIED and ops.active_membership(alice.id) is None
    with pytest.raises(WrongState):
        ops.apply_for_membership(alice.id, "worker")
    ops.approve(m, actor_id=secretary.id)
    assert m.status == ACTIVE and m.joined_dt is not None
    assert ops.active_membership(alice.id) is m
    with pytest.raises(WrongState):
        ops.approve(m, actor_id=secretary.id)

    b = ops.apply_for_membership(bob.id, "supporter")
    ops.decline(b, actor_id=secretary.id, reason="Not a supporter")
    assert b.status == DECLINED

    c = ops.apply_for_membership(carol.id, "worker")
    ops.approve(c, actor_id=secretary.id)
    ops.lapse(c, actor_id=secretary.id)
    assert c.status == LAPSED and c.left_dt is not None
    ops.withdraw(m)
    assert m.status == WITHDRAWN and m.left_dt is not None
    # Leaving allows applying again: a new spell of membership.
    again = ops.apply_for_membership(alice.id, "worker")
    assert again.id != m.id
    db.session.commit()

    register = ops.register()
    assert {r.user_id for r in register} == {alice.id, carol.id}
    rows = ops.register_rows()
    assert ops.REGISTER_CSV_HEADER == ("name", "member_class", "joined", "left", "status")
    assert {r[4] for r in rows} == {"withdrawn", "lapsed"}
    assert [a.id for a in ops.applications()] == [again.id]
    actions = _actions(db)
    for action in (
        "governance.membership.applied",
        "governance.membership.approved",
        "governance.membership.declined",
        "governance.membership.lapsed",
        "governance.membership.withdrawn",
    ):
        assert action in actions


def test_unknown_class_is_refused(make_user):
    with pytest.raises(InvalidInput):
        ops.apply_for_membership(make_user().id, "overlord")


def test_database_allows_one_current_membership_per_person(db, make_user):
    user = make_user()
    now = utcnow()
    db.session.add(
        Membership(user_id=user.id, member_class="learner", status=ACTIVE, joined_dt=now)
    )
    db.session.commit()
    db.session.add(Membership(user_id=user.id, member_class="worker", status=APPLIED))
    with pytest.raises(Exception) as caught:
        db.session.commit()
    assert "unique" in str(caught.value).lower()
    db.session.rollback()
    db.session.add(Membership(user_id=user.id, member_class="worker", status=LAPSED))
    db.session.commit()


def test_only_members_propose_second_and_comment(db, make_user, make_members):
    outsider = make_user()
    proposer, seconder = make_members(2)
    with pytest.raises(NotAllowed):
        ops.raise_proposal(outsider.id, "governance:resolution", "T", {"text": "x"})
    with pytest.raises(PayloadError) as caught:
        ops.raise_proposal(proposer.id, "governance:resolution", "T", {"text": "  "})
    assert "text" in caught.value.errors
    with pytest.raises(InvalidInput):
        ops.raise_proposal(proposer.id, "nobody:kind", "T", {})
    proposal = ops.raise_proposal(
        proposer.id, "governance:resolution", "Meet monthly", {"text": "We meet monthly."}
    )
    assert proposal.resolution == "ordinary" and proposal.status == "notice"
    assert proposal.summary == "Resolution: We meet monthly."
    with pytest.raises(NotAllowed):
        ops.second(proposal, proposer.id)
    with pytest.raises(NotAllowed):
        ops.second(proposal, outsider.id)
    ops.second(proposal, seconder.id)
    with pytest.raises(WrongState):
        ops.second(proposal, seconder.id)
    with pytest.raises(NotAllowed):
        ops.comment(proposal, outsider.id, "hello")
    note = ops.comment(proposal, seconder.id, "Good <script>alert(1)</script> **idea**")
    assert "<script>" not in note.body_html and "<strong>idea</strong>" in note.body_html
    # Notice not over: no ballot yet, however many seconds.
    assert ops.maybe_open_ballot(proposal) is None
    db.session.commit()
    assert ops.second_count(proposal.id) == 1


def test_ballot_opens_only_with_seconders_and_after_notice(db, make_members):
    proposer, s1, s2 = make_members(3)
    past = utcnow() - dt.timedelta(days=30)
    proposal = ops.raise_proposal(
        proposer.id, "governance:resolution", "T", {"text": "x"}, now=past
    )
    ops.second(proposal, s1.id, now=past)
    assert not ops.ready_for_ballot(proposal)  # one seconder of two
    ops.second(proposal, s2.id)  # notice long over: the second seconder opens it
    assert proposal.status == "ballot" and proposal.ballot is not None
    assert proposal.ballot.roll_count == 3
    db.session.commit()


def test_markdown_is_sanitised():
    html = render_markdown(
        "# Title\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)> [ok](https://a.example)"
    )
    assert 'href="javascript' not in html and "<img" not in html and "<h1>" not in html
    assert 'href="https://a.example"' in html


def test_the_same_form_raises_one_proposal_and_adds_one_comment(db, make_members):
    from sqlalchemy.exc import IntegrityError

    from governance.models import Comment, Proposal
    from lms.personal_data.drive import erase_user

    proposer, other = make_members(2)
    raised = [ops.raise_proposal(proposer.id, "governance:resolution", "Meet", {"text": "x"},
                                 token="a" * 32) for _ in range(2)]
    assert raised[0].id == raised[1].id
    # The token is the author's: another member's form with the same one is another record.
    theirs = ops.raise_proposal(other.id, "governance:resolution", "Meet", {"text": "x"},
                                token="a" * 32)
    assert theirs.id != raised[0].id
    said = [ops.comment(raised[0], other.id, "Agreed.", token="b" * 32) for _ in range(2)]
    assert said[0].id == said[1].id
    # Without a token (older callers) each call stores one.
    ops.comment(raised[0], other.id, "Agreed.")
    ops.comment(raised[0], other.id, "Agreed.")
    db.session.commit()
    assert db.session.scalar(select(func.count(Proposal.id))) == 2
    assert db.session.scalar(select(func.count(Comment.id))) == 3
    # The database holds the rule too.
    db.session.add(Comment(proposal_id=raised[0].id, author_id=other.id, body="x",
                           body_html="x", submit_token="b" * 32))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # Erasing the member empties the tokens of what they sent.
    assert erase_user(other.id)
    db.session.commit()
    assert db.session.scalars(
        select(Comment.submit_token).where(Comment.author_id == other.id)
    ).all() == [None, None, None]
    assert db.session.get(Proposal, theirs.id).submit_token is None
    assert db.session.get(Proposal, raised[0].id).submit_token == "a" * 32
