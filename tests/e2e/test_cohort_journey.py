"""A cohort from its creation to a tutor's matrix, in a real browser.

A small course (two lessons and a quiz in two modules) is imported from a
content folder. An admin creates a group for it from the main menu and
assigns a tutor (an account with the tutor role). The tutor logs in, uploads
a CSV of three new learners, reads the preview (three new accounts, each
invited by email) and confirms it. One learner's invitation is read from the
outbox; the learner follows its link, chooses a password, is logged in, finds
the group on the dashboard, opens the course and finishes a lesson. The
tutor's progress matrix then shows that lesson done and 33% for that
learner, and nothing for the two others. axe-core (WCAG 2.x A and AA) checks
the cohort form, the overview, the upload page, the preview, the welcome page
and the matrix.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.db import db
from lms.mail import OutboxMessage
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y
from .conftest import import_course_files

pytestmark = pytest.mark.e2e

SLUG = "starting-a-co-op-e2e"
TITLE = "Starting a worker co-operative"
GROUP = "Riverside bakers, spring"
PASSWORD = "a long enough passphrase"
LEARNERS = [
    ("amina.yusuf@example.org", "Amina Yusuf"),
    ("tom.price@example.org", "Tom Price"),
    ("li.wei@example.org", "Li Wei"),
]

COURSE_FILES = {
    "course.yaml": f"""\
slug: {SLUG}
title: {TITLE}
summary: What a group of people needs to decide before they register a worker co-operative.
description: |
  A short course for people forming a new worker co-operative together.
outcomes:
- Choose a legal form.
topic: starting
level: introductory
language: en
estimated_hours: 0.5
prerequisites: []
modules:
- id: forming
  title: Forming the group
  items:
  - lesson: shared-purpose
- id: registering
  title: Registering
  items:
  - lesson: legal-form
  - quiz: check
""",
    "lessons/shared-purpose.md": """\
---
title: A shared purpose
estimated_minutes: 5
required: true
---
A worker co-operative starts with people who want to **work together** and own
their workplace together.
""",
    "lessons/legal-form.md": """\
---
title: Choosing a legal form
estimated_minutes: 5
required: true
---
Most worker co-operatives register as a co-operative society or a company
limited by guarantee.
""",
    "quizzes/check.yaml": """\
title: Check your understanding
pass_mark: 100
max_attempts: 3
required: true
questions:
- id: owners
  type: single
  prompt: Who owns a worker co-operative?
  options:
  - id: workers
    text: The people who work in it
    correct: true
    feedback: Yes.
  - id: investors
    text: Outside investors
    correct: false
    feedback: No, the workers own it.
  explanation: The members who work in it own and run a worker co-operative.
