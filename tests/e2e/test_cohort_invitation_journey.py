"""An upload that invites an existing account and holds back another, in a real browser.

"Co-op Finance" requires "Co-op Basics". A tutor uploads a file naming two
people who already have accounts: Ezra, who completed Co-op Basics, and Lena,
who did not. The preview says Ezra will be invited (not added) and Lena held
back, and why, in plain words. After confirming, the group's page lists Ezra
as invited and nobody as a learner. Ezra signs in, finds the invitation on his
dashboard, reads what accepting means and accepts; the course page shows his
group, and the tutor now sees him among the learners. Every page passes axe
(WCAG 2.x A and AA); the invitee's pages are also checked at 320 px wide
without JavaScript, with no sideways scroll.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from courses.models import Completion, Enrolment
from lms.db import db
from lms.testing import TEST_PASSWORD
from tests.courses.cohort_helpers import make_cohort
from tests.courses.conftest import make_course  # noqa: F401  (fixture)

from .a11y import check_a11y

pytestmark = pytest.mark.e2e

GROUP = "Finance circle, spring"


@pytest.fixture()
def world(app, make_user, make_course):  # noqa: F811
    basics = make_course("co-op-basics", title="Co-op Basics")
    finance = make_course("co-op-finance", title="Co-op Finance", requires=(basics,))
    tutor = make_user(name="Tess Tutor", email="tess@example.org", roles=("tutor",))
    ezra = make_user(name="Ezra Existing", email="ezra@example.org")
    make_user(name="Lena Lacking", email="lena@example.org")
    enrolment = Enrolment(user_id=ezra.id, course_id=basics.id)
    db.session.add(enrolment)
    db.session.flush()
    db.session.add(Completion(enrolment_id=enrolment.id, user_id=ezra.id, course_id=basics.id,
                              course_version=basics.version))
    cohort = make_cohort(finance, name=GROUP, tutors=[tutor])
    found = {"cohort": f"/courses/cohorts/{cohort.id}", "tutor": tutor.email, "ezra": ezra.email}
    db.session.commit()
    db.session.remove()  # the live server writes next
    return found


def _check(page: Page) -> None:
    page.wait_for_load_state("load")
    check_a11y(page)


def _log_in(page: Page, email: str) -> Page:
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width}px wide at a 320px viewport"


def _upload(page: Page, cohort_path: str, csv_path: Path) -> None:
    page.goto(cohort_path + "/upload")
    page.get_by_label("CSV file with the columns email and name").set_input_files(str(csv_path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name=f"Check the upload for {GROUP}", level=1)
           ).to_be_visible()
    summary = page.locator("#upload-summary")
    expect(summary).to_contain_text("1 existing account invited to join")
    expect(summary).to_contain_text("1 held back: prerequisites not met")
    held = page.get_by_role("heading", name="1 person will be held back")
    expect(held).to_be_visible()
    expect(page.locator("#held-back")).to_contain_text(
        "Row 3, lena@example.org: Has not completed “Co-op Basics”, which this course requires"
        " first. Not added or invited."
    )
    table = page.get_by_role("table", name=f"Every row of {csv_path.name}")
    expect(table.get_by_role("row").filter(has_text="ezra@example.org")).to_contain_text(
        "Existing account: will be invited to join."
    )
    expect(table.get_by_role("row").filter(has_text="lena@example.org")).to_contain_text(
        "Held back."
    )
    _check(page)
    page.get_by_role("button", name="Confirm: add or invite 1 learner").click()
    expect(page.locator(".flash").filter(has_text="1 existing account asked to join")
           ).to_be_visible()
    expect(page.locator(".flash").filter(has_text="1 person was held back")).to_be_visible()
    invited = page.get_by_role("table", name="Invited to join")
    expect(invited.get_by_role("row").filter(has_text="ezra@example.org")).to_contain_text(
        "Waiting, until"
    )
    expect(page.get_by_text("Nobody yet.")).to_be_visible()
    _check(page)


def _answer(page: Page) -> None:
    invitations = page.get_by_role("region", name="Invitations to join a group")
    expect(invitations).to_contain_text(GROUP)
    _check(page)
    invitations.get_by_role("link", name=re.compile(GROUP)).click()
    expect(page.get_by_role("heading", name=f"Invitation to join {GROUP}", level=1)
           ).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        "The group's tutors will then see your progress in this course"
    )
    _check(page)


def test_invitation_journey(new_page, world, tmp_path):
    csv_path = tmp_path / "finance-circle.csv"
    csv_path.write_text("email,name\nezra@example.org,Ezra\nlena@example.org,Lena\n",
                        encoding="utf-8")
    tutor = _log_in(new_page(viewport={"width": 1280, "height": 900}), world["tutor"])
    _upload(tutor, world["cohort"], csv_path)

    ezra = _log_in(new_page(viewport={"width": 1280, "height": 900}), world["ezra"])
    _answer(ezra)
    ezra.get_by_role("button", name="Accept and join the group").click()
    expect(ezra.locator(".flash").filter(has_text=f"You joined the group “{GROUP}”.")
           ).to_be_visible()
    expect(ezra.get_by_role("heading", name="Co-op Finance", level=1)).to_be_visible()
    expect(ezra.get_by_role("region", name=f"Your group: {GROUP}")).to_contain_text("Tess Tutor")
    _check(ezra)

    tutor.reload()
    learners = tutor.get_by_role("table").filter(has_text="Joined")
    expect(learners.get_by_role("row").filter(has_text="Ezra Existing")).to_be_visible()
    expect(tutor.get_by_role("table", name="Invited to join")).to_have_count(0)


def test_invitation_pages_at_320px_without_javascript(new_page, world, tmp_path):
    csv_path = tmp_path / "finance-circle.csv"
    csv_path.write_text("email,name\nezra@example.org,Ezra\nlena@example.org,Lena\n",
                        encoding="utf-8")
    small = {"viewport": {"width": 320, "height": 640}, "java_script_enabled": False}
    tutor = _log_in(new_page(**small), world["tutor"])
    _upload(tutor, world["cohort"], csv_path)
    tutor.goto(world["cohort"])
    _no_sideways_scroll(tutor)

    ezra = _log_in(new_page(**small), world["ezra"])
    _no_sideways_scroll(ezra)
    _answer(ezra)
    _no_sideways_scroll(ezra)
    ezra.get_by_role("button", name="Decline").click()
    expect(ezra.locator(".flash").filter(has_text="You declined the invitation.")).to_be_visible()
    expect(ezra.get_by_text("You have no invitations waiting for an answer.")).to_be_visible()
    _check(ezra)
    _no_sideways_scroll(ezra)
