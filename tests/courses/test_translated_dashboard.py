"""The dashboard's "Continue" card and "My learning" in the learner's language (issue 22)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from courses.importing import import_course
from courses.models import Course, Enrolment
from courses.translation_models import CourseTranslation

from .conftest import token
from .content_helpers import course_folder
from .test_queries import count_queries
from .translation_helpers import polish_files


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    # Interface text is ⟦wrapped⟧ in the offered languages, course text is not.
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("ur", "pl", "gu")}


@pytest.fixture()
def learner(db, tmp_path, make_user, make_course, login):
    """A learner in the demo course (translated into Polish but for two lessons) and in a
    course with no translation."""
    import_course(course_folder(tmp_path, changes=polish_files()))
    other = make_course("other-course", title="Other course")
    user = make_user()
    demo = db.session.scalar(select(Course).where(Course.slug == "demo-course"))
    db.session.add(Enrolment(user_id=user.id, course_id=other.id))
    db.session.add(Enrolment(user_id=user.id, course_id=demo.id))
    db.session.commit()
    return user, login(user)


def _speaking(db, user, language):
    user.locale = language
    db.session.commit()


def _resume_card(html):
    start = html.index('<section class="card resume"')
    return html[start:html.index("</section>", start)]


def test_the_continue_card_and_my_learning_are_in_the_learners_language(db, learner):
    user, client = learner
    _speaking(db, user, "pl")
    html = client.get("/").get_data(as_text=True)
    card = _resume_card(html)
    # The course and the lesson to continue, as the course page shows them.
    assert "<strong>Kurs demonstracyjny</strong>: Wstęp: początek" in card
    assert "Demo course" not in html and "Intro: the start" not in html
    mine = client.get("/courses/my").get_data(as_text=True)
    assert '<a href="/courses/demo-course">Kurs demonstracyjny</a>' in mine
    # A course without a translation: its own title, marked as English in the Polish page.
    for page in (html, mine):
        assert '<a href="/courses/other-course"><bdi lang="en">Other course</bdi></a>' in page


def test_an_untranslated_lesson_to_continue_is_marked_english(db, learner):
    user, client = learner
    _speaking(db, user, "ur")
    # Urdu: the demo course has no Urdu translation at all.
    card = _resume_card(client.get("/").get_data(as_text=True))
    assert '<strong><bdi lang="en">Demo course</bdi></strong>' in card
    assert ': <bdi lang="en">Intro: the start</bdi>' in card
    # Polish, past the translated first lesson: the next one is not translated.
    _speaking(db, user, "pl")
    assert client.post("/courses/demo-course/learn/intro/complete",
                       data={"csrf_token": token(client)}).status_code == 303
    card = _resume_card(client.get("/").get_data(as_text=True))
    assert '<strong>Kurs demonstracyjny</strong>: <bdi lang="en">Second</bdi>' in card


def test_the_english_dashboard_is_unchanged(db, learner):
    user, client = learner
    _speaking(db, user, "en")
    html = client.get("/").get_data(as_text=True)
    assert "<strong>Demo course</strong>: Intro: the start" in _resume_card(html)
    assert "<bdi lang=" not in html and "Kurs demonstracyjny" not in html


def _queries(db, client, path):
    client.get(path)
    with count_queries(db.engine) as counter:
        assert client.get(path).status_code == 200
    return counter["n"]


def test_translated_titles_cost_no_query(db, make_user, login, make_course, enrol):
    """The translations are joined into the dashboard's one statement: a learner reading in
    Polish pays no query more than in English, whatever the numbers of courses and items."""
    users = {}
    for size in (1, 12):
        users[size] = user = make_user()
        for n in range(size):
            course = make_course(slug=f"c{size}-{n}", lessons=3 * size, modules=2)
            enrol(user, course)
            db.session.add(CourseTranslation(course_id=course.id, item_id=None, language="pl",
                                             source="0" * 12, title=f"Kurs {n}",
                                             data={"summary": "S"}))
            for item in course.items:
                db.session.add(CourseTranslation(
                    course_id=course.id, item_id=item.id, language="pl", source="0" * 12,
                    title=f"Lekcja {n} {item.key}", body_html="<p>Tekst</p>",
                ))
    db.session.commit()
    counts = {}
    for language in ("en", "pl"):
        for size, user in users.items():
            _speaking(db, user, language)
            client = login(user)
            counts[language, size] = [_queries(db, client, path) for path in ("/", "/courses/my")]
    assert counts["pl", 1] == counts["en", 1] == counts["pl", 12] == counts["en", 12]
    html = login(users[12]).get("/courses/my").get_data(as_text=True)
    assert all(f">Kurs {n}</a>" in html for n in range(12))
    card = _resume_card(login(users[1]).get("/").get_data(as_text=True))
    assert "<strong>Kurs 0</strong>: Lekcja 0 l1" in card


def test_the_group_card_names_the_course_and_its_modules_in_the_learners_language(
    db, make_user, login, make_course
):
    """The "My groups" card (and the course page's group section) in Polish, in the same
    number of queries as in English."""
    import datetime as dt

    from courses.models import Module
    from lms.db import utcnow

    from .cohort_helpers import make_cohort, seat

    course = make_course(lessons=2, modules=2, quiz=False, title="Group course")
    later = db.session.scalar(select(Module).where(Module.course_id == course.id,
                                                   Module.key == "m1"))
    later.unlock_after_days = 7
    db.session.add(CourseTranslation(course_id=course.id, item_id=None, language="pl",
                                     source="0" * 12, title="Kurs grupowy",
                                     data={"summary": "S", "modules": {"m1": "Moduł drugi"}}))
    db.session.commit()
    cohort = make_cohort(course, start=utcnow().date() - dt.timedelta(days=3))
    learner = make_user()
    seat(cohort, learner)
    client = login(learner)
    counts = {}
    for language in ("en", "pl"):
        _speaking(db, learner, language)
        counts[language] = _queries(db, client, "/")
    assert counts["pl"] == counts["en"]
    home = client.get("/").get_data(as_text=True)
    groups = home[home.index('<section class="dashboard-groups"'):]
    groups = groups[:groups.index("</section>")]
    assert f'<a href="/courses/{course.slug}">Kurs grupowy</a>' in groups
    assert "⟦Next to open: Moduł drugi on " in groups and "Module 1" not in groups
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "⟦Next to open: Moduł drugi on " in page
    # English: as written.
    _speaking(db, learner, "en")
    assert "Next to open: Module 1 on " in client.get("/").get_data(as_text=True)
    # Urdu, not translated: the English title, marked as English.
    _speaking(db, learner, "ur")
    home = client.get("/").get_data(as_text=True)
    assert f'<a href="/courses/{course.slug}"><bdi lang="en">Group course</bdi></a>' in home
