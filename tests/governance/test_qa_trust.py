"""QA as a hostile insider (qa-trust): stale decisions, refused forms that keep their words."""

from __future__ import annotations

import datetime as dt

from governance import operations as ops
from governance import secretary
from lms.db import utcnow

from .conftest import pass_ballot
from .views_helpers import make_member


def test_a_rules_change_enacted_later_keeps_the_changes_decided_meanwhile(
    db, make_members, start_ballot
):
    """Two rule changes raised under the same rules, each changing one rule: enacting
    the second must not put back the rule the first changed (nobody voted for that)."""
    ops.ensure_default_rulebook()
    members = make_members(4)
    notice = start_ballot(members[0], members[1:3], kind="governance:rules",
                          payload={"notice_hours": "48"}, title="Shorter notice")
    seconders = start_ballot(members[0], members[1:3], kind="governance:rules",
                             payload={"seconders_required": "1"}, title="One seconder")
    assert pass_ballot(seconders, members).passed
    assert ops.current_rules()["seconders_required"] == 1
    assert pass_ballot(notice, members).passed
    rules = ops.current_rules()
    assert rules.version == 3
    assert rules["notice_hours"] == 48
    assert rules["seconders_required"] == 1


def test_a_seconder_who_left_the_coop_no_longer_counts(db, make_members):
    """Seconders are members: one who has left by the end of the notice period does not
    send the proposal to ballot with fewer members behind it than the rules require."""
    ops.ensure_default_rulebook()
    proposer, first, second, third = make_members(4)
    raised = utcnow() - dt.timedelta(days=20)
    proposal = ops.raise_proposal(proposer.id, "governance:resolution", "Meet monthly",
                                  {"text": "We meet monthly."}, now=raised)
    ops.second(proposal, first.id, now=raised)
    ops.second(proposal, second.id, now=raised)
    db.session.commit()
    ops.withdraw(ops.membership_of(second.id))
    db.session.commit()
    assert ops.second_count(proposal.id) == 1
    assert ops.maybe_open_ballot(proposal) is None and proposal.status == "notice"
    assert [t.seconds for t in secretary.todos(third.id).proposals] == [1]
    ops.second(proposal, third.id)
    assert proposal.status == "ballot"


def test_the_proposal_page_counts_only_the_seconders_who_are_members(
    db, make_user, login, make_members
):
    ops.ensure_default_rulebook()
    proposer, first, second = make_members(3)
    proposal = ops.raise_proposal(proposer.id, "governance:resolution", "Meet monthly",
                                  {"text": "We meet monthly."})
    ops.second(proposal, first.id)
    ops.second(proposal, second.id)
    db.session.commit()
    ops.withdraw(ops.membership_of(second.id))
    db.session.commit()
    reader = login(make_member(make_user))
    html = reader.get(f"/governance/proposals/{proposal.id}").get_data(as_text=True)
    assert "Seconded by 1 of the 2 members needed" in html
    assert first.display_name in html and second.display_name not in html
