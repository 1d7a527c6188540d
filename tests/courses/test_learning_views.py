"""The learner's journey through the pages, and the server-side rules behind them."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from courses import operations as ops
from courses.models import Enrolment, Progress, QuizAttempt
from courses.progress import progress_for

from .conftest import quiz_form, token
from .test_queries import count_queries


def _numbers(html: str) -> list[str]:
    return re.findall(r"(\d+ of \d+ done \(\d+%\))", html)


def test_journey_to_completion(app, db, make_user, login, make_course, completions):
    course = make_course(lessons=2)
    user = make_user()
    client = login(user)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Join this course" in page
    csrf = token(client)
    r = client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": csrf})
    assert r.status_code == 302
    r = client.get(f"/courses/{course.slug}/continue")
    assert r.location.endswith("/learn/l1")
    html = client.get(r.location).get_data(as_text=True)
    assert html.count("<h1") == 1 and "<progress" in html and "I finished this lesson" in html
    r = client.post(f"/courses/{course.slug}/learn/l1/complete", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.location.endswith("/learn/l2")
    client.post(f"/courses/{course.slug}/learn/l2/complete", data={"csrf_token": csrf})
    home = client.get("/").get_data(as_text=True)
    assert "the final quiz left" in home
    quiz = next(i for i in course.items if i.key == "final")
    r = client.post(
        f"/courses/{course.slug}/learn/final/submit",
        data={"csrf_token": csrf, **quiz_form(quiz, right=False)},
    )
    assert r.status_code == 303
    result = client.get(r.location).get_data(as_text=True)
    assert "Not passed" in result and "Because." in result and "No." in result
    r = client.post(
        f"/courses/{course.slug}/learn/final/submit",
        data={"csrf_token": csrf, **quiz_form(quiz)},
    )
    assert "You passed" in client.get(r.location).get_data(as_text=True)
    assert len(completions) == 1
    mine = client.get("/courses/my").get_data(as_text=True)
    assert "Completed" in mine and "100%" in mine


def test_one_source_of_truth(app, db, make_user, login, make_course, enrol, request_ctx):
    user = make_user()
    course = make_course(lessons=3)
    e = enrol(user, course)
    client = login(user)
    csrf = token(client)
    client.post(f"/courses/{course.slug}/learn/l2/complete", data={"csrf_token": csrf})
    expected = progress_for([db.session.get(Enrolment, e.id)])[e.id]
    words = f"{expected.done} of {expected.total} done ({expected.percent}%)"
    assert words == "1 of 4 done (25%)"
    for path in ("/", "/courses/my", f"/courses/{course.slug}", f"/courses/{course.slug}/learn/l1"):
        html = client.get(path).get_data(as_text=True)
        assert _numbers(html) == [words], path
        assert expected.remaining_words in html, path


def test_prerequisite_enforced_on_server(app, db, make_user, login, make_course):
    basics = make_course(slug="basics")
    advanced = make_course(slug="advanced", requires=(basics,))
    client = login(make_user())
    page = client.get("/courses/advanced").get_data(as_text=True)
    assert "First complete" in page and "Join this course" not in page
    r = client.post("/courses/advanced/enrol", data={"csrf_token": token(client)})
    assert r.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0
    assert "First complete" in client.get(r.location).get_data(as_text=True)
    assert advanced.id


def test_lessons_need_enrolment(app, make_user, login, make_course):
    make_course()
    client = login(make_user())
    r = client.get("/courses/co-op-basics/learn/l1")
    assert r.status_code == 302 and r.location.endswith("/courses/co-op-basics")
    r = client.post("/courses/co-op-basics/learn/l1/complete", data={"csrf_token": token(client)})
    assert r.status_code == 302


def test_drafts_invisible_to_learners(app, make_user, login, make_course):
    make_course(slug="secret", status="draft")
    make_course(slug="gone", status="retired")
    anonymous = app.test_client()
    learner = login(make_user())
    tutor = login(make_user(roles=("learner", "tutor")))
    for client in (anonymous, learner):
        for slug in ("secret", "gone"):
            assert client.get(f"/courses/{slug}").status_code == 404
        assert "Secret" not in client.get("/courses/?q=secret").get_data(as_text=True)
    assert (
        learner.post("/courses/secret/enrol", data={"csrf_token": token(learner)}).status_code
        == 404
    )
    assert tutor.get("/courses/secret").status_code == 200


def test_catalogue_search_and_filters(app, make_course, client):
    make_course(slug="alpha", title="Alpha Governance", topic="governance", level="advanced")
    make_course(slug="beta", title="Beta Finance", topic="finance", language="es")
    html = client.get("/courses/?q=govern").get_data(as_text=True)
    assert "Alpha Governance" in html and "Beta Finance" not in html
    html = client.get("/courses/?topic=finance").get_data(as_text=True)
    assert "Beta Finance" in html and "Alpha Governance" not in html
    html = client.get("/courses/?level=advanced&language=en").get_data(as_text=True)
    assert "Alpha Governance" in html and "Beta Finance" not in html


def test_quiz_answers_validated_400(app, db, make_user, login, make_course, enrol):
    other = make_course(slug="other")
    course = make_course()
    user = make_user()
    enrol(user, course)
    client = login(user)
    csrf = token(client)
    quiz = next(i for i in course.items if i.key == "final")
    q1, q2 = quiz.questions
    foreign = next(i for i in other.items if i.key == "final").questions[0].options[0]
    cases = [
        {f"q{q2.id}": "Rochdale"},
        {f"q{q1.id}": str(foreign.id), f"q{q2.id}": "Rochdale"},
        {f"q{q1.id}": [str(q1.options[0].id)] * 2, f"q{q2.id}": "Rochdale"},
        {f"q{q1.id}": str(q1.options[0].id), f"q{q2.id}": ""},
        {f"q{q1.id}": "not-a-number", f"q{q2.id}": "Rochdale"},
    ]
    for data in cases:
        r = client.post(
            f"/courses/{course.slug}/learn/final/submit", data={"csrf_token": csrf, **data}
        )
        assert r.status_code == 400, data
        assert "There is a problem" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(Progress)) == 0


def test_attempt_limit_over_http(app, db, make_user, login, make_course, enrol):
    course = make_course(lessons=0, max_attempts=1)
    user = make_user()
    enrol(user, course)
    client = login(user)
    csrf = token(client)
    quiz = course.items[0]
    url = f"/courses/{course.slug}/learn/final/submit"
    client.post(url, data={"csrf_token": csrf, **quiz_form(quiz, right=False)})
    r = client.post(url, data={"csrf_token": csrf, **quiz_form(quiz)})
    assert r.status_code == 303
    assert "used all your tries" in client.get(r.location).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_marking_a_done_lesson_again_changes_nothing(app, db, make_user, login, make_course, enrol):
    course = make_course(lessons=3)
    user = make_user()
    e = enrol(user, course)
    client = login(user)
    csrf = token(client)
    url = f"/courses/{course.slug}/learn/l1/complete"
    first = client.post(url, data={"csrf_token": csrf})
    assert first.status_code == 303 and first.location.endswith("/learn/l2")
    db.session.expire_all()
    before = db.session.get(Enrolment, e.id)
    stamp, last = before.last_activity_dt, before.last_item_id
    with count_queries(db.engine) as counter:
        again = client.post(url, data={"csrf_token": csrf})
    statements = counter["statements"]
    assert again.status_code == 303 and again.location == first.location
    assert not [s for s in statements if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert not [s for s in statements if s.startswith("BEGIN IMMEDIATE")]
    db.session.expire_all()
    after = db.session.get(Enrolment, e.id)
    assert (after.last_activity_dt, after.last_item_id) == (stamp, last)
    assert db.session.scalar(select(func.count()).select_from(Progress)) == 1
    # Still a POST with its CSRF token, and still only for lessons.
    assert client.post(url, data={}).status_code == 400
    assert client.get(url).status_code == 405
    quiz = f"/courses/{course.slug}/learn/final/complete"
    assert client.post(quiz, data={"csrf_token": csrf}).status_code == 400


def test_marking_a_done_lesson_records_a_completion_still_due(
    app, db, make_user, login, make_course, enrol, completions
):
    course = make_course(lessons=2, quiz=False)
    user = make_user()
    e = enrol(user, course)
    client = login(user)
    csrf = token(client)
    client.post(f"/courses/{course.slug}/learn/l1/complete", data={"csrf_token": csrf})
    # The author makes the one missing lesson optional: every required item is
    # done, but no completion is recorded until the learner does something.
    next(i for i in course.items if i.key == "l2").required = False
    db.session.commit()
    r = client.post(f"/courses/{course.slug}/learn/l1/complete", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.location.endswith(f"/courses/{course.slug}/completed")
    assert len(completions) == 1
    assert db.session.get(Enrolment, e.id).completed_version == course.version
    # Now done for good: a further click writes nothing and says so again.
    r = client.post(f"/courses/{course.slug}/learn/l1/complete", data={"csrf_token": csrf})
    assert r.status_code == 303 and len(completions) == 1
    assert "Well done" in client.get(r.location).get_data(as_text=True)


def test_lesson_page_forms_and_menu(app, db, make_user, login, make_course, enrol):
    course = make_course(lessons=2)
    learner, tutor = make_user(), make_user(roles=("learner", "tutor"))
    enrol(learner, course)
    enrol(tutor, course)
    path = f"/courses/{course.slug}/learn/l1"
    learner_client, tutor_client = login(learner), login(tutor)
    # Menus are built once per kind of user: each still sees only their own items.
    for _round in range(2):
        mine = learner_client.get(path).get_data(as_text=True)
        theirs = tutor_client.get(path).get_data(as_text=True)
        assert 'href="/courses/author' not in mine
        assert 'href="/courses/author' in theirs
        anonymous = app.test_client().get("/courses/").get_data(as_text=True)
        assert "My learning" not in anonymous and "Log in" in anonymous
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', mine) == [
        "/courses/",
        path,
    ]
    # The complete form and the header's logout form carry working CSRF fields.
    csrf = re.search(
        r'<input name="csrf_token" type="hidden" value="([^"]+)">', mine
    )
    logout = re.search(
        r'<input name="logout-csrf_token" type="hidden" value="([^"]+)">',
        mine,
    )
    assert csrf and logout
    r = learner_client.post(f"{path}/complete", data={"csrf_token": csrf.group(1)})
    assert r.status_code == 303
    r = learner_client.post("/account/logout", data={"logout-csrf_token": logout.group(1)})
    assert r.status_code in (302, 303)
    assert learner_client.get(path).status_code == 302


def test_outline_lines(app, db, make_user, login, make_course, enrol):
    """Each line: a link to the item (the page's own marked current), its kind, length,
    whether it is optional and a Done badge; visitors get the titles without links."""
    course = make_course(lessons=2, modules=2)
    course.items[1].required = False
    db.session.commit()
    learner = make_user()
    e = enrol(learner, course)
    ops.complete_lesson(e, course.items[0])
    db.session.commit()
    client = login(learner)
    html = client.get("/courses/co-op-basics/learn/l2").get_data(as_text=True)
    start = html.index('<nav class="outline"')
    outline = html[start : html.index("</nav>", start)]  # not the footer's links after it
    lines = [
        " ".join(re.sub(r"<[^>]+>", " ", li).split())
        for li in re.findall(r'<li class="outline-item[^"]*">(.*?)</li>', outline, re.S)
    ]
    assert lines == [
        "Lesson 1 Lesson, 5 min Done",
        "Lesson 2 Lesson, 5 min, optional",
        "Final quiz Quiz",
    ]
    assert re.findall(r'<a href="([^"]+)"( aria-current="page")?>', outline) == [
        ("/courses/co-op-basics/learn/l1", ""),
        ("/courses/co-op-basics/learn/l2", ' aria-current="page"'),
        ("/courses/co-op-basics/learn/final", ""),
    ]
    assert outline.count('class="outline-item is-done"') == 1
    assert re.findall(r'<h3 class="outline-module">([^<]+)</h3>', outline) == [
        "Module 0",
        "Module 1",
    ]
    visitor = app.test_client().get("/courses/co-op-basics").get_data(as_text=True)
    visitor = visitor[visitor.index('<nav class="outline"') :]
    assert "<span>Lesson 2</span>" in visitor and "/learn/" not in visitor


def test_a_quiz_question_is_the_sites_radio_group(app, db, make_user, login, make_course, enrol):
    """Each question is the shared choice group (the ballot box's too), a row per choice."""
    course = make_course()
    user = make_user()
    enrol(user, course)
    page = login(user).get(f"/courses/{course.slug}/learn/final").get_data(as_text=True)
    assert page.count('<fieldset class="question radio-group"') == 2
    assert '<div class="choice">' in page


def test_a_corrected_lesson_shows_at_once(app, db, make_user, login, make_course, enrol):
    """The lesson's text is kept per process (lms.fragments), keyed by the text itself."""
    course = make_course(lessons=2)
    user = make_user()
    enrol(user, course)
    client = login(user)
    lesson = next(i for i in course.items if i.key == "l1")
    page = client.get(f"/courses/{course.slug}/learn/l1").get_data(as_text=True)
    assert "A corrected sentence." not in page
    lesson.body_html = "<p>A corrected sentence.</p>"
    lesson.title = "Lesson one, corrected"
    db.session.commit()
    page = client.get(f"/courses/{course.slug}/learn/l1").get_data(as_text=True)
    assert "<p>A corrected sentence.</p>" in page
    assert '<h1 id="lesson-title">Lesson one, corrected</h1>' in page
    # The next lesson's link under l1 is kept too: its new title shows as well.
    second = next(i for i in course.items if i.key == "l2")
    second.title = "Lesson two, renamed"
    db.session.commit()
    page = client.get(f"/courses/{course.slug}/learn/l1").get_data(as_text=True)
    assert "Next: <bdi>Lesson two, renamed</bdi>" in page
