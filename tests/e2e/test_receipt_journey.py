"""A secret ballot's receipt, in a real browser: it proves the paper was counted, not the vote.

A member votes "against" in a secret ballot and is shown a receipt code; after
the close they check the code: the page says it was counted and shows neither
the choice nor the class, and the published list holds the code alone. The
result withholds the breakdown of a class in which one member voted. axe-core
checks every page; the receipt page fits 320 px.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from governance import operations as ops
from governance.models import ACTIVE, Ballot, Membership
from lms.db import db, utcnow
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y

pytestmark = pytest.mark.e2e


def _member(make_user, name: str, member_class: str = "learner"):
    user = make_user(name=name)
    joined = utcnow() - dt.timedelta(days=30)
    db.session.add(Membership(user_id=user.id, member_class=member_class, status=ACTIVE,
                              applied_dt=joined, joined_dt=joined))
    db.session.commit()
    return user


def _log_in(new_page, email, width=1280):
    page = new_page(viewport={"width": width, "height": 900})
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def test_receipt_proves_counting_without_the_choice(app, live_server, new_page, make_user):
    voter = _member(make_user, "Vera Voter", member_class="worker")
    others = [_member(make_user, f"Member {n}") for n in range(3)]
    rules = ops.current_rules()
    raised = utcnow() - dt.timedelta(hours=rules["notice_hours"], minutes=5)
    proposal = ops.raise_proposal(others[0].id, "governance:resolution", "Meet monthly",
                                  {"text": "We resolve to meet monthly."}, secret=True, now=raised)
    for seconder in others[1:]:
        ops.second(proposal, seconder.id, now=raised + dt.timedelta(minutes=1))
    ballot = ops.maybe_open_ballot(proposal)
    for other in others:
        ops.cast_vote(ballot, other.id, "for")
    proposal_id, email = proposal.id, voter.email
    db.session.commit()

    page = _log_in(new_page, email)
    page.goto(f"/governance/proposals/{proposal_id}/ballot")
    page.get_by_role("group", name="Your vote").get_by_label("Against").check()
    page.get_by_role("button", name="Send my vote").click()
    expect(page.get_by_text("Your vote was recorded.")).to_be_visible()
    code = page.locator("code.receipt").inner_text()
    expect(page.get_by_text("the receipt never shows your choice", exact=False)).to_be_visible()
    check_a11y(page)

    # The window ends.
    db.session.expire_all()
    ballot = db.session.scalar(select(Ballot).where(Ballot.proposal_id == proposal_id))
    ballot.closes_dt = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()

    narrow = _log_in(new_page, email, width=320)
    narrow.goto(f"/governance/proposals/{proposal_id}/receipt")
    narrow.get_by_label("Receipt code").fill(code.lower())
    narrow.get_by_role("button", name="Check").click()
    status = narrow.get_by_role("status")
    expect(status).to_contain_text("Counted")
    assert "against" not in status.inner_text().lower()
    assert "worker" not in status.inner_text().lower()
    width = narrow.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{narrow.url} is {width}px wide at a 320px viewport"
    check_a11y(narrow)

    page.goto(f"/governance/proposals/{proposal_id}/papers")
    item = page.get_by_role("listitem").filter(has_text=code)
    expect(item).to_have_text(code)
    check_a11y(page)

    page.goto(f"/governance/proposals/{proposal_id}/result")
    expect(page.get_by_text("Withheld: in at least one class fewer than 5")).to_be_visible()
    check_a11y(page)
