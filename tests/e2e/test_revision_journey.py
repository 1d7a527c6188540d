"""A live course changes by the members' decision, in a real browser.

A tutor opens a published course's authoring page, which says that its
lessons change only by decision; the tutor prepares a revision and rewrites a
lesson in it, while the live lesson stays as it was. A member proposes
"Revise a course" with "Publish it"; two members second it, three vote for it,
the window ends and cron's close-due fixes the result: the revision is live,
and the course's "decisions and changes" page lists the decision. axe-core
checks every page; the authoring page with its notice fits 320 px.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from courses.models import KIND_LESSON, STATUS_PUBLISHED, Course, Item, Module
from governance.models import ACTIVE, Ballot, Membership, Proposal
from governance.models import Rulebook as RulebookRow
from governance.rules import DEFAULT_RULES, validate_rules
from lms.db import db, utcnow
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y

pytestmark = pytest.mark.e2e

SLUG = "worker-co-ops"
TITLE = "Worker co-operatives"
PROPOSAL_TITLE = "A clearer first lesson"


def _course() -> None:
    course = Course(slug=SLUG, title=TITLE, summary="Owned by the people who work there.",
                    status=STATUS_PUBLISHED, outcomes=["Explain a worker co-op"],
                    published_dt=utcnow())
    module = Module(key="basics", title="Basics", position=0)
    course.modules = [module]
    module.items.append(Item(course=course, key="what", kind=KIND_LESSON, title="What it is",
                             position=0, body_md="The old text.",
                             body_html="<p>The old text.</p>", estimated_minutes=5))
    db.session.add(course)
    db.session.commit()


def _person(make_user, name: str, roles=("learner",), member=True) -> str:
    user = make_user(name=name, roles=roles)
    if member:
        joined = utcnow() - dt.timedelta(days=30)
        db.session.add(Membership(user_id=user.id, member_class="learner", status=ACTIVE,
                                  applied_dt=joined, joined_dt=joined))
    email = user.email
    db.session.commit()
    return email


def _log_in(new_page, email, width=1280):
    page = new_page(viewport={"width": width, "height": 900})
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def test_a_prepared_revision_goes_live_by_ballot(app, live_server, new_page, make_user):
    db.session.add(RulebookRow(version=1, rules=validate_rules(dict(DEFAULT_RULES))))
    db.session.add(RulebookRow(version=2, rules=validate_rules({**DEFAULT_RULES,
                                                                "notice_hours": 0})))
    db.session.commit()
    _course()
    tutor = _person(make_user, "Tess Tutor", roles=("learner", "tutor"), member=False)
    proposer = _person(make_user, "Priya Proposer")
    seconders = [_person(make_user, "Sam Seconder"), _person(make_user, "Sol Seconder")]

    # The tutor finds the live course locked and prepares a revision.
    page = _log_in(new_page, tutor, width=320)
    page.goto(f"/courses/author/{SLUG}")
    expect(page.get_by_text("its lessons and quizzes change only by the members' decision",
                            exact=False)).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width}px wide at a 320px viewport"
    check_a11y(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Prepare a revision").click()
    expect(page.get_by_text(f"A revision of “{TITLE}” is ready to edit.")).to_be_visible()
    expect(page.get_by_text(f"This is a revision of “{TITLE}”")).to_be_visible()
    check_a11y(page)
    page.get_by_role("link", name="What it is").click()
    page.get_by_label("Lesson text (Markdown)").fill("The new, clearer text.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    db.session.expire_all()
    live_lesson = db.session.scalar(select(Item).join(Course).where(Course.slug == SLUG))
    assert live_lesson.body_md == "The old text."
    db.session.commit()

    # A member proposes publishing the revision.
    page = _log_in(new_page, proposer)
    page.goto("/governance/proposals/new?kind=courses:revise")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revise a course")
    page.get_by_label("Title of the proposal").fill(PROPOSAL_TITLE)
    page.get_by_label("Course", exact=True).select_option(label=TITLE)
    page.get_by_label("What changes").fill("The first lesson says it more clearly.")
    page.get_by_label("Publish it").check()
    check_a11y(page)
    page.get_by_role("button", name="Raise the proposal").click()
    expect(page.get_by_text("Your proposal is raised.")).to_be_visible()
    proposal_url = page.url

    for seconder in seconders:
        other = _log_in(new_page, seconder)
        other.goto(proposal_url)
        other.get_by_role("button", name="Second this proposal").click()
        expect(other.get_by_text("You seconded this proposal.").first).to_be_visible()
    for voter_page in [page] + [_log_in(new_page, s) for s in seconders]:
        voter_page.goto(f"{proposal_url}/ballot")
        voter_page.get_by_role("group", name="Your vote").get_by_label("For").check()
        voter_page.get_by_role("button", name="Send my vote").click()
        expect(voter_page.get_by_text("Your vote was recorded", exact=False)).to_be_visible()

    # The window ends; cron fixes the result and enacts the decision.
    db.session.commit()
    proposal = db.session.scalar(select(Proposal).where(Proposal.title == PROPOSAL_TITLE))
    ballot = db.session.scalar(select(Ballot).where(Ballot.proposal_id == proposal.id))
    ballot.closes_dt = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    outcome = app.test_cli_runner().invoke(args=["governance", "close-due"])
    assert outcome.exit_code == 0, outcome.output
    db.session.commit()

    page.goto(f"{proposal_url}/result")
    expect(page.get_by_text("now shows the revision members decided on", exact=False)
           ).to_be_visible()
    check_a11y(page)
    db.session.expire_all()
    live = db.session.scalar(select(Course).where(Course.slug == SLUG))
    assert live.version == 2
    assert db.session.scalar(select(Item.body_md).where(Item.course_id == live.id)) == (
        "The new, clearer text.")
    assert db.session.scalar(select(Course).where(Course.revision_of_id == live.id)) is None
    db.session.commit()

    page.goto(f"/courses/{SLUG}")
    page.get_by_role("link", name="Decisions and changes to this course").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decisions and changes")
    expect(page.get_by_role("link", name=PROPOSAL_TITLE)).to_be_visible()
    check_a11y(page)
