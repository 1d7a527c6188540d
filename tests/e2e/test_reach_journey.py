"""Reach: every main page fits a 320 px phone for each role, and the site in Urdu is mirrored.

A learner, a tutor of a group and an administrator visit the pages of their
main menu and the pages a phone user meets most (a lesson with a wide table,
the tutor's progress matrix, their profile and notifications) in a 320 px
viewport with JavaScript off: none may be wider than the viewport. A visitor
chooses Urdu with the language chooser (no JavaScript): the page is
``lang="ur" dir="rtl"``, the choice survives the next page, and axe-core
finds nothing on it at 320 px and at 1,280 px (screenshots kept with the
test's artefacts).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from courses.cohorts.models import SOURCE_ADMIN, Cohort, CohortMember, CohortTutor
from courses.models import Course, Enrolment
from lms.db import db, utcnow
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y
from .conftest import import_course_files

pytestmark = pytest.mark.e2e

SLUG = "reach-tables"
#: The lesson's table has long words in narrow columns: on a phone it must scroll in its own
#: region, never split "co-operatives" into letters or widen the page.
COURSE_FILES = {
    "course.yaml": f"""\
slug: {SLUG}
title: Comparing co-operatives
summary: How different kinds of co-operative share their surplus.
description: |
  A short course comparing kinds of co-operative.
outcomes:
- Compare how co-operatives share their surplus.
topic: starting
level: introductory
language: en
estimated_hours: 0.5
prerequisites: []
modules:
- id: kinds
  title: Kinds of co-operative
  items:
  - lesson: compare
  - lesson: after
""",
    "lessons/compare.md": """\
---
title: Comparing the kinds
estimated_minutes: 5
required: true
---
Each kind of co-operative shares its surplus differently.

| Kind | Members | Surplus shared by | Typical responsibilities | Representation |
|---|---|---|---|---|
| Worker co-operative | Employees | Hours worked | Accountability, administration | Proportional |
| Consumer co-operative | Customers | Purchases made | Procurement, sustainability | Democratic |
| Housing co-operative | Residents | Rent paid | Maintenance, neighbourliness | Representative |
""",
    "lessons/after.md": """\
