"""Members are told of proposals to second, ballots opening and closing, results, enactments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from governance import operations as ops
from governance.notices import (
    BALLOT_CLOSING,
    BALLOT_OPENED,
    DECISION_ENACTED,
    PROPOSAL_RAISED,
    RESULT_DECLARED,
    remind_closing,
)
from lms.db import utcnow
from lms.mail import OutboxMessage
from lms.notifications import Notification, set_preferences


def _notices(db, kind):
    db.session.expire_all()
    return list(db.session.scalars(
        select(Notification).where(Notification.kind == kind).order_by(Notification.user_id)
    ))


def _mails(db, subject_start):
    return [m for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
            if m.subject.startswith(subject_start)]


def test_members_hear_of_a_proposal_to_second_but_not_the_proposer(app, db, make_members):
    proposer, *others = make_members(3)
    proposal = ops.raise_proposal(proposer.id, "governance:resolution", "Meet monthly",
                                  {"text": "We resolve to meet monthly."})
    db.session.commit()
    notices = _notices(db, PROPOSAL_RAISED)
    assert [n.user_id for n in notices] == [o.id for o in others]
    notice = notices[0]
    assert notice.subject == "A proposal needs seconding: Meet monthly"
    assert "goes to a vote once 2 members other than the proposer second it" in notice.body
    assert notice.link == f"/governance/proposals/{proposal.id}"
    assert notice.email_state == "digest"  # a daily digest unless the member chooses otherwise
    assert _mails(db, "A proposal needs seconding") == []


def test_ballot_opening_tells_the_roll_when_it_closes_in_their_time_zone(
    app, db, make_members, start_ballot
):
    proposer, s1, s2, far = make_members(4)
    far.time_zone = "America/New_York"
    db.session.commit()
    ballot = start_ballot(proposer, [s1, s2], title="Open on Saturdays")
    notices = {n.user_id: n for n in _notices(db, BALLOT_OPENED)}
    assert set(notices) == {proposer.id, s1.id, s2.id, far.id}
    assert notices[far.id].subject == "Vote now: Open on Saturdays"
    assert notices[far.id].link == f"/governance/proposals/{ballot.proposal_id}/ballot"
    assert "(America/New York)" in notices[far.id].body
    assert "(UTC)" in notices[s1.id].body
    closes_ny = ballot.closes_dt.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert f"{closes_ny:%H}:{closes_ny:%M}" in notices[far.id].body or (
        # Daylight saving time: four hours behind UTC.
        f"{ballot.closes_dt.astimezone(dt.timezone(dt.timedelta(hours=-4))):%H:%M}"
        in notices[far.id].body
    )
    mails = _mails(db, "Vote now: Open on Saturdays")
    assert sorted(m.recipient for m in mails) == sorted(u.email for u in (proposer, s1, s2, far))
    assert all("List-Unsubscribe" in m.headers for m in mails)


def test_ballot_opening_sends_nothing_to_a_member_who_turned_it_off(
    app, db, make_members, start_ballot
):
    proposer, s1, s2, quiet = make_members(4)
    set_preferences(quiet.id, {BALLOT_OPENED: "off"})
    db.session.commit()
    start_ballot(proposer, [s1, s2], title="Quiet please")
    assert quiet.id not in {n.user_id for n in _notices(db, BALLOT_OPENED)}
    assert quiet.email not in {m.recipient for m in _mails(db, "Vote now: Quiet please")}


def test_members_who_have_not_voted_are_reminded_once_on_the_last_day(
    app, db, make_members, start_ballot
):
    proposer, s1, s2, idle = make_members(4)
    ballot = start_ballot(proposer, [s1, s2], title="Last call")
    ops.cast_vote(ballot, proposer.id, "for")
    db.session.commit()
    assert remind_closing() == 0  # a week to go
    day_before = ballot.closes_dt - dt.timedelta(hours=23)
    assert remind_closing(day_before) == 3
    db.session.commit()
    assert remind_closing(day_before + dt.timedelta(minutes=5)) == 0  # once only
    db.session.commit()
    notices = _notices(db, BALLOT_CLOSING)
    assert [n.user_id for n in notices] == [s1.id, s2.id, idle.id]
    assert notices[0].subject == "Last day to vote: Last call"
    assert "You have not voted yet." in notices[0].body


def test_secret_ballot_voters_are_not_reminded(app, db, make_members, start_ballot):
    proposer, s1, s2 = make_members(3)
    ballot = start_ballot(proposer, [s1, s2], secret=True, title="In secret")
    ops.cast_vote(ballot, s1.id, "against")
    db.session.commit()
    remind_closing(ballot.closes_dt - dt.timedelta(hours=1))
    db.session.commit()
    assert [n.user_id for n in _notices(db, BALLOT_CLOSING)] == [proposer.id, s2.id]


def test_result_and_enactment_are_announced_to_the_roll(app, db, make_members, start_ballot):
    proposer, s1, s2 = make_members(3)
    ballot = start_ballot(proposer, [s1, s2], title="Meet monthly")
    for m in (proposer, s1, s2):
        ops.cast_vote(ballot, m.id, "for")
    db.session.commit()
    ops.close_ballot(ballot, now=ballot.closes_dt + dt.timedelta(seconds=1))
    db.session.commit()
    results = _notices(db, RESULT_DECLARED)
    assert [n.user_id for n in results] == [proposer.id, s1.id, s2.id]
    assert results[0].subject == "Passed: Meet monthly"
    assert results[0].body == "The proposal passed. 3 members voted: 3 for, 0 against."
    assert results[0].link == f"/governance/proposals/{ballot.proposal_id}/result"
    enacted = _notices(db, DECISION_ENACTED)
    assert [n.subject for n in enacted] == ["Carried out: Meet monthly"] * 3
    assert utcnow() > ballot.opens_dt


def test_member_dashboard_lists_votes_waiting_and_proposals_to_second(
    app, db, make_members, start_ballot, login
):
    from governance.notices import member_dashboard

    proposer, s1, s2, me = make_members(4)
    start_ballot(proposer, [s1, s2], title="Vote on me")
    voted = start_ballot(proposer, [s1, s2], title="Already voted")
    ops.cast_vote(voted, me.id, "for")
    ops.raise_proposal(proposer.id, "governance:resolution", "Second me", {"text": "x"})
    db.session.commit()
    data = member_dashboard(me.id)
    assert [title for _pid, title, _closes in data["ballots"]] == ["Vote on me"]
    assert data["to_second"] == 1


def test_member_dashboard_is_one_statement_for_members_and_others(
    app, db, make_members, start_ballot, make_user
):
    """Members and non-members alike: one statement; a member's ballots soonest-closing
    first, none when none is open, and nothing at all for someone who is not a member."""
    from governance.notices import member_dashboard
    from lms import directread

    proposer, s1, s2, me = make_members(4)
    outsider = make_user(name="Not A Member")
    seen: list[str] = []
    directread.observers.append(seen.append)
    try:
        assert member_dashboard(me.id) == {"member": True, "ballots": [], "to_second": 0}
        late = start_ballot(proposer, [s1, s2], title="Closes later")
        soon = start_ballot(proposer, [s1, s2], title="Closes sooner")
        soon.closes_dt = late.closes_dt - dt.timedelta(days=1)
        ops.raise_proposal(proposer.id, "governance:resolution", "Second me", {"text": "x"})
        ops.raise_proposal(me.id, "governance:resolution", "My own", {"text": "x"})
        db.session.commit()
        seen.clear()
        data = member_dashboard(me.id)
        assert len(seen) == 1
        assert [title for _pid, title, _closes in data["ballots"]] == [
            "Closes sooner", "Closes later"
        ]
        assert data["ballots"][0][0] == soon.proposal_id
        assert data["to_second"] == 1  # not their own proposal
        assert member_dashboard(outsider.id) == {"member": False, "ballots": [], "to_second": 0}
    finally:
        directread.observers.remove(seen.append)


def test_dashboard_shows_the_votes_waiting(app, db, make_members, start_ballot, make_user,
                                           login):
    from governance.models import ACTIVE, Membership

    member = make_user(name="Mo Member")
    db.session.add(Membership(user_id=member.id, member_class="learner", status=ACTIVE,
                              applied_dt=utcnow(), joined_dt=utcnow()))
    db.session.commit()
    proposer, s1, s2 = make_members(3)
    ballot = start_ballot(proposer, [s1, s2], title="Vote on me")
    client = login(member)
    page = client.get("/").get_data(as_text=True)
    assert "1 vote is waiting for you:" in page
    assert f'href="/governance/proposals/{ballot.proposal_id}/ballot">Vote on me</a>' in page
    ops.cast_vote(db.session.get(type(ballot), ballot.id), member.id, "against")
    db.session.commit()
    assert "No vote is waiting for you." in client.get("/").get_data(as_text=True)
