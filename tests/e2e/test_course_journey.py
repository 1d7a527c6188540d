"""A learner's whole course, in a real browser: from the catalogue to "Completed".

A small but real course (two lessons in two modules and a final quiz, written
as a content folder and imported with ``courses.importing``) is in the
database before the browser opens. A new learner registers, finds the course
in the catalogue from the main menu, joins it, works through every lesson
with the outline and "I finished this lesson", fails the quiz (and sees the
feedback, the explanations and "Try again"), passes it on the retake, reaches
the completion page (congratulations, the certificate's links, what to learn
next), and sees 100% and "Completed" on the course page (no "Continue" back to
lesson 1), the home page dashboard and My learning.
axe-core (WCAG 2.x A and AA) checks every page on the way.

A shorter path (join, finish a lesson, fail and pass the quiz) runs with
JavaScript switched off, and the lesson page must not scroll sideways at
320 px wide.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .a11y import check_a11y
from .conftest import import_course_files

pytestmark = pytest.mark.e2e

PASSWORD = "a long enough passphrase"
SLUG = "members-meetings-e2e"
TITLE = "Running a members' meeting"
_people = itertools.count(1)

COURSE_FILES = {
    "course.yaml": f"""\
slug: {SLUG}
title: {TITLE}
summary: How a co-operative calls, chairs and records a general meeting of its members.
description: |
  A short course for new members and new chairs.
outcomes:
- Call a general meeting with proper notice.
- Chair a meeting so that every member can speak.
topic: democracy
level: introductory
language: en
estimated_hours: 0.5
prerequisites: []
modules:
- id: before
  title: Before the meeting
  items:
  - lesson: giving-notice
- id: during
  title: During the meeting
  items:
  - lesson: chairing
  - quiz: final-quiz
""",
    "lessons/giving-notice.md": """\
---
title: Giving notice
estimated_minutes: 5
required: true
---
Every member must be told about a general meeting **in advance**, in the way the
rules say. The notice names the date, the time, the place and the business.

Next, read about [chairing the meeting](lesson:chairing).
""",
    "lessons/chairing.md": """\
---
title: Chairing the meeting
estimated_minutes: 5
required: true
---
The chair keeps to the agenda, makes sure every member who wants to speak can,
and checks the meeting is quorate before any vote.

| Step | Who |
| --- | --- |
| Check the quorum | the chair |
| Take the minutes | the secretary |
""",
    "quizzes/final-quiz.yaml": """\
title: Final quiz
pass_mark: 100
max_attempts: 3
required: true
questions:
- id: notice
  type: single
  prompt: Who must be told about a general meeting?
  options:
  - id: board
    text: Only the board
    correct: false
    feedback: Not only the board. Every member has the right to attend.
  - id: members
    text: Every member
    correct: true
    feedback: Yes. Every member gets notice.
  explanation: The rules give every member the right to notice of a general meeting.
- id: quorum
  type: true_false
  prompt: The chair checks the meeting is quorate before a vote.
  options:
  - id: 'true'
    text: 'True'
    correct: true
    feedback: Right.
  - id: 'false'
    text: 'False'
    correct: false
    feedback: A vote in a meeting that is not quorate does not count.
  explanation: Without a quorum a meeting cannot make decisions.