""",
}


@pytest.fixture()
def course(app, tmp_path: Path) -> str:
    """Import the course folder into the test database (committed) and return its slug."""
    return import_course_files(tmp_path / SLUG, COURSE_FILES)


@pytest.fixture()
def people(app, make_user) -> dict[str, tuple[str, str]]:
    """An admin and a tutor: ``{"admin": (email, name), "tutor": (email, name)}``."""
    admin = make_user(name="Ada Admin", roles=("admin",))
    tutor = make_user(name="Tess Tutor", email="tess.tutor@example.org", roles=("tutor",))
    found = {"admin": (admin.email, admin.display_name), "tutor": (tutor.email, tutor.display_name)}
    # Outside a request the test's session holds SQLite's write lock: end it for the server.
    db.session.commit()
    db.session.remove()
    return found


def _check(page: Page) -> None:
    """axe-core on the page once it has fully loaded (stylesheets in)."""
    page.wait_for_load_state("load")
    check_a11y(page)


def _main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def _group_nav(page: Page):
    return page.get_by_role("navigation", name="This group")


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".flash").filter(has_text=text)).to_be_visible()


def _log_in(new_page, email: str) -> Page:
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def _create_group(page: Page, tutor_email: str, tutor_name: str) -> str:
    """The admin creates the group from the main menu and assigns the tutor; returns its path."""
    _main_nav(page).get_by_role("link", name="Groups").click()
    expect(page.get_by_role("heading", name="Groups", level=1)).to_be_visible()
    page.get_by_role("link", name="New group").click()
    expect(page.get_by_role("heading", name="New group", level=1)).to_be_visible()
    _check(page)

    # The end before the start: refused, with the error tied to the field.
    today = dt.datetime.now(dt.UTC).date()
    page.get_by_label("Course").select_option(label=TITLE)
    page.get_by_label("Name of the group").fill(GROUP)
    page.get_by_label("Starts on").fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_label("Ends on").fill((today - dt.timedelta(days=2)).isoformat())
    page.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_label("Ends on")).to_have_attribute("aria-invalid", "true")
    _check(page)

    page.get_by_label("Ends on").fill((today + dt.timedelta(days=60)).isoformat())
    page.get_by_label("Places (leave empty for no limit)").fill("20")
    page.get_by_role("button", name="Create group").click()
    _flash(page, "Group created. Now assign its tutors.")
    expect(page.get_by_role("heading", name=GROUP, level=1)).to_be_visible()
    expect(page.get_by_text("No tutor yet.")).to_be_visible()
    expect(page.get_by_text("0 of 20 taken")).to_be_visible()
    _check(page)

    page.get_by_label("Tutor's email address").fill(tutor_email)
    page.get_by_role("button", name="Assign tutor").click()
    _flash(page, f"{tutor_name} tutors this group.")
    expect(page.get_by_role("main").get_by_text(tutor_email)).to_be_visible()
    _check(page)
    match = re.search(r"/courses/cohorts/\d+$", page.url)
    assert match, page.url
    return match.group(0)


def _upload(page: Page, group_path: str, csv_path: Path) -> None:
    """The tutor finds the group, uploads the file, reads the preview and confirms it."""
    _main_nav(page).get_by_role("link", name="Groups").click()
    page.get_by_role("link", name=GROUP).click()
    expect(page).to_have_url(re.compile(re.escape(group_path) + "$"))
    expect(page.get_by_role("heading", name=GROUP, level=1)).to_be_visible()
    # A tutor runs the group but does not manage it: no tutor form, no edit link.
    expect(page.get_by_label("Tutor's email address")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit the group's details")).to_have_count(0)
    _check(page)

    _group_nav(page).get_by_role("link", name="Add learners").click()
    expect(page.get_by_role("heading", name=f"Add learners to {GROUP}", level=1)).to_be_visible()
    _check(page)
    page.get_by_label("CSV file with the columns email and name").set_input_files(str(csv_path))
    page.get_by_role("button", name="Check the file").click()

    heading = page.get_by_role("heading", name=f"Check the upload for {GROUP}", level=1)
    expect(heading).to_be_visible()
    expect(page.locator("#upload-summary")).to_contain_text("3 new accounts, invited by email")
    table = page.get_by_role("table", name=f"Every row of {csv_path.name}")
    for email, name in LEARNERS:
        row = table.get_by_role("row").filter(has_text=email)
        expect(row).to_contain_text(name)
        expect(row).to_contain_text("New account: an invitation will be emailed.")
    _check(page)
    page.get_by_role("button", name="Confirm: add or invite 3 learners").click()

    _flash(page, "Done: 3 people invited with a new account, 0 existing accounts asked to join"
                 " (each joins on accepting).")
    expect(page.get_by_role("heading", name=GROUP, level=1)).to_be_visible()
    learners = page.get_by_role("table").filter(has_text="Joined")
    for _email, name in LEARNERS:
        expect(learners.get_by_role("row").filter(has_text=name)).to_contain_text(
            "Invited, not signed in yet"
        )


def _invitation_link(email: str) -> str:
    """The /account/welcome/ link of the invitation emailed to ``email`` (from the outbox)."""
    db.session.expire_all()
    messages = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == email).order_by(OutboxMessage.id)
    ).all()
    db.session.remove()  # the live server writes next
    assert len(messages) == 1, [m.subject for m in messages]
    message = messages[0]
    assert message.subject == f"You are invited to {TITLE}"
    assert GROUP in message.body
    links = re.findall(r"https?://\S+/account/welcome/\S+", message.body)
    assert len(links) == 1, message.body
    return links[0]


def _accept(page: Page, link: str, name: str) -> None:
    """The learner follows the link, sets a password and is logged in."""
    page.goto(link)
    expect(page.get_by_role("heading", name=f"Welcome, {name}", level=1)).to_be_visible()
    _check(page)
    # Two different passwords: refused, the link still works.
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD + " typo")
    page.get_by_role("button", name="Set my password and start").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_text("The two passwords do not match.").first).to_be_visible()
    _check(page)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Set my password and start").click()
    _flash(page, "Welcome! Your password is set and you are logged in.")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _learn(page: Page, tutor_name: str) -> None:
    """From the dashboard's group card to the course, and the first lesson finished."""
    groups = page.get_by_role("region", name="My groups")
    card = groups.locator(".card").filter(has_text=GROUP)
    expect(card).to_contain_text(f"Your tutor: {tutor_name}")
    _check(page)
    card.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    expect(page.get_by_role("region", name=f"Your group: {GROUP}")).to_contain_text(tutor_name)
    _check(page)
    page.locator(".course-action").get_by_role("link", name=re.compile("Continue")).click()
    expect(page.get_by_role("heading", name="A shared purpose", level=1)).to_be_visible()
    page.get_by_role("button", name="I finished this lesson").click()
    expect(page.get_by_role("heading", name="Choosing a legal form", level=1)).to_be_visible()


