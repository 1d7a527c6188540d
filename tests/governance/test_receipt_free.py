"""Secret ballots are receipt-free, and results do not give away the votes of a small class.

A receipt proves that a paper was counted, never what it says: otherwise a
voter could prove their vote to someone pressing them. A class with fewer
voters than the rulebook's minimum is never shown on its own.
"""

from __future__ import annotations

import re

import pytest

from governance import operations as ops
from governance.disclosure import class_breakdown, min_voters
from governance.rules import DEFAULT_RULES, validate_rules
from lms.contracts import PayloadError
from lms.db import db

from .views_helpers import close_now, make_member, text_of, token

CHOICE_WORDS = ("for", "against", "abstain")


def _vote(client, proposal_id, choice):
    csrf = token(client, f"/governance/proposals/{proposal_id}/ballot")
    return client.post(
        f"/governance/proposals/{proposal_id}/ballot", data={"csrf_token": csrf, "choice": choice}
    )


def test_receipt_page_says_counted_without_the_choice(
    app, make_user, login, make_members, start_ballot
):
    voter = make_member(make_user)
    proposer, *seconders = make_members(3)
    ballot = start_ballot(proposer, seconders[:2], secret=True)
    p = ballot.proposal_id
    client = login(voter)
    r = _vote(client, p, "against")
    code = re.search(r'<code class="receipt">([A-Z0-9-]+)</code>', r.get_data(as_text=True))[1]
    close_now(ballot)

    page = text_of(client.get(f"/governance/proposals/{p}/receipt?code={code}")
                   .get_data(as_text=True))
    assert "Counted" in page
    # Neither the choice nor the class is on the page a voter could show to a coercer.
    assert "against" not in page.lower() and "Learner member" not in page

    # The published list gives the code alone: no choice next to it.
    papers = client.get(f"/governance/proposals/{p}/papers").get_data(as_text=True)
    assert f"<li><code>{code}</code></li>" in papers
    assert not re.search(rf"{code}</code>\s*</td>\s*<td[^>]*>", papers)
    rows = ops.published_list(db.session.merge(ballot))
    assert rows == [{"receipt": code, "counts": True}]

    # Someone else's code is simply not found.
    missing = client.get(f"/governance/proposals/{p}/receipt?code=AAAA-BBBB").get_data(
        as_text=True)
    assert "No ballot paper has this receipt code." in missing


def test_check_receipt_answers_only_yes_or_no(db, make_members, start_ballot):
    members = make_members(3)
    ballot = start_ballot(members[0], members[1:], secret=True)
    code = ops.cast_vote(ballot, members[0].id, "abstain").receipt
    db.session.commit()
    after = ballot.closes_dt
    assert ops.check_receipt(ballot, code, now=after) is True
    assert ops.check_receipt(ballot, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", now=after) is False
    # Still verifiable: the recount reads the papers themselves.
    ballot.closes_dt = after
    ops.close_ballot(ballot, now=after)
    db.session.commit()
    report = ops.verify(ballot)
    assert report.ok and report.recount == {"votes_for": 0, "votes_against": 0, "abstentions": 1}


def test_a_class_of_one_voter_is_not_broken_down(
    app, make_user, login, make_members, start_ballot
):
    learners = make_members(6, member_class="learner")
    worker = make_member(make_user, member_class="worker")
    ballot = start_ballot(learners[0], learners[1:3], secret=True)
    for m in learners:
        ops.cast_vote(ballot, m.id, "for")
    ops.cast_vote(ballot, worker.id, "against")
    db.session.commit()
    close_now(ballot)
    page = text_of(login(worker).get(f"/governance/proposals/{ballot.proposal_id}/result")
                   .get_data(as_text=True))
    assert "Against 1" in page  # the totals stay
    # The worker's row would say "1 0 1 0"; learners' "6 6 0 0" would give it away too.
    assert not re.search(r"Worker member 1 0 1 0", page)
    assert not re.search(r"Learner member 6 6 0 0", page)
    assert "Withheld: in at least one class fewer than 5 members voted" in page


def test_small_classes_are_shown_together_when_together_they_are_enough(
    app, make_user, login, make_members, start_ballot
):
    learners = make_members(6, member_class="learner")
    workers = make_members(3, member_class="worker")
    supporters = make_members(2, member_class="supporter")
    ballot = start_ballot(learners[0], learners[1:3])
    for m in learners:
        ops.cast_vote(ballot, m.id, "for")
    for m, choice in zip(workers + supporters, ["against", "for", "abstain", "against", "for"],
                         strict=True):
        ops.cast_vote(ballot, m.id, choice)
    db.session.commit()
    close_now(ballot)
    viewer = make_member(make_user)
    page = text_of(login(viewer).get(f"/governance/proposals/{ballot.proposal_id}/result")
                   .get_data(as_text=True))
    assert "Learner member 6 6 0 0" in page
    assert "Worker member 3 fewer than 5 voted" in page
    assert "Supporter member 2 fewer than 5 voted" in page
    assert "Smaller classes together 2 2 1" in page


def test_breakdown_rules():
    counts = {
        "a": {"eligible": 9, "votes_for": 5, "votes_against": 2, "abstentions": 0},
        "b": {"eligible": 1, "votes_for": 0, "votes_against": 1, "abstentions": 0},
        "c": {"eligible": 4, "votes_for": 0, "votes_against": 0, "abstentions": 0},
    }
    assert class_breakdown(counts, 5).withheld
    shown = class_breakdown(counts, 1)
    assert not shown.withheld and shown.combined is None
    assert [r.counts["votes_against"] for r in shown.rows] == [2, 1, 0]
    # A class nobody voted in hides nothing, so it does not hold the others back.
    no_small = class_breakdown({k: counts[k] for k in ("a", "c")}, 5)
    assert not no_small.withheld and all(r.counts is not None for r in no_small.rows)
    # The strictest of the ballot's rules and the rules in force applies; 5 by default.
    assert min_voters({}, {"class_breakdown_min_voters": 3}) == 5
    assert min_voters({"class_breakdown_min_voters": 2}, {"class_breakdown_min_voters": 7}) == 7


def test_minimum_class_size_is_a_rule():
    assert DEFAULT_RULES["class_breakdown_min_voters"] == 5
    assert validate_rules({"class_breakdown_min_voters": "8"})["class_breakdown_min_voters"] == 8
    with pytest.raises(PayloadError) as caught:
        validate_rules({"class_breakdown_min_voters": 0})
    assert "class_breakdown_min_voters" in caught.value.errors
