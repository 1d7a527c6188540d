"""Titles of lessons, assignments and courses in the page's language, else marked with the
course's: the links between lessons and to them, the assignment pages, the groups pages,
the courses to finish first or next, and the corrections listed on a course.

As in :mod:`.test_course_text_language`: interface text in the pseudo-translations is
⟦wrapped⟧, the course text is the test's own Urdu, and what stays English on an Urdu page
carries ``lang="en" dir="ltr"``, isolated in ``<bdi>``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from courses.models import Enrolment
from courses.translation_models import CourseTranslation
from lms.db import db
from tests.fresh_catalogues import fresh_pseudo_translations

from .assignment_helpers import add_assignment
from .cohort_helpers import make_cohort, seat
from .conftest import token
from .test_course_text_language import EN, UR_TITLE, _crumb, _translate, _urdu


@pytest.fixture()
def app_config(app_config, tmp_path_factory):
    # The strings as the source has them now (a string new in the change is marked too).
    return {
        **app_config,
        "BABEL_TRANSLATION_DIRECTORIES": fresh_pseudo_translations(
            tmp_path_factory, "ur", "pl", "gu"
        ),
    }


# --- lesson titles in links -------------------------------------------------------------


def _enrolled(make_user, login, course):
    learner = _urdu(make_user)
    db.session.add(Enrolment(user_id=learner.id, course_id=course.id))
    db.session.commit()
    return learner, login(learner)


def _prev_next(html: str) -> str:
    match = re.search(r'<nav class="prev-next"[^>]*>(.*?)</nav>', html, re.S)
    assert match, html
    return match.group(1)


def test_previous_and_next_name_lessons_in_the_page_language_or_marked(
    make_user, login, make_course
):
    course = make_course(lessons=3, quiz=True)
    second = next(i for i in course.items if i.key == "l2")
    db.session.add(
        CourseTranslation(
            course_id=course.id,
            item_id=second.id,
            language="ur",
            source="0" * 12,
            title="دوسرا سبق",
            body_html="<p>متن</p>",
        )
    )
    _translate(course)
    _learner, client = _enrolled(make_user, login, course)
    links = _prev_next(client.get(f"/courses/{course.slug}/learn/l1").get_data(as_text=True))
    assert "<bdi>دوسرا سبق</bdi>" in links and "Lesson 2" not in links
    html = client.get(f"/courses/{course.slug}/learn/l2").get_data(as_text=True)
    links = _prev_next(html)
    assert f"<bdi{EN}>Lesson 1</bdi>" in links and f"<bdi{EN}>Lesson 3</bdi>" in links
    # The quiz after the last lesson, and the way back from it.
    links = _prev_next(client.get(f"/courses/{course.slug}/learn/l3").get_data(as_text=True))
    assert f"<bdi{EN}>Final quiz</bdi>" in links
    links = _prev_next(client.get(f"/courses/{course.slug}/learn/final").get_data(as_text=True))
    assert f"<bdi{EN}>Lesson 3</bdi>" in links


def test_previous_and_next_are_not_marked_in_the_courses_own_language(
    make_user, login, make_course
):
    course = make_course(lessons=2, quiz=False)
    learner = make_user()
    db.session.add(Enrolment(user_id=learner.id, course_id=course.id))
    db.session.commit()
    html = login(learner).get(f"/courses/{course.slug}/learn/l1").get_data(as_text=True)
    assert "Next: <bdi>Lesson 2</bdi>" in _prev_next(html) and "lang=" not in _prev_next(html)


def test_the_course_page_marks_the_lesson_to_continue(make_user, login, make_course):
    course = make_course(lessons=2, quiz=False)
    _learner, client = _enrolled(make_user, login, course)
    html = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert f": <bdi{EN}>Lesson 1</bdi></a>" in html


def test_discussions_link_back_to_their_lesson_in_the_page_language_or_marked(
    make_user, login, make_course
):
    from .discussion_helpers import make_thread

    course = make_course(lessons=2, quiz=False)
    learner, client = _enrolled(make_user, login, course)
    thread = make_thread(course, learner, title="On the first lesson")
    thread.item_id = next(i.id for i in course.items if i.key == "l1")
    db.session.commit()
    space = f"/courses/discuss/course/{course.slug}/space/all"
    for path in (f"/courses/discuss/thread/{thread.id}", f"{space}?lesson=l1"):
        crumb = _crumb(client.get(path).get_data(as_text=True))
        assert f"<bdi{EN}>Lesson 1</bdi></a>" in crumb, path
    html = client.get(f"{space}?lesson=l1").get_data(as_text=True)
    assert re.search(rf"<h1>⟦Discuss “<bdi{EN}>Lesson 1</bdi>”⟧</h1>", html), html
    html = client.get(space).get_data(as_text=True)
    assert f"“<bdi{EN}>Lesson 1</bdi>”" in html  # the thread list: "about “Lesson 1”"
    # Translated, the lesson's title is the page's.
    lesson = next(i for i in course.items if i.key == "l1")
    db.session.add(
        CourseTranslation(
            course_id=course.id,
            item_id=lesson.id,
            language="ur",
            source="0" * 12,
            title="پہلا سبق",
            body_html="<p>متن</p>",
        )
    )
    db.session.commit()
    crumb = _crumb(client.get(f"/courses/discuss/thread/{thread.id}").get_data(as_text=True))
    assert "<bdi>پہلا سبق</bdi></a>" in crumb and "Lesson 1" not in crumb


# --- assignments, groups, prerequisites and corrections -----------------------------------


def _submitted(make_user, login, make_course, translate=False):
    """An assignment an Urdu learner sent to an Urdu tutor: (course, learner's client,
    tutor's client, the submission's marking page)."""
    from .assignment_helpers import answer
    from .test_assignments import _submission

    course = make_course(lessons=1, quiz=False)
    add_assignment(course)
    if translate:
        _translate(course)
    tutor, learner = _urdu(make_user, roles=("tutor",)), _urdu(make_user)
    seat(make_cohort(course, tutors=[tutor], start=dt.date(2026, 1, 5)), learner)
    client = login(learner)
    assert answer(client, course.slug, "policy", action="submit").status_code == 303
    return (course, client, login(tutor), f"/courses/assignments/submissions/{_submission(db).id}")


def test_the_assignment_page_marks_the_assignment_as_english(make_user, login, make_course):
    course, client, _tutor, _mark = _submitted(make_user, login, make_course, translate=True)
    html = client.get(f"/courses/{course.slug}/learn/policy").get_data(as_text=True)
    assert f'<h1 id="assignment-title"{EN}>Draft your membership policy</h1>' in html
    assert re.search(
        r'<p class="language-note" role="note">⟦This assignment is not yet '
        r"translated; shown in [^<]+\.⟧</p>",
        html,
    )
    assert f'<div class="prose"{EN}><p>Draft your co-op\'s' in html
    assert f"<tbody{EN}>" in html and "Who can join" in html  # the rubric
    # The course around it is translated: the outline's lesson and the previous link.
    assert f'<a href="/courses/{course.slug}/learn/l1"{EN}>Lesson 1</a>' in html
    assert f"<bdi{EN}>Lesson 1</bdi>" in _prev_next(html)


def test_the_assignment_page_in_the_courses_language_is_not_marked(make_user, login, make_course):
    from .assignment_helpers import add_assignment as add

    course = make_course(lessons=1, quiz=False)
    add(course)
    learner = make_user()
    db.session.add(Enrolment(user_id=learner.id, course_id=course.id))
    db.session.commit()
    html = login(learner).get(f"/courses/{course.slug}/learn/policy").get_data(as_text=True)
    assert '<h1 id="assignment-title">Draft your membership policy</h1>' in html
    assert 'class="language-note"' not in html and "<tbody>" in html
    assert '<div class="prose"><p>Draft' in html


def test_the_marking_queue_and_page_mark_english_titles(make_user, login, make_course):
    course, _client, tutor, mark = _submitted(make_user, login, make_course)
    queue = tutor.get("/courses/assignments/marking").get_data(as_text=True)
    assert f'"⟦Assignment⟧"><bdi{EN}>Draft your membership policy</bdi>' in queue
    assert f'"⟦Course⟧"><bdi{EN}>Co Op Basics</bdi></td>' in queue
    html = tutor.get(mark).get_data(as_text=True)
    assert re.search(rf"<h1>⟦[^<]*: <bdi{EN}>Draft your membership policy</bdi>⟧</h1>", html)
    assert f'<div class="prose"{EN}><p>Draft your co-op\'s' in html
    assert f"<legend{EN}>Who can join</legend>" in html
    assert f'<div class="radio"{EN}>' in html


def test_the_marking_queue_names_a_translated_course_in_the_page_language(
    make_user, login, make_course
):
    _course, _client, tutor, _mark = _submitted(make_user, login, make_course, translate=True)
    queue = tutor.get("/courses/assignments/marking").get_data(as_text=True)
    assert f'"⟦Course⟧"><bdi>{UR_TITLE}</bdi></td>' in queue and "Co Op Basics" not in queue


def test_file_types_are_named_in_the_page_language(make_user, login, make_course):
    course = make_course(lessons=1, quiz=False)
    add_assignment(course)
    _learner, client = _enrolled(make_user, login, course)
    html = client.get(f"/courses/{course.slug}/learn/policy").get_data(as_text=True)
    assert "⟦PDF⟧, ⟦Word (.docx)⟧, ⟦plain text⟧" in html


def test_the_group_pages_name_courses_in_the_page_language_or_marked(make_user, login, make_course):
    translated, english = make_course(), make_course("english-only")
    _translate(translated)
    admin = _urdu(make_user, roles=("admin", "tutor"))
    for course in (translated, english):
        make_cohort(course, tutors=[admin], start=dt.date.today())
    client = login(admin)
    html = client.get("/courses/cohorts/").get_data(as_text=True)
    assert f'"⟦Course⟧"><bdi>{UR_TITLE}</bdi></td>' in html
    assert f'"⟦Course⟧"><bdi{EN}>English Only</bdi></td>' in html
    # The new group's choice of course: an untranslated title is marked on its option.
    html = client.get("/courses/cohorts/new").get_data(as_text=True)
    assert f">{UR_TITLE}</option>" in html
    assert re.search(r'<option dir="ltr" lang="en" value="\d+">English Only</option>', html)
    # The tutor's dashboard names each group's course the same way.
    html = client.get("/").get_data(as_text=True)
    assert f'<p class="muted"><bdi>{UR_TITLE}</bdi> · ' in html
    assert f'<p class="muted"><bdi{EN}>English Only</bdi> · ' in html


def test_prerequisites_are_named_in_the_page_language_or_marked(make_user, login, make_course):
    translated, english = make_course(), make_course("english-only")
    _translate(translated)
    later = make_course("later", requires=(translated, english))
    client = login(_urdu(make_user))
    html = client.get(f"/courses/{later.slug}").get_data(as_text=True)
    facts = re.search(r'<dl class="summary">(.*?)</dl>', html, re.S).group(1)
    assert f'<a href="/courses/co-op-basics"><bdi>{UR_TITLE}</bdi></a>' in facts
    assert f'<a href="/courses/english-only"><bdi{EN}>English Only</bdi></a>' in facts
    # Why the learner cannot join yet, and the courses to finish first.
    action = re.search(r'<section class="course-action".*?</section>', html, re.S).group(0)
    assert (
        f"⟦First complete “<bdi>{UR_TITLE}</bdi>”, “<bdi{EN}>English Only</bdi>”. "
        "Then you can join this course.⟧"
    ) in action
    assert f'<a href="/courses/english-only"><bdi{EN}>English Only</bdi></a>' in action
    assert "Co Op Basics" not in html
    # Joining the course's group with its key says the same.
    make_cohort(later, key="later-key")
    response = client.post(
        f"/courses/cohorts/join/{later.slug}",
        data={"csrf_token": token(client), "key": "later-key"},
        follow_redirects=True,
    )
    assert (
        f"⟦First complete “<bdi>{UR_TITLE}</bdi>”, “<bdi{EN}>English Only</bdi>”. "
        "Then you can join this group.⟧"
    ) in response.get_data(as_text=True)


def test_the_completion_page_names_the_next_courses_in_the_page_language_or_marked(
    make_user, login, make_course
):
    done = make_course(lessons=1, quiz=False)
    make_course("english-only", requires=(done,))
    _learner, client = _enrolled(make_user, login, done)
    assert (
        client.post(
            f"/courses/{done.slug}/learn/l1/complete", data={"csrf_token": token(client)}
        ).status_code
        == 303
    )
    html = client.get(f"/courses/{done.slug}/completed").get_data(as_text=True)
    assert f'<h3><a href="/courses/english-only"><bdi{EN}>English Only</bdi></a></h3>' in html
    assert f"<p{EN}>A summary.</p>" in html
    assert f"<ul{EN}><li>Know things</li></ul>" in html  # the outcomes of the course done


def test_the_changes_page_names_corrections_in_the_page_language(client, make_course):
    from courses.models import Correction
    from courses.translations import CORRECTION_KIND, TRANSLATION_LABEL
    from lms.db import utcnow

    course = make_course(lessons=1, quiz=False)
    db.session.add(
        Correction(
            course_id=course.id,
            item_key="",
            item_title=course.title,
            kind=CORRECTION_KIND,
            label=TRANSLATION_LABEL,
            note="Polish (pl): lessons/l1.md",
            user_id=None,
            corrected_dt=utcnow(),
            previous_title="",
            previous_md="",
        )
    )
    db.session.commit()
    html = client.get(
        f"/courses/{course.slug}/changes", headers={"Accept-Language": "ur"}
    ).get_data(as_text=True)
    assert ">⟦Translation⟧</td>" in html and ">Translation<" not in html
    assert f"{EN}>Co Op Basics</td>" in html  # the title it had, in the course's language
    html = client.get(f"/courses/{course.slug}/changes").get_data(as_text=True)
    assert ">Translation</td>" in html
    assert f"{EN}>Co Op Basics</td>" not in html and ">Co Op Basics</td>" in html
