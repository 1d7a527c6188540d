"""A member told of a ballot votes from the notification, in a real browser without JavaScript.

A proposal is raised and seconded; its ballot opens (the rules in force have
no notice period). A member who lives in New York sees the bell's count,
reads the notice (voting closes at a time in their own zone), opens it, lands
on the ballot and votes with the radio group. The secretary's to-do page
shows the ballot with its turnout. axe-core checks every page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from governance import operations as ops
from governance.models import Ballot
from governance.models import Rulebook as RulebookRow
from governance.rules import DEFAULT_RULES, validate_rules
from lms.db import db
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y
from .test_governance_journey import _member

pytestmark = pytest.mark.e2e

TITLE = "Open the reading room on Sundays"


def _log_in(new_page, email, **options):
    page = new_page(viewport={"width": 1280, "height": 900}, **options)
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def test_member_votes_from_the_ballot_notice(app, live_server, new_page, make_user):
    db.session.add(RulebookRow(version=1, rules=validate_rules(dict(DEFAULT_RULES))))
    db.session.add(RulebookRow(version=2, rules=validate_rules({**DEFAULT_RULES,
                                                                "notice_hours": 0})))
    db.session.commit()
    proposer = _member(make_user, "Priya Proposer")
    seconders = [_member(make_user, "Sam Seconder"), _member(make_user, "Sol Seconder")]
    voter = _member(make_user, "Nadia in New York")
    from lms.accounts.models import User

    users = {u.email: u for u in db.session.scalars(select(User))}
    users[voter].time_zone = "America/New_York"
    proposal = ops.raise_proposal(users[proposer].id, "governance:resolution", TITLE,
                                  {"text": "We open the reading room on Sundays."})
    for s in seconders:
        ops.second(proposal, users[s].id)
    proposal_id = proposal.id
    db.session.commit()
    assert db.session.scalar(select(Ballot).where(Ballot.proposal_id == proposal_id))
    db.session.commit()

    page = _log_in(new_page, voter, java_script_enabled=False)
    bell = page.get_by_role("navigation", name="Account").get_by_role("link",
                                                                       name="Notifications")
    expect(bell).to_contain_text("2")  # the proposal to second, then its ballot
    bell.click()
    notice = page.get_by_role("listitem").filter(has_text=f"Vote now: {TITLE}")
    expect(notice).to_contain_text("Voting closes on")
    expect(notice).to_contain_text("(America/New York)")
    check_a11y(page)
    notice.get_by_role("button", name=re.compile(r"^Open")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(bell).to_contain_text("1")
    check_a11y(page)
    fingerprint = page.get_by_text("Check the list has not changed")
    expect(fingerprint).to_be_visible()
    page.get_by_role("group", name="Your vote").get_by_label("For").check()
    page.get_by_role("button", name="Send my vote").click()
    expect(page.get_by_text("Your vote was recorded.")).to_be_visible()
    check_a11y(page)

    secretary = make_user(name="Sasha Secretary", roles=("admin",))
    email = secretary.email
    db.session.commit()
    desk = _log_in(new_page, email)
    desk.goto("/governance/secretary/")
    expect(desk.get_by_role("heading", level=1)).to_have_text("Secretary's to-do list")
    ballots = desk.get_by_role("region", name="Ballots open now")
    expect(ballots).to_contain_text(TITLE)
    expect(ballots).to_contain_text("1 of 4 members has voted.")
    check_a11y(desk)
