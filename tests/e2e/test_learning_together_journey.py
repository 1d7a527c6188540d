"""Learning together, in a real browser without JavaScript (issue 19).

A course with a lesson and a required assignment (text and a PDF) is
imported from files; a learner and a tutor share a group. The learner asks a
question under the lesson, the tutor replies, the learner is told (a notice
in the site) and reads the reply. The learner writes a draft, attaches a PDF
and submits; the tutor finds it in the marking queue, marks it against the
rubric and asks for a resubmission; the learner reads the feedback, changes
the answer and submits again; the tutor passes it; the course is complete and
My certificates lists the certificate. axe checks every new page; none
scrolls sideways at 320 px.
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
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y
from .conftest import import_course_files

pytestmark = pytest.mark.e2e

SLUG = "founding-together-e2e"
TITLE = "Founding a co-op together"
COURSE_FILES = {
    "course.yaml": f"""\
slug: {SLUG}
title: {TITLE}
summary: A founding group writes its first rules together.
description: |
  A short course for founding groups.
outcomes:
- Write a membership policy.
topic: starting
level: introductory
language: en
estimated_hours: 1
prerequisites: []
modules:
- id: members
  title: Members
  items:
  - lesson: open-membership
  - assignment: membership-policy
""",
    "lessons/open-membership.md": """\
---
title: Open membership
estimated_minutes: 5
required: true
---
Co-operatives are open to all who can use their services and accept the
responsibilities of membership.
""",
    "assignments/membership-policy.yaml": """\
title: Draft your membership policy
estimated_minutes: 60
required: true
due_after_days: 14
prompt: |
  Draft your co-operative's **membership policy**: who may join and how.
submission:
  text: true
  files:
    types:
    - pdf
    max_kb: 64
    max_count: 1
    archives: false
rubric:
- id: who-may-join
  title: Who may join
  levels:
  - id: missing
    title: Not said
    points: 0
  - id: clear
    title: Clear, open and fair
    points: 2
""",
}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture()
def people(app, make_user, tmp_path: Path) -> dict[str, str]:
    import_course_files(tmp_path / SLUG, COURSE_FILES)
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    learner = make_user(name="Amina Yusuf", email="amina.together@example.org")
    tutor = make_user(name="Tess Tutor", email="tess.together@example.org", roles=("tutor",))
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
    (tmp_path / "policy.pdf").write_bytes(PDF)
    found["pdf"] = str(tmp_path / "policy.pdf")
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


def _flash(page: Page, text: str) -> None:
    expect(page.get_by_text(text, exact=False).first).to_be_visible()


def _mark(tutor: Page, level: str, feedback: str, outcome: str) -> None:
    tutor.goto("/courses/assignments/marking")
    expect(tutor.get_by_role("heading", name="Assignments to mark", level=1)).to_be_visible()
    _check(tutor)
    tutor.get_by_role("link", name="Amina Yusuf").click()
    _check(tutor)
    tutor.get_by_role("group", name="Who may join").get_by_label(re.compile(level)).check()
    tutor.get_by_label("Feedback to the learner").fill(feedback)
    tutor.get_by_label(outcome).check()
    tutor.get_by_role("button", name="Save the marking and tell the learner").click()
    _flash(tutor, "Marked. Amina Yusuf is told.")


def test_ask_submit_get_feedback_resubmit_pass_and_get_the_certificate(new_page, people):
    learner = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    tutor = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    _log_in(learner, people["learner"])
    _log_in(tutor, people["tutor"])

    # A question under the lesson, a reply, a notice.
    learner.goto(f"/courses/{SLUG}/learn/open-membership")
    learner.get_by_role("link", name="Discuss this lesson").click()
    learner.get_by_label("Title").fill("Can we refuse someone?")
    learner.get_by_label("Your message").fill("What if they work for a competitor?")
    learner.get_by_role("button", name="Start the thread").click()
    tutor.goto(f"/courses/discuss/course/{SLUG}")
    tutor.get_by_role("link", name="Riverside bakers").click()
    tutor.get_by_role("link", name="Can we refuse someone?").click()
    tutor.get_by_label("Your message").fill("Only for reasons your rules state.")
    tutor.get_by_role("button", name="Post the reply").click()
    learner.goto("/notifications/")
    learner.get_by_role("button", name=re.compile(r"Open.*New reply")).click()
    expect(learner.get_by_text("Only for reasons your rules state.")).to_be_visible()

    # The lesson, then the assignment: a draft, a file, a submission.
    learner.goto(f"/courses/{SLUG}/learn/open-membership")
    learner.get_by_role("button", name="I finished this lesson").click()
    expect(learner.get_by_role("heading", name="Draft your membership policy",
                               level=1)).to_be_visible()
    expect(learner.get_by_text(re.compile(r"Due on .* for your group\."))).to_be_visible()
    expect(learner.get_by_role("table", name="How it will be marked")).to_be_visible()
    _check(learner)
    learner.get_by_label("Your answer").fill("Anyone may join.")
    learner.get_by_role("button", name="Save the draft").click()
    _flash(learner, "Your draft is saved.")
    learner.get_by_label("File").set_input_files(people["pdf"])
    learner.get_by_role("button", name="Attach the file").click()
    _flash(learner, "“policy.pdf” is attached.")
    learner.get_by_role("button", name="Submit for marking").click()
    _flash(learner, "Submitted. Your tutor will mark it.")
    _check(learner)

    # The tutor asks for a resubmission.
    _mark(tutor, "Not said", "Say *who* may join and how they apply.", "Ask for a resubmission")
    learner.goto(f"/courses/{SLUG}/learn/membership-policy")
    expect(learner.get_by_text("Your tutor asked you to change your answer")).to_be_visible()
    feedback = learner.get_by_role("region", name="What you sent and your tutor's feedback")
    expect(feedback.locator("em")).to_have_text("who")
    _check(learner)
    learner.get_by_label("Your answer").fill(
        "Anyone who works in the bakery may apply to the members' meeting."
    )
    learner.get_by_label("File").set_input_files(people["pdf"])
    learner.get_by_role("button", name="Attach the file").click()
    # One form: the answer typed (never saved) is kept when the file is attached.
    _flash(learner, "“policy.pdf” is attached.")
    expect(learner.get_by_label("Your answer")).to_have_value(
        "Anyone who works in the bakery may apply to the members' meeting."
    )
    learner.get_by_role("button", name="Submit for marking").click()
    _flash(learner, "Submitted. Your tutor will mark it.")

    # The tutor passes it: the course is complete and the certificate issued.
    _mark(tutor, "Clear, open and fair", "Clear and fair.", "Pass")
    learner.goto(f"/courses/{SLUG}")
    expect(learner.get_by_text("Nothing left. You finished this course.")).to_be_visible()
    learner.goto("/certificates/my")
    entry = learner.locator(".certificate-list li").filter(has_text=TITLE)
    expect(entry).to_contain_text("Valid")

    small = new_page(viewport={"width": 320, "height": 640})
    _log_in(small, people["tutor"])
    for path in ("/courses/assignments/marking", f"/courses/discuss/course/{SLUG}"):
        small.goto(path)
        expect(small.get_by_role("heading", level=1)).to_be_visible()
        width = small.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"{small.url} is {width}px wide at a 320px viewport"
    small_learner = new_page(viewport={"width": 320, "height": 640})
    _log_in(small_learner, people["learner"])
    small_learner.goto(f"/courses/{SLUG}/learn/membership-policy")
    width = small_learner.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"the assignment page is {width}px wide at a 320px viewport"