""",
}


@pytest.fixture()
def course(app, tmp_path: Path) -> str:
    """Import the course folder into the test database (committed) and return its slug."""
    return import_course_files(tmp_path / SLUG, COURSE_FILES)


def _main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def _outline(page: Page):
    return page.get_by_role("complementary").get_by_role("navigation", name="Course outline")


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".flash").filter(has_text=text)).to_be_visible()


def _register(page: Page, check: Callable[[Page], None]) -> str:
    n = next(_people)
    name, email = f"Grace Hopper {n}", f"grace{n}@example.org"
    page.goto("/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Register").click()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    _flash(page, f"Welcome, {name}.")
    # The new learner's dashboard: greeted (not "welcome back"), and pointed to the courses.
    expect(page.get_by_role("heading", name=f"Hello, {name}", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Where to start")).to_be_visible()
    expect(page.get_by_role("link", name="Or see the 1 course we offer")).to_be_visible()
    check(page)
    return name


def _find_and_join(page: Page, check: Callable[[Page], None]) -> None:
    """Catalogue from the main menu, search, open the course, join it."""
    _main_nav(page).get_by_role("link", name="Courses").click()
    expect(page.get_by_role("heading", name="Courses", level=1)).to_be_visible()
    expect(_main_nav(page).get_by_role("link", name="Courses")).to_have_attribute(
        "aria-current", "page"
    )
    check(page)
    page.get_by_role("search").get_by_label("Search").fill("members' meeting")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"[?&]q=members"))
    expect(page.get_by_role("status")).to_have_text("1 course found")
    check(page)

    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_text("Call a general meeting with proper notice.")).to_be_visible()
    # Before joining, the outline lists the items but does not link them.
    outline = page.get_by_role("main").get_by_role("navigation", name="Course outline")
    expect(outline.get_by_text("Giving notice")).to_be_visible()
    expect(outline.get_by_role("link")).to_have_count(0)
    check(page)

    page.get_by_role("button", name="Join this course").click()
    _flash(page, f"You joined “{TITLE}”.")
    expect(page).to_have_url(re.compile(rf"/courses/{SLUG}/learn/giving-notice$"))


def _lesson(page: Page, title: str, progress: str, check: Callable[[Page], None]) -> None:
    """On a lesson page: check it, then mark it complete."""
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(_outline(page).get_by_role("link", name=title)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("complementary").locator(".progress-text")).to_have_text(progress)
    check(page)
    page.get_by_role("button", name="I finished this lesson").click()


def _quiz(page: Page, check: Callable[[Page], None]) -> None:
    """Fail the quiz with one wrong answer, read the feedback, retake it and pass."""
    expect(page.get_by_role("heading", name="Final quiz", level=1)).to_be_visible()
    expect(page.get_by_text("You pass with 100% or more.")).to_be_visible()
    expect(page.get_by_text("You have 3 tries left.")).to_be_visible()
    check(page)

    # A question left out: nothing is graded, the error says which, the answer given is kept.
    page.get_by_role("group", name="Who must be told").get_by_label("Only the board").check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("group", name="quorate")).to_contain_text("Choose an answer.")
    expect(page.get_by_label("Only the board")).to_be_checked()
    expect(page.get_by_text("You have 3 tries left.")).to_be_visible()
    check(page)

    # First try: one answer wrong.
    page.get_by_role("group", name="quorate").get_by_label("True").check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", name="Your result: 50%", level=1)).to_be_visible()
    expect(page.get_by_text("Not passed this time.")).to_be_visible()
    wrong = page.locator(".result.wrong")
    expect(wrong).to_have_count(1)
    expect(wrong).to_contain_text("Not right")
    expect(wrong).to_contain_text("Not only the board. Every member has the right to attend.")
    expect(wrong).to_contain_text("The rules give every member the right to notice")
    expect(page.locator(".result.right")).to_contain_text("Without a quorum")
    check(page)

    # The retake.
    page.get_by_role("link", name="Try again").click()
    expect(page.get_by_text("You have 2 tries left.")).to_be_visible()
    check(page)
    page.get_by_role("group", name="Who must be told").get_by_label("Every member").check()
    page.get_by_role("group", name="quorate").get_by_label("True").check()
    page.get_by_role("button", name="Check my answers").click()
    expect(page.get_by_role("heading", name="Your result: 100%", level=1)).to_be_visible()
    expect(page.get_by_text("You passed.")).to_be_visible()
    _flash(page, f"Well done! You completed “{TITLE}”.")
    expect(page.get_by_role("main").get_by_text("You completed this course.")).to_be_visible()
    check(page)


def _see_completed(page: Page, check: Callable[[Page], None]) -> None:
    """The completion page, then the course page, the dashboard (home) and My learning."""
    page.get_by_role("link", name="Your certificate and what to learn next").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Congratulations: you finished “{TITLE}”"
    )
    expect(page.get_by_role("heading", name="What you can now do")).to_be_visible()
    expect(page.get_by_text("Call a general meeting with proper notice.")).to_be_visible()
    certificate = page.get_by_role("region", name="Your certificate")
    expect(certificate.get_by_role("link", name="Download the digital credential (JSON)")
           ).to_be_visible()
    expect(certificate.get_by_label("Verification link")).to_have_value(
        re.compile(r"/certificates/verify/")
    )
    expect(page.get_by_role("link", name="Browse every course")).to_be_visible()
    check(page)
    page.get_by_role("link", name=f"Back to “{TITLE}”").click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.locator(".course-action .progress-text")).to_have_text("3 of 3 done (100%)")
    expect(page.locator(".course-action").get_by_text("Completed", exact=True)).to_be_visible()
    # Finished: no "Continue" back to the first lesson, the completion page instead.
    expect(page.locator(".course-action").get_by_text("Continue")).to_have_count(0)
    expect(page.locator(".course-action").get_by_role(
        "link", name="Your certificate and what to learn next")).to_be_visible()
    check(page)

    for go in (
        lambda: page.get_by_role("link", name=re.compile("Co-operative Education Centre|Home"))
        .first.click(),
        lambda: _main_nav(page).get_by_role("link", name="My learning").click(),
    ):
        go()
        done = page.locator(".completed-list li").filter(has_text=TITLE)
        expect(done).to_have_count(1)
        expect(done.get_by_text("Completed", exact=True)).to_be_visible()
        expect(done).to_contain_text("100%")
        expect(page.locator(".my-courses")).to_have_count(0)  # nothing left in progress
        check(page)


def course_journey(page: Page, check: Callable[[Page], None]) -> None:
    _register(page, check)
    _find_and_join(page, check)
    _lesson(page, "Giving notice", "0 of 3 done (0%)", check)
    # "I finished this lesson" goes on to the next lesson, in the next module.
    expect(page).to_have_url(re.compile(r"/learn/chairing$"))
    expect(_outline(page).locator(".is-done")).to_contain_text("Giving notice")
    # Previous/next work too: back to the first lesson, which now says Done.
    page.get_by_role("navigation", name="Previous and next").get_by_role(
        "link", name="Previous: Giving notice"
    ).click()
    expect(page.get_by_role("main").locator(".complete-box")).to_contain_text(
        "You finished this lesson."
    )
    check(page)
    page.locator(".complete-box").get_by_role("link", name="Next: Chairing the meeting").click()
    _lesson(page, "Chairing the meeting", "1 of 3 done (33%)", check)
    expect(page).to_have_url(re.compile(r"/learn/final-quiz$"))
    _quiz(page, check)
    _see_completed(page, check)


def _check(page: Page) -> None:
    """axe-core on the page once it has fully loaded.

    A click only waits for the next page to start; until its stylesheets are
    in, axe would judge unstyled links (e.g. too-small targets).
    """
    page.wait_for_load_state("load")
    check_a11y(page)


def test_course_journey(page, course):
    course_journey(page, _check)


def test_course_journey_without_javascript(new_page, course):
    page = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    course_journey(page, _check)


def test_lesson_at_320px_does_not_scroll_sideways(new_page, course):
    page = new_page(viewport={"width": 320, "height": 640})
    _register(page, lambda p: None)
    page.goto(f"/courses/{SLUG}")
    page.get_by_role("button", name="Join this course").click()
    expect(page.get_by_role("heading", name="Giving notice", level=1)).to_be_visible()
    for path in (f"/courses/{SLUG}", *(f"/courses/{SLUG}/learn/{key}" for key in (
        "giving-notice", "chairing", "final-quiz"
    ))):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"{page.url} is {width}px wide at a 320px viewport"
