"""Discussions in a real browser, without JavaScript (issue 19).

A learner in a group opens "Discuss this lesson" under a lesson, previews and
starts a thread; the group's tutor reads it and replies; the learner is told
of the reply (in the site's notifications and by email) and opens it. axe-core
checks the space, the thread and its preview; neither page scrolls sideways
at 320 px.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from courses.cohorts.models import SOURCE_ADMIN, Cohort, CohortMember, CohortTutor
from courses.models import Course, Enrolment
from lms.db import db, utcnow
from lms.mail import OutboxMessage
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y
from .conftest import import_course_files

pytestmark = pytest.mark.e2e

SLUG = "member-meetings-e2e"
COURSE_FILES = {
    "course.yaml": f"""\
slug: {SLUG}
title: Running member meetings
summary: How a co-operative's members meet and decide.
description: |
  A short course on general meetings.
outcomes:
- Run a general meeting.
topic: governance
level: introductory
language: en
estimated_hours: 0.5
prerequisites: []
modules:
- id: meetings
  title: Meetings
  items:
  - lesson: quorum
""",
    "lessons/quorum.md": """\
---
title: Quorum
estimated_minutes: 5
required: true
---
A meeting needs a **quorum**: enough members present to decide.
""",
}


@pytest.fixture()
def people(app, make_user, tmp_path: Path) -> dict[str, str]:
    import_course_files(tmp_path / SLUG, COURSE_FILES)
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    learner = make_user(name="Amina Yusuf", email="amina.discuss@example.org")
    tutor = make_user(name="Tess Tutor", email="tess.discuss@example.org", roles=("tutor",))
    today = utcnow().date()
    cohort = Cohort(course_id=course.id, name="Riverside bakers", start_date=today,
                    end_date=today.replace(year=today.year + 1))
    db.session.add(cohort)
    db.session.flush()
    enrolment = Enrolment(user_id=learner.id, course_id=course.id)
    db.session.add_all([enrolment, CohortTutor(cohort_id=cohort.id, user_id=tutor.id)])
    db.session.flush()
    db.session.add(CohortMember(cohort_id=cohort.id, course_id=course.id, user_id=learner.id,
                                enrolment_id=enrolment.id, source=SOURCE_ADMIN))
    found = {"learner": learner.email, "tutor": tutor.email}
    db.session.commit()
    db.session.remove()
    return found


def _log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _check(page: Page) -> None:
    page.wait_for_load_state("load")
    check_a11y(page)


def test_a_learner_asks_under_a_lesson_and_the_tutor_replies(new_page, people):
    learner = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    _log_in(learner, people["learner"])
    learner.goto(f"/courses/{SLUG}/learn/quorum")
    learner.get_by_role("link", name="Discuss this lesson").click()
    expect(learner.get_by_role("heading", name="Discuss “Quorum”", level=1)).to_be_visible()
    _check(learner)
    learner.get_by_label("Title").fill("Does the chair count towards quorum?")
    learner.get_by_label("Your message").fill("Our rules say *members present*. Is the chair one?")
    learner.get_by_role("button", name="Preview").click()
    preview = learner.get_by_role("region", name="Preview")
    expect(preview.locator("em")).to_have_text("members present")
    _check(learner)
    learner.get_by_role("button", name="Start the thread").click()
    expect(learner.get_by_role("heading", name="Does the chair count towards quorum?",
                               level=1)).to_be_visible()
    expect(learner.get_by_role("button", name="Stop following")).to_be_visible()

    tutor = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    _log_in(tutor, people["tutor"])
    tutor.goto(f"/courses/discuss/course/{SLUG}")
    tutor.get_by_role("link", name="Riverside bakers").click()
    tutor.get_by_role("link", name="Does the chair count towards quorum?").click()
    tutor.get_by_label("Your message").fill("Yes, if the chair is a member.")
    tutor.get_by_role("button", name="Post the reply").click()
    expect(tutor.get_by_text("Yes, if the chair is a member.")).to_be_visible()
    _check(tutor)

    db.session.expire_all()
    told = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == people["learner"])
    ).all()
    assert len(told) == 1 and "New reply" in told[0].subject
    path = re.search(r"http://[^/]+(/courses/\S+)", told[0].body).group(1)
    db.session.remove()
    # In the site too: the notice opens the reply.
    learner.goto("/notifications/")
    learner.get_by_role("button", name=re.compile(r"Open.*New reply")).click()
    expect(learner.get_by_text("Yes, if the chair is a member.")).to_be_visible()

    small = new_page(viewport={"width": 320, "height": 640})
    _log_in(small, people["learner"])
    small.goto(path)
    for url in (path, f"/courses/discuss/course/{SLUG}?lesson=quorum"):
        small.goto(url)
        expect(small.get_by_role("heading", level=1)).to_be_visible()
        width = small.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"{small.url} is {width}px wide at a 320px viewport"