def _see_progress(page: Page, group_path: str, name: str) -> None:
    """The tutor's matrix: the learner's first lesson done, 33%; the others not started."""
    page.goto(group_path)
    _group_nav(page).get_by_role("link", name="Progress").click()
    expect(page.get_by_role("heading", name=f"Progress of {GROUP}", level=1)).to_be_visible()
    matrix = page.get_by_role("table", name="Learners by lessons and quizzes")
    headers = [" ".join(h.split()) for h in matrix.locator("thead th").all_text_contents()]
    assert headers[:3] == ["Learner", "Done", "Last activity"], headers
    assert headers[3:] == ["A shared purpose", "Choosing a legal form",
                           "Quiz: Check your understanding"], headers
    row = matrix.get_by_role("row").filter(has=page.get_by_role("link", name=name))
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[0] == "33%", cells
    assert cells[1] != "never", cells
    assert cells[2] == "\u2713", cells  # done, as the legend says
    assert cells[4] == "", cells  # not started: blank, as the legend says
    for _email, other in LEARNERS:
        if other == name:
            continue
        theirs = matrix.get_by_role("row").filter(has=page.get_by_role("link", name=other))
        other_cells = [c.strip() for c in theirs.locator("td").all_inner_texts()]
        assert other_cells[:2] == ["0%", "never"], other_cells
        assert "\u2713" not in other_cells, other_cells
    _check(page)

    # The learner's own page: every item with its state.
    row.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    facts = page.locator(".facts")
    expect(facts).to_contain_text("33% (1 of 3)")
    states = page.locator(".item-states li")
    expect(states.filter(has_text="A shared purpose")).to_contain_text("Done")
    expect(states.filter(has_text="Check your understanding")).to_contain_text("Not started")
    _check(page)
    page.go_back()

    # The search finds the learner alone.
    page.get_by_label("Find a learner").fill(name.split()[0])
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]q="))
    expect(matrix.locator("tbody tr")).to_have_count(1)
    expect(matrix.locator("tbody tr")).to_contain_text("33%")
    _check(page)


def test_cohort_journey(new_page, course, people, tmp_path):
    admin_email, _admin_name = people["admin"]
    tutor_email, tutor_name = people["tutor"]

    admin = _log_in(new_page, admin_email)
    group_path = _create_group(admin, tutor_email, tutor_name)

    csv_path = tmp_path / "spring-learners.csv"
    csv_path.write_text(
        "email,name\n" + "".join(f"{email},{name}\n" for email, name in LEARNERS),
        encoding="utf-8",
    )
    tutor = _log_in(new_page, tutor_email)
    _upload(tutor, group_path, csv_path)

    email, name = LEARNERS[0]
    link = _invitation_link(email)
    learner = new_page(viewport={"width": 1280, "height": 900})
    _accept(learner, link, name)
    _learn(learner, tutor_name)

    _see_progress(tutor, group_path, name)
