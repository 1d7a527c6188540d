"""A cohort's calendar: modules open relative to its start, and fall due."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from courses.cohorts.schedule import build_schedule
from courses.models import Module, Progress
from lms.db import utcnow

from .cohort_helpers import make_cohort, seat
from .conftest import token

D = dt.date


def test_dates_follow_the_start_and_the_next_opening():
    schedule = build_schedule(1, "G", D(2027, 1, 4), D(2027, 2, 28),
                              [(10, None), (11, 7), (12, 7), (13, 21)])
    got = {m: (d.opens_on, d.due_on) for m, d in schedule.modules.items()}
    assert got == {
        10: (D(2027, 1, 4), D(2027, 1, 10)),
        11: (D(2027, 1, 11), D(2027, 1, 24)),
        12: (D(2027, 1, 11), D(2027, 1, 24)),
        13: (D(2027, 1, 25), D(2027, 2, 28)),
    }
    assert not schedule.is_open(11, on=D(2027, 1, 10))
    assert schedule.is_open(11, on=D(2027, 1, 11))
    assert schedule.next_opening(on=D(2027, 1, 12)).module_id == 13
    assert schedule.overdue_modules(on=D(2027, 1, 25)) == {10, 11, 12}


def test_without_a_schedule_everything_is_due_at_the_end():
    schedule = build_schedule(1, "G", D(2027, 1, 4), D(2027, 2, 28), [(1, None), (2, None)])
    assert {d.due_on for d in schedule.modules.values()} == {D(2027, 2, 28)}
    assert schedule.next_opening(on=D(2027, 1, 4)) is None


def _scheduled(db, make_course, started_days_ago=3):
    course = make_course(lessons=2, modules=2, quiz=False)
    second = db.session.scalar(select(Module).where(Module.course_id == course.id,
                                                    Module.key == "m1"))
    second.unlock_after_days = 7
    db.session.commit()
    start = utcnow().date() - dt.timedelta(days=started_days_ago)
    return course, make_cohort(course, start=start)


def test_a_locked_module_says_when_it_opens(app, db, make_user, login, make_course):
    course, cohort = _scheduled(db, make_course)
    learner = make_user()
    seat(cohort, learner)
    client = login(learner)
    opens = cohort.start_date + dt.timedelta(days=7)
    page = client.get(f"/courses/{course.slug}/learn/l1")
    assert page.status_code == 200
    assert "Opens on" in page.get_data(as_text=True)
    # The outline dates each module for the group: the open one by its due date.
    dates = re.findall(r'<p class="muted module-dates">([^<]+)</p>', page.get_data(as_text=True))
    assert [d.split(" ")[0] for d in dates] == ["Due", "Opens"]
    assert dates[1].startswith("Opens on ") and str(opens.year) in dates[1]
    assert dates[0].startswith("Due by ") and dates[0][-4:].isdigit()
    locked = client.get(f"/courses/{course.slug}/learn/l2")
    assert locked.status_code == 403
    text = locked.get_data(as_text=True)
    assert "This part of the course opens on" in text and str(opens.year) in text
    answer = client.post(f"/courses/{course.slug}/learn/l2/complete",
                         data={"csrf_token": token(client)})
    assert answer.status_code == 303
    assert db.session.scalar(select(Progress.id)) is None
    home = client.get("/").get_data(as_text=True)
    assert "Next to open: Module 1" in home and "Due dates:" in home


def test_once_open_the_module_works(app, db, make_user, login, make_course):
    course, cohort = _scheduled(db, make_course, started_days_ago=8)
    learner = make_user()
    seat(cohort, learner)
    client = login(learner)
    assert client.get(f"/courses/{course.slug}/learn/l2").status_code == 200
    client.post(f"/courses/{course.slug}/learn/l2/complete", data={"csrf_token": token(client)})
    assert db.session.scalar(select(Progress.id)) is not None


def test_learners_outside_cohorts_are_not_held_back(app, db, make_user, login, make_course,
                                                    enrol):
    course, _cohort = _scheduled(db, make_course)
    learner = make_user()
    enrol(learner, course)
    assert login(learner).get(f"/courses/{course.slug}/learn/l2").status_code == 200


def test_behind_schedule_is_at_risk(app, db, make_user, login, make_course):
    course, cohort = _scheduled(db, make_course, started_days_ago=10)
    behind, ahead = make_user(name="Bea Behind"), make_user(name="Al Ahead")
    seat(cohort, behind).last_activity_dt = utcnow()
    enrolment = seat(cohort, ahead)
    enrolment.last_activity_dt = utcnow()
    db.session.add(Progress(enrolment_id=enrolment.id, item_id=course.items[0].id))
    db.session.commit()
    from courses.cohorts.models import CohortTutor

    tutor = make_user(roles=("tutor",))
    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor.id))
    db.session.commit()
    page = login(tutor).get(f"/courses/cohorts/{cohort.id}/progress?show=at-risk")
    text = page.get_data(as_text=True)
    assert "Bea Behind" in text and "behind the group&#39;s schedule" in text
    assert "Al Ahead" not in text


def test_dates_near_the_year_9999_are_refused_and_stored_ones_do_not_fail_pages(
    app, db, make_user, login, make_course
):
    from courses.cohorts.models import Cohort

    from .cohort_helpers import form_token

    course = make_course(modules=2)
    module = db.session.scalar(select(Module).where(Module.key == "m1"))
    module.unlock_after_days = 60
    db.session.commit()
    admin = login(make_user(roles=("admin",)))
    path = "/courses/cohorts/new"
    data = {"course_id": str(course.id), "name": "Open-ended group",
            "start_date": "9999-12-01", "end_date": "9999-12-31"}
    page = admin.post(path, data={**data, "csrf_token": form_token(admin, path)})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Enter a date in 2099 or before." in text
    assert 'value="Open-ended group"' in text  # nothing typed is lost
    assert db.session.scalar(select(Cohort.id)) is None
    # A group saved with such dates before the form refused them: its pages still answer.
    cohort = make_cohort(course, start=D(9999, 12, 1), end=D(9999, 12, 31),
                         tutors=[make_user(roles=("tutor",))])
    assert build_schedule(cohort.id, "G", cohort.start_date, cohort.end_date,
                          [(1, None), (2, 60)]).modules[2].opens_on == dt.date.max
    learner = make_user()
    seat(cohort, learner)
    client = login(learner)
    for url in ("/", f"/courses/{course.slug}"):
        assert client.get(url).status_code == 200, url
    tutor = login(cohort.tutors[0].user)
    for url in (f"/courses/cohorts/{cohort.id}/progress",
                f"/courses/cohorts/{cohort.id}/learners/{learner.id}"):
        assert tutor.get(url).status_code == 200, url
    assert tutor.get(f"/courses/cohorts/{cohort.id}/progress.csv").get_data(as_text=True)
