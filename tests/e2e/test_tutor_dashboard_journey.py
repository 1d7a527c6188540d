"""A tutor's dashboard in a real browser: their groups, who is at risk, what opens next.

A tutor teaches one group of a two-module course (the second module opens in
ten days); one learner has done nothing for two weeks. The tutor logs in and
finds, on the home page, the group with its learners, the learner at risk
and why, and the module opening soon; they follow the learner's name to the
learner's page in the group. axe-core checks the dashboard; at 320 px it does
not scroll sideways.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from courses.cohorts.models import SOURCE_ADMIN, Cohort, CohortMember, CohortTutor
from courses.models import Course, Enrolment
from lms.db import db, utcnow
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y
from .conftest import import_course_files
from .test_cohort_journey import COURSE_FILES, SLUG

pytestmark = pytest.mark.e2e


def _world(make_user, tmp_path):
    import_course_files(tmp_path / SLUG, COURSE_FILES)
    course = db.session.query(Course).filter_by(slug=SLUG).one()
    course.modules[-1].unlock_after_days = 30
    tutor = make_user(name="Tomas Tutor", roles=("learner", "tutor"))
    today = utcnow().date()
    cohort = Cohort(course_id=course.id, name="Riverside bakers", start_date=today -
                    dt.timedelta(days=20), end_date=today + dt.timedelta(days=60))
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor.id))
    for name, days in (("Ida Idle", 15), ("Ava Active", 0)):
        learner = make_user(name=name)
        enrolment = Enrolment(user_id=learner.id, course_id=course.id,
                              last_activity_dt=utcnow() - dt.timedelta(days=days))
        db.session.add(enrolment)
        db.session.flush()
        db.session.add(CohortMember(cohort_id=cohort.id, course_id=course.id, user_id=learner.id,
                                    enrolment_id=enrolment.id, source=SOURCE_ADMIN,
                                    joined_dt=utcnow() - dt.timedelta(days=days)))
    email = tutor.email
    db.session.commit()
    db.session.remove()
    return email


def _log_in(page, email):
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_tutor_sees_groups_and_learners_at_risk(app, live_server, new_page, make_user, tmp_path):
    email = _world(make_user, tmp_path)
    page = new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, email)
    teaching = page.get_by_role("region", name="Groups you teach")
    expect(teaching.get_by_role("link", name="Riverside bakers", exact=True)).to_be_visible()
    expect(teaching).to_contain_text("2 learners, 0 finished.")
    expect(teaching).to_contain_text("1 at risk")
    expect(teaching.get_by_text("Ida Idle: no activity for 15 days")).to_be_visible()
    expect(teaching).not_to_contain_text("Ava Active")
    expect(teaching).to_contain_text("opens on")
    check_a11y(page)
    teaching.get_by_role("link", name="Ida Idle").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ida Idle")
    check_a11y(page)

    narrow = new_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    _log_in(narrow, email)
    expect(narrow.get_by_role("region", name="Groups you teach")).to_be_visible()
    width = narrow.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"the dashboard is {width}px wide at a 320px viewport"