---
title: After the comparison
estimated_minutes: 5
required: true
---
What comes next.
""",
}

ARTEFACTS = Path(__file__).resolve().parents[2] / "tests" / "e2e" / "artefacts"


def _world(make_user, tmp_path) -> dict[str, str]:
    import_course_files(tmp_path / SLUG, COURSE_FILES)
    course = db.session.query(Course).filter_by(slug=SLUG).one()
    tutor = make_user(name="Tomasz Nowakowski-Wiśniewski", roles=("learner", "tutor"))
    admin = make_user(name="Ayesha Administrator", roles=("learner", "admin"))
    learner = make_user(name="عائشہ خان")  # a name in Urdu, isolated where it sits in sentences
    today = utcnow().date()
    cohort = Cohort(course_id=course.id, name="Riverside bakers and bicycle menders",
                    start_date=today - dt.timedelta(days=20),
                    end_date=today + dt.timedelta(days=60))
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor.id))
    enrolment = Enrolment(user_id=learner.id, course_id=course.id, last_activity_dt=utcnow())
    db.session.add(enrolment)
    db.session.flush()
    db.session.add(CohortMember(cohort_id=cohort.id, course_id=course.id, user_id=learner.id,
                                enrolment_id=enrolment.id, source=SOURCE_ADMIN, joined_dt=utcnow()))
    world = {"learner": learner.email, "tutor": tutor.email, "admin": admin.email,
             "cohort": str(cohort.id), "learner_id": str(learner.id)}
    db.session.commit()
    db.session.remove()
    return world


def _log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Account", exact=True)).to_be_visible()


def _menu_paths(page: Page) -> list[str]:
    """The paths of the main menu (in the folded header menu; its links are in the page)."""
    hrefs = page.locator("nav.main-nav a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    return [href for href in hrefs if href.startswith("/")]


def _too_wide(page: Page, paths: list[str]) -> list[str]:
    wide = []
    for path in dict.fromkeys(paths):
        response = page.goto(path)
        assert response is not None and response.ok, f"{path} answered an error"
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            wide.append(f"{path}: {width}px")
    return wide


def test_every_main_page_fits_320px_for_each_role(app, live_server, new_page, make_user, tmp_path):
    world = _world(make_user, tmp_path)
    common = ["/", "/courses/", "/account/profile", "/notifications/", "/privacy"]
    extra = {
        "learner": [f"/courses/{SLUG}", f"/courses/{SLUG}/learn/compare"],
        "tutor": [f"/courses/cohorts/{world['cohort']}",
                  f"/courses/cohorts/{world['cohort']}/progress",
                  f"/courses/cohorts/{world['cohort']}/learners/{world['learner_id']}"],
        "admin": ["/admin/", "/admin/users"],
    }
    too_wide = []
    for role in ("learner", "tutor", "admin"):
        page = new_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
        _log_in(page, world[role])
        paths = common + _menu_paths(page) + extra[role]
        too_wide += [f"{role} {entry}" for entry in _too_wide(page, paths)]
    visitor = new_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    visitor.goto("/")
    too_wide += [f"visitor {entry}" for entry in _too_wide(
        visitor, ["/", "/courses/", f"/courses/{SLUG}", "/account/login", "/account/register",
                  "/privacy"] + _menu_paths(visitor))]
    assert too_wide == [], "wider than a 320px viewport:\n" + "\n".join(too_wide)


def test_phone_header_lesson_table_and_matrix(app, live_server, new_page, make_user, tmp_path):
    world = _world(make_user, tmp_path)
    page = new_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    _log_in(page, world["learner"])
    header = page.locator(".site-header").bounding_box()
    # Was 235-335 px before the menu; the name, the bell, Menu and Log out take three short rows.
    assert header["height"] <= 200, f"the signed-in header takes {header['height']}px"
    # The menu is folded; opening it (no JavaScript) shows the links. Log out stays outside.
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    profile = page.get_by_role("navigation", name="Your account").get_by_role("link")
    expect(profile).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(profile).to_be_visible()

    page.goto(f"/courses/{SLUG}/learn/compare")
    region = page.get_by_role("region", name="Table 1 in Comparing the kinds")
    expect(region).to_be_visible()
    assert region.get_attribute("tabindex") == "0"
    # No word is split: each cell is at least as wide as its longest word.
    split = page.evaluate("""() => [...document.querySelectorAll('.prose td, .prose th')].filter(
        cell => cell.scrollWidth > cell.clientWidth + 1).map(cell => cell.textContent)""")
    assert split == []
    words_in_lines = page.evaluate("""() => {
        const cell = [...document.querySelectorAll('.prose td')]
            .find(c => c.textContent.includes('Accountability'));
        const range = document.createRange(); range.selectNodeContents(cell);
        const word = cell.textContent.indexOf('Accountability');
        range.setStart(cell.firstChild, word); range.setEnd(cell.firstChild, word + 14);
        return range.getClientRects().length; }""")
    assert words_in_lines == 1, "a word in the lesson's table is broken over two lines"
    # The progress panel is reachable from the top of the lesson.
    page.get_by_role("link", name="Your progress and the course outline").click()
    expect(page).to_have_url(f"{page.url.split('#')[0].split('?')[0]}#progress")
    expect(page.get_by_role("complementary", name="Your progress")).to_be_in_viewport()

    tutor = new_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    _log_in(tutor, world["tutor"])
    tutor.goto(f"/courses/cohorts/{world['cohort']}/progress")
    summary = tutor.get_by_role("list", name="Learners at a glance")
    expect(summary).to_contain_text("عائشہ خان: 0% done")
    grid = tutor.get_by_role("region", name="Learners by lessons and quizzes")
    expect(grid).to_be_hidden()
    tutor.get_by_text("Show the full grid").click()
    expect(grid).to_be_visible()
    assert tutor.evaluate("() => document.documentElement.scrollWidth") <= 320

    wide = new_page(viewport={"width": 1280, "height": 900})
    _log_in(wide, world["tutor"])
    wide.goto(f"/courses/cohorts/{world['cohort']}/progress")
    expect(wide.get_by_role("region", name="Learners by lessons and quizzes")).to_be_visible()
    expect(wide.get_by_role("list", name="Learners at a glance")).to_be_hidden()
    check_a11y(wide)


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    """Urdu, Polish and Gujarati offered whatever the translators' progress: complete
    pseudo-translated catalogues (``⟦…⟧``) serve them."""
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("ur", "pl", "gu")}


def test_visitor_chooses_urdu_and_the_page_mirrors(app, live_server, new_page):
    ARTEFACTS.mkdir(exist_ok=True)
    for width, javascript in ((320, False), (1280, True)):
        page = new_page(viewport={"width": width, "height": 800}, java_script_enabled=javascript,
                        locale="en-GB")
        page.goto("/courses/")
        html = page.locator("html")
        expect(html).to_have_attribute("lang", "en")
        expect(html).to_have_attribute("dir", "ltr")
        chooser = page.get_by_role("group", name="Language")
        urdu = chooser.get_by_role("button", name="اردو")
        expect(urdu).to_have_attribute("lang", "ur")
        expect(chooser).to_contain_text("draft translation: help us improve it")
        urdu.click()
        expect(page).to_have_url(f"{live_server}/courses/")
        expect(html).to_have_attribute("lang", "ur")
        expect(html).to_have_attribute("dir", "rtl")
        expect(page.get_by_role("link", name="⟦Log in⟧")).to_be_visible()  # Urdu's text
        # The header mirrors: the site's name is at the right-hand edge.
        brand = page.locator(".brand").bounding_box()
        assert brand["x"] + brand["width"] > width / 2, "the header did not mirror"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTEFACTS / f"urdu-courses-{width}.png"), full_page=True)
        check_a11y(page)
        page.goto("/")  # the choice is kept (a cookie) for the next page
        expect(html).to_have_attribute("dir", "rtl")
        expect(page.get_by_role("button", name="اردو")).to_have_attribute("aria-current", "true")
        check_a11y(page)
