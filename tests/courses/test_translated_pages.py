"""Lessons, quizzes and outlines in the learner's language (issue 22)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from courses.importing import import_course
from courses.models import Course, Enrolment, Item, Progress
from courses.translation_models import CourseTranslation
from lms.db import db as _db

from .conftest import token
from .content_helpers import course_folder
from .test_queries import count_queries
from .translation_helpers import polish_files


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    # Polish offered (a complete, marked catalogue): interface text is ⟦wrapped⟧,
    # course text is not, so each can be told apart.
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("ur", "pl", "gu")}


@pytest.fixture()
def demo(db, tmp_path):
    folder = course_folder(tmp_path, changes=polish_files())
    import_course(folder)
    db.session.commit()
    return folder


def _speaking(db, user, language):
    user.locale = language
    db.session.commit()


def _learner(db, make_user, login, language="pl"):
    user = make_user()
    course = db.session.scalar(select(Course).where(Course.slug == "demo-course"))
    db.session.add(Enrolment(user_id=user.id, course_id=course.id))
    _speaking(db, user, language)
    return user, login(user)


def page(client, key):
    response = client.get(f"/courses/demo-course/learn/{key}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_lesson_is_shown_in_the_learners_language(db, demo, make_user, login):
    _user, client = _learner(db, make_user, login)
    html = page(client, "intro")
    assert "<h1 id=\"lesson-title\">Wstęp: początek</h1>" in html
    assert "<h1>Cześć</h1>" in html and "Hello" not in html
    assert "Kurs demonstracyjny" in html  # the course's title
    assert "Pierwszy moduł" in html and "First module" not in html  # the outline
    assert "Sprawdzian" in html  # the quiz's title in the outline
    assert "not yet translated" not in html and "language-note" not in html


def test_an_untranslated_lesson_says_so_and_is_marked_english(db, demo, make_user, login):
    _user, client = _learner(db, make_user, login)
    html = page(client, "second")
    assert ('<p class="language-note" role="note">⟦This lesson is not yet translated; shown in '
            'Angielski.⟧</p>') in html
    assert '<h1 id="lesson-title" lang="en" dir="ltr">Second</h1>' in html
    assert '<div class="prose" lang="en" dir="ltr">' in html
    # Urdu pages are right to left; the English lesson inside stays left to right.
    user, client = _learner(db, make_user, login, "ur")
    assert '<div class="prose" lang="en" dir="ltr">' in page(client, "second")


def test_the_english_page_is_unchanged(db, demo, make_user, login):
    _user, client = _learner(db, make_user, login, "en")
    html = page(client, "intro")
    assert '<h1 id="lesson-title">Intro: the start</h1>' in html
    assert "language-note" not in html and "Wstęp" not in html


def test_an_out_of_date_translation_is_shown_with_a_note(db, demo, make_user, login):
    lesson = demo / "lessons/intro.md"
    lesson.write_text(lesson.read_text().replace("# Hello", "# Hello there"))
    import_course(demo)
    db.session.commit()
    _user, client = _learner(db, make_user, login)
    html = page(client, "intro")
    assert "<h1>Cześć</h1>" in html
    assert ("⟦This lesson has changed in Angielski since it was translated; the translation "
            "may be out of date.⟧") in html


def test_a_changed_translation_shows_at_once(db, demo, make_user, login):
    _user, client = _learner(db, make_user, login)
    assert "<h1>Cześć</h1>" in page(client, "intro")  # now kept by this process
    lesson = demo / "translations/pl/lessons/intro.md"
    lesson.write_text(lesson.read_text().replace("# Cześć", "# Dzień dobry"))
    import_course(demo)
    db.session.commit()
    assert "<h1>Dzień dobry</h1>" in page(client, "intro")
    # Written any other way through the session, too.
    row = db.session.scalar(
        select(CourseTranslation).where(CourseTranslation.title == "Sprawdzian"))
    row.title = "Sprawdzian wiedzy"
    db.session.commit()
    assert "Sprawdzian wiedzy" in page(client, "intro")
    db.session.delete(row)
    db.session.commit()
    html = page(client, "intro")
    assert "Sprawdzian" not in html and ">Check<" in html


def test_switching_language_mid_course_loses_no_progress(db, demo, make_user, login):
    user, client = _learner(db, make_user, login)
    csrf = token(client)
    assert client.post("/courses/demo-course/learn/intro/complete",
                       data={"csrf_token": csrf}).status_code == 303
    _speaking(db, user, "en")
    html = page(client, "intro")
    assert "Intro: the start" in html and "You finished this lesson." in html
    assert client.post("/courses/demo-course/learn/second/complete",
                       data={"csrf_token": csrf}).status_code == 303
    _speaking(db, user, "pl")
    html = page(client, "second")
    assert "⟦You finished this lesson.⟧" in html
    done = _db.session.scalars(select(Item.key).join(Progress, Progress.item_id == Item.id))
    assert sorted(done) == ["intro", "second"]


def _answers(db, polish_short="Rochdalu"):
    quiz = db.session.scalar(select(Item).where(Item.key == "check"))
    form = {}
    for question in quiz.questions:
        name = f"q{question.id}"
        if question.type == "short":
            form[name] = polish_short
        else:
            form[name] = [str(o.id) for o in question.options if o.correct]
    return form


def test_a_quiz_is_graded_by_option_in_any_language(db, demo, make_user, login):
    user, client = _learner(db, make_user, login)
    html = page(client, "check")
    assert "Wybierz jedną." in html and "Prawda" in html and "Pick one." not in html
    response = client.post("/courses/demo-course/learn/check/submit",
                           data={"csrf_token": token(client), **_answers(db)})
    assert response.status_code == 303
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "100%" in result and "A jest dobra." in result
    # Seen in English, the Polish answer to the short question is still right.
    _speaking(db, user, "en")
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your result: 100%" in result and "A is right." in result
    # And an English page accepts the Polish answer too: grading is the same everywhere.
    response = client.post("/courses/demo-course/learn/check/submit",
                           data={"csrf_token": token(client), **_answers(db, "ROCHDALU")})
    assert "Your result: 100%" in client.get(response.headers["Location"]).get_data(as_text=True)


def _lesson_queries(db, client, path, first=False):
    """The queries of a view of ``path`` (``first``: the first in this language)."""
    if not first:
        client.get(path)
    with count_queries(db.engine) as counter:
        assert client.get(path).status_code == 200
    return counter["n"]


def test_the_translated_lesson_page_costs_one_query_whatever_the_size(
    db, make_user, login, make_course, enrol
):
    courses = {n: make_course(slug=f"c{n}", lessons=n, modules=3) for n in (3, 60)}
    user = make_user()
    for course in courses.values():
        enrol(user, course)
        db.session.add(CourseTranslation(course_id=course.id, item_id=None, language="pl",
                                         source="0" * 12, title="Kurs",
                                         data={"summary": "S", "modules": {"m0": "Moduł"}}))
        for item in course.items:
            db.session.add(CourseTranslation(course_id=course.id, item_id=item.id,
                                             language="pl", source="0" * 12,
                                             title=f"Lekcja {item.key}", body_html="<p>Tekst</p>"))
    db.session.commit()
    client = login(user)
    counts = {}
    for language in ("en", "pl"):
        _speaking(db, user, language)
        counts[language] = [_lesson_queries(db, client, f"/courses/c{n}/learn/l1", first=True)
                            for n in (3, 60)]
        counts[language + " again"] = [_lesson_queries(db, client, f"/courses/c{n}/learn/l2")
                                       for n in (3, 60)]
    assert counts["pl"][0] == counts["pl"][1]  # no query per item
    assert counts["pl"][0] == counts["en"][0] + 1  # one query for the translations
    assert counts["en"][0] == counts["en"][1]
    # Then kept (per process, keyed by the course's updated_dt): no query at all.
    assert counts["pl again"] == counts["en again"] == counts["en"]
    html = client.get("/courses/c60/learn/l1").get_data(as_text=True)
    assert "Lekcja l1" in html and "Lekcja l60" in html and "Moduł" in html


def _complete(folder):
    """Translate the demo course's other two lessons too: Polish is then complete."""
    from courses.content_format import source_hash

    for key, title in (("second", "Druga"), ("further-reading", "Dalsza lektura")):
        original = (folder / f"lessons/{key}.md").read_text()
        target = folder / f"translations/pl/lessons/{key}.md"
        target.write_text(f"---\nsource: {source_hash(original)}\ntitle: {title}\n---\nTekst.\n")
    import_course(folder)
    _db.session.commit()


