"""Dashboards and the end of a course: what a learner and a tutor see first, at constant cost."""

from __future__ import annotations

import datetime as dt

from courses import operations as ops
from courses.models import Enrolment
from lms.db import utcnow
from lms.testing import csrf_token

from .cohort_helpers import make_cohort, seat
from .test_queries import _count


def _finish(db, enrolment, course):
    for item in course.items:
        if item.kind == "lesson":
            ops.complete_lesson(enrolment, item)
    db.session.commit()


def test_a_new_learner_is_greeted_and_pointed_to_the_first_course(
    app, db, make_user, login, make_course
):
    make_course(slug="what-is-a-co-operative", title="What is a co-operative?")
    make_course(slug="co-op-finance", title="Co-op finance", level="intermediate")
    client = login(make_user(name="Nell New"))
    page = client.get("/").get_data(as_text=True)
    assert "Hello, <bdi>Nell New</bdi>" in page and "Welcome back" not in page
    assert "Where to start" in page
    assert 'href="/courses/what-is-a-co-operative"' in page
    assert "Or see all 2 courses we offer" in page
    assert "Continue where you left off" not in page
    # The first steps carry the site's illustration, with its text alternative.
    assert ('<svg class="illustration" viewBox="0 0 64 64" role="img" '
            'aria-label="An open book with a seedling"') in page


def test_a_new_learner_is_not_pointed_to_a_first_course_the_catalogue_does_not_list(
    app, db, make_user, login, make_course
):
    first = make_course(slug="what-is-a-co-operative", title="What is a co-operative?")
    make_course(slug="co-op-finance", title="Co-op finance", level="intermediate")
    make_course(slug="co-op-law", title="Co-op law", status="draft")
    first.retire_dt = utcnow() - dt.timedelta(days=1)
    db.session.commit()
    page = login(make_user()).get("/").get_data(as_text=True)
    assert "Where to start" in page
    assert "what-is-a-co-operative" not in page
    assert "Or see the 1 course we offer" in page


def test_a_returning_learner_continues_where_they_left_off(
    app, db, make_user, login, make_course, enrol
):
    make_course(slug="what-is-a-co-operative")
    course = make_course(slug="co-op-basics", title="Co-op basics", lessons=3)
    user = make_user()
    e = enrol(user, course)
    ops.complete_lesson(e, course.items[0])
    db.session.commit()
    page = login(user).get("/").get_data(as_text=True)
    assert "Where to start" not in page
    assert "Continue where you left off" in page
    assert "<strong>Co-op basics</strong>: Lesson 2" in page or "Co-op basics</strong>:" in page
    assert "2 lessons and the final quiz left" in page


def test_visitors_home_page_shows_every_course_first_course_first(app, db, client, make_course):
    for n in range(9):
        make_course(slug=f"course-{n}", title=f"Course {n}")
    make_course(slug="what-is-a-co-operative", title="What is a co-operative?")
    page = client.get("/").get_data(as_text=True)
    assert page.count('<li class="card"><h3><a href="/courses/') == 10
    assert page.index("What is a co-operative?") < page.index("Course 0")


def test_finishing_a_course_leads_to_its_completion_page(
    app, db, make_user, login, make_course, enrol
):
    basics = make_course(slug="co-op-basics", title="Co-op basics", lessons=2, quiz=False)
    make_course(slug="co-op-finance", title="Co-op finance", requires=(basics,))
    make_course(slug="unrelated", title="Unrelated")
    user = make_user()
    e = enrol(user, basics)
    client = login(user)
    assert client.get("/courses/co-op-basics/completed").status_code == 302  # not finished yet
    ops.complete_lesson(e, basics.items[0])
    db.session.commit()
    token = csrf_token(client, "/courses/co-op-basics/learn/l2")
    done = client.post("/courses/co-op-basics/learn/l2/complete", data={"csrf_token": token})
    assert done.status_code == 303 and done.location.endswith("/courses/co-op-basics/completed")
    page = client.get(done.location).get_data(as_text=True)
    assert "Congratulations: you finished “<bdi>Co-op basics</bdi>”" in page
    assert 'class="illustration" viewBox="0 0 64 64" role="img" aria-label="A rosette"' in page
    assert "Your certificate" in page  # the certificates plugin's part of the page
    assert 'href="/courses/co-op-finance"' in page and "Unrelated" not in page
    course_page = client.get("/courses/co-op-basics").get_data(as_text=True)
    assert "Continue:" not in course_page  # never back to lesson 1 once finished
    assert 'href="/courses/co-op-basics/completed"' in course_page
    db.session.expire_all()
    assert db.session.get(Enrolment, e.id).completed_dt is not None


def test_completion_page_shows_the_certificate_with_download_and_share_links(
    app, db, make_user, login, make_course, enrol
):
    course = make_course(slug="co-op-basics", title="Co-op basics", lessons=1, quiz=False)
    user = make_user()
    e = enrol(user, course)
    _finish(db, e, course)
    page = login(user).get("/courses/co-op-basics/completed").get_data(as_text=True)
    from certificates.models import Certificate

    cert = db.session.query(Certificate).filter_by(user_id=user.id).one()
    assert f"/certificates/{cert.code}/credential.json" in page
    assert f'value="http://localhost/certificates/verify/{cert.code}"' in page
    assert "mailto:?subject=" in page


