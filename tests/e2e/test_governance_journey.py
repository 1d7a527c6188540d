"""A curriculum decision from proposal to course, in a real browser.

A member proposes adding a course; two members second it; the ballot opens
at once (the rules in force have no notice period: version 2 of the
rulebook, stored as data); three members vote for it; the voting window
ends (time travel) and ``flask governance close-due`` fixes the result as
cron would; the result page shows the arithmetic, and the new draft course
exists and names the decision that made it. axe-core checks every page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from courses.models import STATUS_DRAFT, Course, CourseDecision
from governance.models import ACTIVE, Ballot, Membership, Proposal
from governance.models import Rulebook as RulebookRow
from governance.rules import DEFAULT_RULES, validate_rules
from lms.db import db, utcnow
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y

pytestmark = pytest.mark.e2e

COURSE_TITLE = "Food co-operatives from soil to shop"
PROPOSAL_TITLE = "Teach food co-operatives"


def _member(make_user, name: str, roles=("learner",)):
    user = make_user(name=name, roles=roles)
    joined = utcnow() - dt.timedelta(days=30)
    db.session.add(Membership(user_id=user.id, member_class="learner" if "tutor" not in roles
                              else "worker", status=ACTIVE, applied_dt=joined, joined_dt=joined))
    db.session.commit()
    email = user.email
    # Outside a request the test's session starts BEGIN IMMEDIATE on SQLite: end it, so the
    # live server can write.
    db.session.commit()
    return email


def _log_in(new_page, email):
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def test_members_add_a_course_by_ballot(app, live_server, new_page, make_user):
    db.session.add(RulebookRow(version=1, rules=validate_rules(dict(DEFAULT_RULES))))
    db.session.add(RulebookRow(version=2, rules=validate_rules({**DEFAULT_RULES,
                                                                "notice_hours": 0})))
    db.session.commit()
    proposer = _member(make_user, "Priya Proposer", roles=("learner", "tutor"))
    seconders = [_member(make_user, "Sam Seconder"), _member(make_user, "Sol Seconder")]

    # A member proposes adding a course: the kind first, then the kind's own fields.
    page = _log_in(new_page, proposer)
    page.goto("/governance/proposals")
    check_a11y(page)
    page.get_by_role("link", name="Raise a proposal").click()
    page.get_by_label("Kind of decision").select_option(label="Add a course")
    check_a11y(page)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Add a course")
    check_a11y(page)
    page.get_by_label("Title of the proposal").fill(PROPOSAL_TITLE)
    page.get_by_label("Course title").fill(COURSE_TITLE)
    page.get_by_label("Summary").fill("How members grow, buy and sell food together.")
    page.get_by_label("Outline", exact=True).fill("## Growing\n\nSoil and seasons.\n\n## Selling")
    page.get_by_role("button", name="Raise the proposal").click()
    expect(page.get_by_text("Your proposal is raised.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROPOSAL_TITLE)
    check_a11y(page)
    proposal_url = page.url

    # Two members second it; the second seconding opens the ballot (no notice period).
    for n, seconder in enumerate(seconders):
        other = _log_in(new_page, seconder)
        other.goto(proposal_url)
        other.get_by_role("button", name="Second this proposal").click()
        expect(other.get_by_text("You seconded this proposal.").first).to_be_visible()
        check_a11y(other)
        if n == 1:
            expect(other.get_by_text("Its ballot is open.")).to_be_visible()

    # Three members vote.
    for voter_page in [page] + [_log_in(new_page, s) for s in seconders]:
        voter_page.goto(proposal_url)
        voter_page.get_by_role("link", name="Go to the ballot").click()
        hidden = voter_page.get_by_text("Results stay hidden until the ballot closes.")
        expect(hidden).to_be_visible()
        check_a11y(voter_page)
        voter_page.get_by_role("group", name="Your vote").get_by_label("For").check()
        voter_page.get_by_role("button", name="Send my vote").click()
        expect(voter_page.get_by_text("Your vote was recorded.")).to_be_visible()
        check_a11y(voter_page)

    # The voting window ends; cron's close-due fixes the result and enacts it.
    db.session.commit()
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == PROPOSAL_TITLE))
    ballot = db.session.scalar(select(Ballot).where(Ballot.proposal_id == proposal.id))
    assert ballot.roll_count == 3
    ballot.closes_dt = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    outcome = app.test_cli_runner().invoke(args=["governance", "close-due"])
    assert outcome.exit_code == 0, outcome.output
    db.session.commit()

    page.goto(f"{proposal_url}/result")
    table = page.get_by_role("table", name="The arithmetic")
    for header, value in (("Eligible members", "3"), ("Turnout", "3"), ("Quorum", "3: met"),
                          ("For", "3"), ("Against", "0"), ("Abstain (not votes cast)", "0"),
                          ("Share for", "1/1 (100.0%)"),
                          ("Threshold", "more than 1/2 (50.0%), ordinary resolution"),
                          ("Rules applied", "version 2")):
        expect(table.get_by_role("row", name=header, exact=False).first).to_contain_text(value)
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    check_a11y(page)

    # The new draft course exists and names the decision that made it.
    db.session.expire_all()
    course = db.session.scalar(select(Course).where(Course.title == COURSE_TITLE))
    assert course is not None and course.status == STATUS_DRAFT
    assert db.session.scalar(select(CourseDecision.decision_id)) == proposal.id
    db.session.commit()
    page.get_by_role("link", name=COURSE_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE_TITLE)
    decisions = page.get_by_role("region", name="Decisions that shaped this course")
    expect(decisions.get_by_role("link", name=PROPOSAL_TITLE)).to_be_visible()
    expect(page.get_by_role("heading", name="Growing")).to_be_visible()
    check_a11y(page)
    decisions.get_by_role("link", name=PROPOSAL_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(PROPOSAL_TITLE)