def test_the_catalogue_names_the_languages_and_filters_by_them(db, demo, client, make_course):
    make_course("other-course", title="Other course")
    client.set_cookie("lms_language", "pl")
    html = client.get("/courses/").get_data(as_text=True)
    assert "Kurs demonstracyjny" in html and "Mały kurs dla testów." in html
    assert "⟦Available in: Angielski⟧" in html  # Polish is not complete yet
    assert '<option value="pl">' not in html
    assert "demo-course" not in client.get("/courses/?language=pl").get_data(as_text=True)
    _complete(demo)
    html = client.get("/courses/").get_data(as_text=True)
    assert "⟦Available in: Angielski, Polski⟧" in html
    assert '<option value="pl">Polski</option>' in html
    only_polish = client.get("/courses/?language=pl").get_data(as_text=True)
    assert "Kurs demonstracyjny" in only_polish and "Other course" not in only_polish
    # A course not translated is marked as English inside the Polish page (its title and
    # summary: the card's other lines are in Polish).
    assert ('<h2 lang="en" dir="ltr"><a href="/courses/other-course">Other course</a></h2>'
            '\n    <p lang="en" dir="ltr">A summary.</p>') in html


def test_the_course_page_in_polish(db, demo, client, make_course):
    client.set_cookie("lms_language", "pl")
    html = client.get("/courses/demo-course").get_data(as_text=True)
    assert "<h1>Kurs demonstracyjny</h1>" in html
    assert "Zrobić jedną rzecz." in html and "Pierwszy moduł" in html
    assert "Drugi akapit." in html and "Wstęp: początek" in html
    assert "language-note" not in html
    make_course("other-course", title="Other course")
    html = client.get("/courses/other-course").get_data(as_text=True)
    assert "⟦This course is not yet translated; shown in Angielski.⟧" in html
    assert '<h1 lang="en" dir="ltr">Other course</h1>' in html