def _tutor_world(db, make_user, make_course, groups: int, learners: int, prefix: str):
    tutor = make_user(roles=("learner", "tutor"), name="Tara Tutor")
    today = utcnow().date()
    for g in range(groups):
        course = make_course(slug=f"{prefix}{g}", lessons=2, modules=2, title=f"Course {g}")
        course.modules[1].unlock_after_days = 5
        db.session.commit()
        cohort = make_cohort(course, name=f"Group {g}", tutors=(tutor,),
                             start=today - dt.timedelta(days=20))
        for n in range(learners):
            seat(cohort, make_user(name=f"Learner {g}-{n}"))
    return tutor


def test_tutor_dashboard_shows_groups_at_risk_learners_and_openings(
    app, db, make_user, login, make_course
):
    tutor = make_user(roles=("learner", "tutor"), name="Tara Tutor")
    course = make_course(slug="c1", lessons=2, modules=2, title="Course one")
    course.modules[1].unlock_after_days = 30
    db.session.commit()
    today = utcnow().date()
    cohort = make_cohort(course, name="Autumn group", tutors=(tutor,),
                         start=today - dt.timedelta(days=20))
    idle = make_user(name="Ida Idle")
    seat(cohort, idle)
    from courses.cohorts.models import CohortMember

    db.session.query(CohortMember).filter_by(user_id=idle.id).one().joined_dt = (
        utcnow() - dt.timedelta(days=15))
    db.session.commit()
    other = make_cohort(course, name="Not theirs")
    seat(other, make_user(name="Someone else"))
    page = login(tutor).get("/").get_data(as_text=True)
    assert "Groups you teach" in page and "Autumn group" in page and "Not theirs" not in page
    assert "1 at risk" in page and "Ida Idle" in page and "no activity for" in page
    assert "opens on" in page  # the second module opens in ten days


def test_tutor_dashboard_queries_do_not_grow(app, db, make_user, login, make_course):
    small = _tutor_world(db, make_user, make_course, groups=1, learners=1, prefix="s")
    small_client = login(small)
    large = _tutor_world(db, make_user, make_course, groups=6, learners=8, prefix="l")
    large_client = login(large)
    assert _count(db, small_client, "/") == _count(db, large_client, "/")


def test_tutor_dashboard_gives_each_group_its_own_courses_modules(
    app, db, make_user, login, make_course
):
    """Groups of different courses are read together: each card's openings,
    due dates and required items are its own course's; ended groups are left out, and a
    group whose course has no module yet still shows."""
    from courses.cohorts.tutor_dashboard import _groups_read, _modules_read, tutor_groups
    from courses.models import Course, Module

    tutor = make_user(roles=("learner", "tutor"), name="Tara Tutor")
    today = utcnow().date()
    start = today - dt.timedelta(days=20)
    one = make_course(slug="one", lessons=2, modules=2, title="Course one", quiz=False)
    two = make_course(slug="two", lessons=3, modules=1, title="Course two", quiz=False)
    one.modules[0].title, one.modules[1].title = "Basics of one", "Opens in ten days"
    one.modules[1].unlock_after_days = 30
    two.modules[0].title = "All of two"
    empty = Course(slug="empty", title="Nothing yet", summary="A summary.", status="draft",
                   outcomes=["Know things"], topic="basics")
    db.session.add(empty)
    db.session.commit()
    make_cohort(one, name="Group of one", tutors=(tutor,), start=start)
    make_cohort(two, name="Group of two", tutors=(tutor,), start=start)
    make_cohort(empty, name="Group of nothing", tutors=(tutor,), start=start)
    make_cohort(one, name="Ended group", tutors=(tutor,), start=start - dt.timedelta(days=90),
                end=today - dt.timedelta(days=1))
    one.items[0].required = False  # the first module of one: one required lesson of two
    db.session.commit()
    with app.test_request_context():
        cards = {card.cohort.name: card for card in tutor_groups(tutor)}
        groups = [row.name for row in _groups_read().in_session(tutor_id=tutor.id, on=today)]
        required = {row.title: row.required
                    for row in _modules_read().in_session(tutor_id=tutor.id, on=today)}
    assert groups == ["Group of one", "Group of two", "Group of nothing"]
    assert required == {"Basics of one": 0, "Opens in ten days": 1, "All of two": 3}
    assert sorted(cards) == ["Group of nothing", "Group of one", "Group of two"]
    assert [title for _d, title in cards["Group of one"].openings] == ["Opens in ten days"]
    assert cards["Group of two"].openings == () and cards["Group of nothing"].openings == ()
    assert (cards["Group of one"].course.title, cards["Group of two"].course.title) == (
        "Course one", "Course two")
    assert db.session.query(Module).filter_by(course_id=empty.id).count() == 0
    page = login(tutor).get("/").get_data(as_text=True)
    assert "Opens in ten days opens on" in page and "Group of nothing" in page
    assert "Ended group" not in page
