"""A course's text in the page's language where translated, else marked with its own.

The catalogues are the tests' pseudo-translations (interface text ⟦wrapped⟧),
Urdu offered; the course text is the test's own Urdu translation rows, so
interface and course text are told apart. What stays English on an Urdu page
carries ``lang="en" dir="ltr"`` (as the catalogue's cards and the dashboards
do), so a screen reader reads it as English and it is laid out left to right.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from courses.models import Course, Enrolment
from courses.translation_models import CourseTranslation
from lms.db import db

from .assignment_helpers import add_assignment
from .cohort_helpers import make_cohort, seat
from .conftest import token

EN = ' lang="en" dir="ltr"'
UR_TITLE = "کوآپریٹو کی بنیادیں"
UR_SUMMARY = "ایک خلاصہ۔"


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("ur", "pl", "gu")}


def _translate(course: Course, **data) -> None:
    """An Urdu translation of ``course``'s own text (none of its items')."""
    db.session.add(CourseTranslation(
        course_id=course.id, item_id=None, language="ur", source="0" * 12, title=UR_TITLE,
        data={"summary": UR_SUMMARY, **data}))
    db.session.commit()


def _urdu(make_user, **kwargs):
    user = make_user(**kwargs)
    user.locale = "ur"
    db.session.commit()
    return user


def _flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', html)


# --- the visitors' home page ------------------------------------------------------------

def test_the_home_page_shows_courses_as_the_catalogue_does(client, make_course):
    translated = make_course("co-op-basics", title="Co-op basics", level="introductory")
    make_course("english-only", title="English only")
    _translate(translated)
    html = client.get("/", headers={"Accept-Language": "ur"}).get_data(as_text=True)
    assert f'<h3><a href="/courses/co-op-basics">{UR_TITLE}</a></h3><p>{UR_SUMMARY}</p>' in html
    assert "Co-op basics" not in html
    assert (f'<h3{EN}><a href="/courses/english-only">English only</a></h3>'
            f'<p{EN}>A summary.</p>') in html
    # In the courses' own language nothing is marked or looked up.
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<h3><a href="/courses/co-op-basics">Co-op basics</a></h3><p>A summary.</p>' in html


# --- the course's title in messages and on its pages ------------------------------------

def test_joining_and_finishing_name_the_course_in_the_page_language(
        make_user, login, make_course):
    course = make_course(lessons=1, quiz=False)
    _translate(course)
    client = login(_urdu(make_user))
    response = client.post(f"/courses/{course.slug}/enrol",
                           data={"csrf_token": token(client)}, follow_redirects=True)
    (joined,) = _flashes(response.get_data(as_text=True))
    assert UR_TITLE in joined and "Co Op Basics" not in joined
    response = client.post(f"/courses/{course.slug}/learn/l1/complete",
                           data={"csrf_token": token(client)}, follow_redirects=True)
    (done,) = _flashes(response.get_data(as_text=True))
    assert done.startswith("⟦Well done!") and UR_TITLE in done


def test_an_untranslated_title_in_a_message_is_marked_english(make_user, login, make_course):
    course = make_course(lessons=1, quiz=False)
    client = login(_urdu(make_user))
    response = client.post(f"/courses/{course.slug}/enrol",
                           data={"csrf_token": token(client)}, follow_redirects=True)
    (joined,) = _flashes(response.get_data(as_text=True))
    assert joined.startswith("⟦You joined")
    assert f"“<bdi{EN}>Co Op Basics</bdi>”" in joined


def _crumb(html: str) -> str:
    match = re.search(r'<p class="crumbs">(.*?)</p>', html)
    assert match, html
    return match.group(1)


def test_learning_pages_link_back_to_the_course_in_the_page_language(
        make_user, login, make_course):
    course = make_course(lessons=1, quiz=False)
    item = add_assignment(course)
    _translate(course)
    learner = _urdu(make_user)
    db.session.add(Enrolment(user_id=learner.id, course_id=course.id))
    db.session.commit()
    client = login(learner)
    for path in (f"/courses/{course.slug}/learn/l1", f"/courses/{course.slug}/learn/{item.key}",
                 f"/courses/discuss/course/{course.slug}/space/all"):
        html = client.get(path).get_data(as_text=True)
        assert f"><bdi>{UR_TITLE}</bdi></a>" in _crumb(html), path
        assert "Co Op Basics" not in html, path


def test_learning_pages_mark_an_untranslated_course_title(make_user, login, make_course):
    course = make_course(lessons=1, quiz=False)
    item = add_assignment(course)
    learner = _urdu(make_user)
    db.session.add(Enrolment(user_id=learner.id, course_id=course.id))
    db.session.commit()
    client = login(learner)
    for path in (f"/courses/{course.slug}/learn/l1", f"/courses/{course.slug}/learn/{item.key}",
                 f"/courses/discuss/course/{course.slug}/space/all"):
        html = client.get(path).get_data(as_text=True)
        assert f"<bdi{EN}>Co Op Basics</bdi></a>" in _crumb(html), path


def test_the_marking_page_names_the_course_in_the_tutors_language(
        make_user, login, make_course):
    course = make_course(lessons=1, quiz=False)
    add_assignment(course)
    _translate(course)
    tutor, learner = _urdu(make_user, roles=("tutor",)), make_user()
    seat(make_cohort(course, tutors=[tutor], start=dt.date(2026, 1, 5)), learner)
    from .assignment_helpers import answer
    from .test_assignments import _submission

    assert answer(login(learner), course.slug, "policy", action="submit").status_code == 303
    html = login(tutor).get(
        f"/courses/assignments/submissions/{_submission(db).id}").get_data(as_text=True)
    assert f'<p class="muted"><bdi>{UR_TITLE}</bdi></p>' in html


# --- untranslated text on a translated course's page ------------------------------------

def test_the_course_page_marks_what_is_not_translated(client, make_course):
    course = make_course(lessons=2, quiz=False, description="About it.",
                         description_html="<p>About it.</p>")
    lesson = course.items[0]
    db.session.add(CourseTranslation(course_id=course.id, item_id=lesson.id, language="ur",
                                     source="0" * 12, title="پہلا سبق", body_html="<p>متن</p>"))
    _translate(course, outcomes=["چیزیں جاننا"], modules={"m0": "پہلا حصہ"})
    html = client.get(f"/courses/{course.slug}",
                      headers={"Accept-Language": "ur"}).get_data(as_text=True)
    assert f"<h1>{UR_TITLE}</h1>" in html and f'<p class="lead">{UR_SUMMARY}</p>' in html
    assert "<ul><li>چیزیں جاننا</li></ul>" in html
    # The description has no translation: English, and marked so.
    assert f'<div class="prose"{EN}><p>About it.</p></div>' in html
    # The outline: a translated title is the page's; the other is marked English.
    assert '<span>پہلا سبق</span>' in html
    assert f'<span{EN}>Lesson 2</span>' in html
    assert '<h2 class="outline-module">پہلا حصہ</h2>' in html


def test_an_untranslated_course_page_is_marked_english_throughout(client, make_course):
    course = make_course(lessons=1, quiz=False, description="About it.",
                         description_html="<p>About it.</p>")
    html = client.get(f"/courses/{course.slug}",
                      headers={"Accept-Language": "ur"}).get_data(as_text=True)
    assert f"<h1{EN}>Co Op Basics</h1>" in html
    assert f'<p class="lead"{EN}>A summary.</p>' in html
    assert f"<ul{EN}><li>Know things</li></ul>" in html
    assert f'<div class="prose"{EN}><p>About it.</p></div>' in html
    assert f'<h2 class="outline-module"{EN}>Module 0</h2>' in html
    assert f'<span{EN}>Lesson 1</span>' in html
    # In English nothing is marked.
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "<h1>Co Op Basics</h1>" in html
    assert f"<h1{EN}>" not in html and f"<span{EN}>" not in html


def test_the_catalogues_topics_are_marked_with_their_language(client, make_course):
    make_course(topic="governance")
    html = client.get("/courses/", headers={"Accept-Language": "ur"}).get_data(as_text=True)
    assert '<option dir="ltr" lang="en" value="governance">governance</option>' in html
    html = client.get("/courses/").get_data(as_text=True)
    assert '<option value="governance">governance</option>' in html
