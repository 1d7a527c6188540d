"""A lesson's sources and the review report, in a real browser (issue 23).

A shipped course is imported; a tutor who is also a learner joins it, follows a
citation to the lesson's source list, then opens the course's review report.
Each page passes axe, and neither scrolls sideways at 320 px.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from courses.importing import CONTENT_DIR, import_path
from lms.db import db
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y

pytestmark = pytest.mark.e2e

SLUG = "what-is-a-co-operative"
LESSON = "rochdale-and-history"


@pytest.fixture()
def tutor(app, make_user) -> str:
    import_path(CONTENT_DIR)  # the whole curriculum: its lessons link to each other's courses
    user = make_user(
        name="Tess Tutor", email="tess.sources@example.org", roles=("learner", "tutor")
    )
    email = user.email
    # Outside a request the test's session holds SQLite's write lock: end it for the server.
    db.session.commit()
    db.session.remove()
    return email


def _log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _check(page: Page) -> None:
    page.wait_for_load_state("load")
    check_a11y(page)


def test_a_citation_leads_to_the_source_list_and_the_review_report_opens(new_page, tutor):
    page = new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, tutor)
    page.goto(f"/courses/{SLUG}")
    page.get_by_role("button", name="Join this course").click()
    page.goto(f"/courses/{SLUG}/learn/{LESSON}")
    sources = page.get_by_role("region", name="Sources")
    expect(sources).to_be_visible()
    expect(sources.get_by_text(re.compile(r"Last reviewed on"))).to_be_visible()
    citation = page.locator("sup.citation a").first
    number = citation.inner_text().strip("[]")
    citation.click()
    expect(page).to_have_url(re.compile(rf"#source-{number}$"))
    expect(page.locator(f"#source-{number}")).to_be_in_viewport()
    _check(page)

    page.goto(f"/courses/author/{SLUG}")
    page.get_by_role("link", name="Review report").click()
    expect(page.get_by_role("heading", name="Review report", level=1)).to_be_visible()
    due = page.get_by_role("heading", name=re.compile(r"Lessons due for review \(\d+\)"))
    expect(due).to_be_visible()
    _check(page)


def test_the_lesson_and_the_report_fit_a_320px_screen(new_page, tutor):
    page = new_page(viewport={"width": 320, "height": 640})
    _log_in(page, tutor)
    page.goto(f"/courses/{SLUG}")
    page.get_by_role("button", name="Join this course").click()
    for path in (f"/courses/{SLUG}/learn/{LESSON}", f"/courses/author/{SLUG}/review"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"{page.url} is {width}px wide at a 320px viewport"
