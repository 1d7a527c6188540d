"""Hostile input on the courses plugin's pages: ids past the database, mail subjects, paging."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from courses.cohorts.models import CohortTutor
from lms.db import db

from .cohort_helpers import announcement_form, make_cohort, seat
from .conftest import token


def _tutor_of(make_user, login, cohort):
    tutor = make_user(roles=("tutor",))
    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor.id))
    db.session.commit()
    return login(tutor)


def test_ids_past_the_database_range_are_not_found(app, make_user, login, make_course):
    course = make_course()
    cohort = make_cohort(course)
    tutor = _tutor_of(make_user, login, cohort)
    for path in (
        "/courses/cohorts/9223372036854775808",  # SQLite: past 64 bits
        "/courses/cohorts/2147483648",  # PostgreSQL: past integer
        f"/courses/cohorts/{cohort.id}/learners/9223372036854775808",
        "/courses/co-op-basics/learn/final/attempts/2147483648",
        "/courses/cohorts/%D9%A1",  # an Arabic-Indic one: int() reads it, the route must not
    ):
        assert tutor.get(path).status_code == 404, path


def test_a_nul_in_a_course_address_is_refused(client):
    # It reached PostgreSQL, which cannot hold a NUL in text: a 500, for anyone.
    response = client.get("/courses/%00")
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)


def test_catalogue_pages_that_are_not_numbers_show_the_first(client, make_course):
    make_course()
    for page in ("²", "1" * 30, "9223372036854775807", "-1"):
        response = client.get("/courses/", query_string={"page": page})
        assert response.status_code == 200, page
        assert "Co Op Basics" in response.get_data(as_text=True)


def test_an_announcement_subject_with_a_line_break_is_a_form_error(
    app, make_user, login, make_course, outbox
):
    course = make_course()
    cohort = make_cohort(course)
    seat(cohort, make_user())
    tutor = _tutor_of(make_user, login, cohort)
    url = f"/courses/cohorts/{cohort.id}/announcements"
    response = tutor.post(url, data={**announcement_form(tutor, url),
                                     "subject": "Week 2\r\nBcc: everyone@example.org",
                                     "body": "Line one\r\nline two"})
    assert response.status_code == 400
    assert "Write this on one line" in response.get_data(as_text=True)
    assert outbox() == []
    posted = tutor.post(url, data={**announcement_form(tutor, url), "subject": "Week 2",
                                   "body": "Line one\r\nline two"})
    assert posted.status_code == 303  # line breaks in the message itself are fine
    assert [m.subject for m in outbox()] == [f"{cohort.name}: Week 2"]


def test_a_long_subject_in_a_long_named_group_fits_the_outbox(
    app, make_user, login, make_course, outbox
):
    # 200 + 200 characters made a subject PostgreSQL refused (a 500 after the form passed).
    course = make_course()
    cohort = make_cohort(course, name="G" * 200)
    seat(cohort, make_user())
    tutor = _tutor_of(make_user, login, cohort)
    url = f"/courses/cohorts/{cohort.id}/announcements"
    response = tutor.post(url, data={**announcement_form(tutor, url), "subject": "S" * 200,
                                     "body": "Hello"})
    assert response.status_code == 303
    (message,) = outbox()
    assert len(message.subject) == 300 and message.subject.endswith("…")


def test_a_group_name_with_a_line_break_is_a_form_error(app, make_user, login, make_course):
    course = make_course()
    cohort = make_cohort(course)
    admin = login(make_user(roles=("admin",)))
    url = f"/courses/cohorts/{cohort.id}/edit"
    page = admin.get(url).get_data(as_text=True)
    assert "Spring group" in page
    response = admin.post(url, data={"csrf_token": token(admin), "name": "Spring\ngroup",
                                     "start_date": "2026-01-01", "end_date": "2026-03-01"})
    assert "Write this on one line" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(cohort), cohort.id).name == "Spring group"


def test_a_discussion_space_named_by_a_superscript_digit_is_not_found(
    app, make_user, login, make_course
):
    # "²".isdigit() is true, int("²") raises: a 500 for any signed-in visitor.
    course = make_course()
    admin = login(make_user(roles=("admin",)))
    url = f"/courses/discuss/course/{course.slug}/space/%C2%B2"
    assert admin.get(url).status_code == 404
    assert admin.post(url, data={"csrf_token": token(admin)}).status_code == 404
    listing = f"/courses/discuss/course/{course.slug}/space/all?page=%C2%B2"
    assert admin.get(listing).status_code == 200


def test_an_answer_row_sent_twice_is_a_form_error(app, make_user, login, make_course):
    from courses.models import Item

    # A draft: a live course's questions change only by decision (curriculum authority).
    course = make_course(status="draft")
    quiz = db.session.query(Item).filter_by(course_id=course.id, key="final").one()
    admin = login(make_user(roles=("admin",)))
    url = f"/courses/author/{course.slug}/items/{quiz.id}/questions/new"
    response = admin.post(url, data=MultiDict([
        ("csrf_token", token(admin)), ("prompt", "Which?"), ("kind", "single"),
        ("option_1-text", "Yes"), ("option_1-text", "No"), ("option_1-correct", "y"),
    ]))
    assert response.status_code in (200, 400)
    assert "This field was sent more than once." in response.get_data(as_text=True)
