"""Authoring in the browser: modules, moving and deleting items, questions, the retire date.

Every change is a CSRF-protected POST that validates, saves and commits; bad
input gets a message and changes nothing; learners keep their progress on
every item that survives.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from courses.models import Course, Enrolment, Item, Module, Progress, Question, QuizAttempt
from lms.audit import AuditEvent
from lms.db import utcnow

from .conftest import plugins_without, quiz_form, token


@pytest.fixture()
def app_config(app_config):
    """Without governance, administrators change live courses directly: the editing rules
    (versions, progress kept, refusals) are what these tests check. With governance, a live
    course changes only by decision (``test_curriculum_authority``)."""
    return {**app_config, "LMS_PLUGINS": plugins_without("governance")}


@pytest.fixture()
def author(make_user, login):
    return login(make_user(roles=("learner", "admin")))


@pytest.fixture()
def course(make_course):
    """Published, two modules: m0 holds l1, l2; m1 holds l3, l4 and the final quiz."""
    return make_course(lessons=4, modules=2)


@pytest.fixture()
def learner_progress(db, course, make_user, enrol):
    """A learner who finished l1 and l3 and tried the quiz once."""
    user = make_user()
    e = enrol(user, course)
    items = {i.key: i for i in course.items}
    for key in ("l1", "l3"):
        db.session.add(Progress(enrolment_id=e.id, item_id=items[key].id))
    db.session.add(
        QuizAttempt(
            enrolment_id=e.id, item_id=items["final"].id, attempt_no=1, score=0, passed=False,
            answers={},
        )
    )
    db.session.commit()
    return e


def _fresh(db):
    db.session.expire_all()


def _done_keys(db, enrolment_id: int) -> set[str]:
    return set(
        db.session.scalars(
            select(Item.key).join(Progress, Progress.item_id == Item.id).where(
                Progress.enrolment_id == enrolment_id
            )
        )
    )


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _layout(db, course_id: int) -> list[tuple[str, list[str]]]:
    """The course's modules in order, each with its item keys in order."""
    _fresh(db)
    course = db.session.get(Course, course_id)
    layout = []
    for module in sorted(course.modules, key=lambda m: m.position):
        items = sorted(module.items, key=lambda i: i.position)
        positions = [i.position for i in items]
        assert len(set(positions)) == len(positions), module.key
        layout.append((module.key, [i.key for i in items]))
    return layout


def _text(response) -> str:
    return response.get_data(as_text=True)


def _one_h1(html: str) -> None:
    assert len(re.findall(r"<h1[\s>]", html)) == 1


# -- modules ---------------------------------------------------------------------------------


def test_rename_module_and_set_unlock_days(app, db, author, course):
    module = course.modules[0]
    url = f"/courses/author/{course.slug}/modules/{module.id}"
    page = _text(author.get(url))
    _one_h1(page)
    assert 'for="title"' in page and 'for="unlock_after_days"' in page
    version = course.version
    data = {"csrf_token": token(author), "title": " Getting started ", "unlock_after_days": "7"}
    r = author.post(url, data=data)
    assert r.status_code == 303
    _fresh(db)
    module = db.session.get(Module, module.id)
    assert (module.title, module.unlock_after_days) == ("Getting started", 7)
    assert db.session.get(Course, course.id).version == version
    assert _events(db, "courses.module.saved")
    outline = _text(author.get(f"/courses/author/{course.slug}"))
    assert "Getting started" in outline and "Opens 7 days after a group starts." in outline
    # Emptying the field opens the module at once again.
    author.post(url, data={"csrf_token": token(author), "title": "Getting started"})
    _fresh(db)
    assert db.session.get(Module, module.id).unlock_after_days is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "unlock_after_days": "3"}, "Enter a title."),
        ({"title": "New", "unlock_after_days": "-1"}, "Enter a whole number of days, 0 or more."),
        ({"title": "New", "unlock_after_days": "1.5"}, "Not a valid integer value."),
        ({"title": "New", "unlock_after_days": "soon"}, "Not a valid integer value."),
    ],
)
def test_module_bad_input_changes_nothing(app, db, author, course, data, message):
    module = course.modules[0]
    r = author.post(
        f"/courses/author/{course.slug}/modules/{module.id}",
        data={"csrf_token": token(author), **data},
    )
    assert r.status_code == 400
    assert message in _text(r)
    _fresh(db)
    module = db.session.get(Module, module.id)
    assert (module.title, module.unlock_after_days) == ("Module 0", None)
    assert not _events(db, "courses.module.saved")


def test_module_without_csrf_is_refused(app, db, author, course):
    module = course.modules[0]
    r = author.post(f"/courses/author/{course.slug}/modules/{module.id}", data={"title": "X"})
    assert r.status_code == 400
    _fresh(db)
    assert db.session.get(Module, module.id).title == "Module 0"


def test_delete_empty_module(app, db, author, course):
    author.post(
        f"/courses/author/{course.slug}/modules",
        data={"csrf_token": token(author), "title": "Spare"},
    )
    _fresh(db)
    spare_id = db.session.scalar(select(Module.id).where(Module.title == "Spare"))
    page = _text(author.get(f"/courses/author/{course.slug}/modules/{spare_id}"))
    assert "Delete this module" in page and "no learner loses anything" in page
    # Move it first so deleting it must renumber the modules after it.
    author.post(
        f"/courses/author/{course.slug}/move",
        data={"csrf_token": token(author), "action": f"module:{spare_id}:up"},
    )
    version = db.session.get(Course, course.id).version
    r = author.post(
        f"/courses/author/{course.slug}/modules/{spare_id}/delete",
        data={"csrf_token": token(author)},
    )
    assert r.status_code == 303
    assert "Module deleted." in _text(author.get(r.location))
    _fresh(db)
    assert db.session.get(Module, spare_id) is None
    course = db.session.get(Course, course.id)
    assert [m.position for m in course.modules] == [0, 1]
    assert course.version == version
    assert _events(db, "courses.module.deleted")


def test_delete_module_with_items_is_refused(app, db, author, course, learner_progress):
    module = course.modules[0]
    before = _layout(db, course.id)
    page = _text(author.get(f"/courses/author/{course.slug}/modules/{module.id}"))
    assert "This module has 2 lessons or quizzes." in page
    r = author.post(
        f"/courses/author/{course.slug}/modules/{module.id}/delete",
        data={"csrf_token": token(author)},
    )
    assert r.status_code == 303
    assert "Move them to another module or delete them first" in _text(author.get(r.location))
    assert _layout(db, course.id) == before
    assert _done_keys(db, learner_progress.id) == {"l1", "l3"}
    assert not _events(db, "courses.module.deleted")


def test_module_of_another_course_is_404(app, db, author, course, make_course):
    other = make_course(slug="other", lessons=1, quiz=False)
    foreign = other.modules[0]
    csrf = token(author)
    assert author.get(f"/courses/author/{course.slug}/modules/{foreign.id}").status_code == 404
    r = author.post(
        f"/courses/author/{course.slug}/modules/{foreign.id}/delete", data={"csrf_token": csrf}
    )
    assert r.status_code == 404
    assert db.session.get(Module, foreign.id) is not None


# -- moving items between modules ------------------------------------------------------------


def test_move_item_to_another_module(app, db, author, course, learner_progress):
    l1 = next(i for i in course.items if i.key == "l1")
    target = course.modules[1]
    version = course.version
    page = _text(author.get(f"/courses/author/{course.slug}/items/{l1.id}"))
    _one_h1(page)
    assert 'for="module"' in page and "2. Module 1" in page
    assert "1. Module 0" not in page  # its own module is not offered
    r = author.post(
        f"/courses/author/{course.slug}/items/{l1.id}/module",
        data={"csrf_token": token(author), "module": str(target.id)},
    )
    assert r.status_code == 303
    assert "Moved to the end of “Module 1”." in _text(author.get(r.location))
    assert _layout(db, course.id) == [("m0", ["l2"]), ("m1", ["l3", "l4", "final", "l1"])]
    assert db.session.get(Item, l1.id).module_id == target.id
    # Same item, same id: the learner keeps every lesson done.
    assert _done_keys(db, learner_progress.id) == {"l1", "l3"}
    assert db.session.get(Course, course.id).version == version
    (event,) = _events(db, "courses.item.moved")
    assert event.data == {"item": "l1", "from_module": "m0", "to_module": "m1"}


def test_move_item_to_module_of_another_course_is_refused(
    app, db, author, course, make_course, learner_progress
):
    other = make_course(slug="other", lessons=1, quiz=False)
    l1 = next(i for i in course.items if i.key == "l1")
    before = _layout(db, course.id)
    csrf = token(author)
    url = f"/courses/author/{course.slug}/items/{l1.id}/module"
    for value, message in [
        (str(other.modules[0].id), "Choose another module of this course."),
        (str(l1.module_id), "Choose another module of this course."),
        ("999999", "Choose another module of this course."),
        ("two", "Choose another module of this course."),
        ("", "Choose another module of this course."),
    ]:
        r = author.post(url, data={"csrf_token": csrf, "module": value})
        assert r.status_code == 400, value
        html = _text(r)
        assert message in html, value
        _one_h1(html)
    assert _layout(db, course.id) == before
    assert _layout(db, other.id) == [("m0", ["l1"])]
    assert _done_keys(db, learner_progress.id) == {"l1", "l3"}
    assert not _events(db, "courses.item.moved")
    # Without the CSRF token: refused, nothing moves.
    r = author.post(url, data={"module": str(course.modules[1].id)})
    assert r.status_code == 400
    assert _layout(db, course.id) == before


def test_move_item_of_another_course_is_404(app, db, author, course, make_course):
    other = make_course(slug="other", lessons=1, quiz=False)
    foreign = other.items[0]
    r = author.post(
        f"/courses/author/{course.slug}/items/{foreign.id}/module",
        data={"csrf_token": token(author), "module": str(course.modules[1].id)},
    )
    assert r.status_code == 404
    assert _layout(db, other.id) == [("m0", ["l1"])]


def test_single_module_course_offers_no_move(app, db, author, make_course):
    course = make_course(slug="small", lessons=1, quiz=False)
    page = _text(author.get(f"/courses/author/{course.slug}/items/{course.items[0].id}"))
    assert "This course has only one module." in page


# -- deleting items --------------------------------------------------------------------------


def test_delete_item_asks_first_then_deletes(app, db, author, course, learner_progress):
    l1 = next(i for i in course.items if i.key == "l1")
    version = course.version
    url = f"/courses/author/{course.slug}/items/{l1.id}/delete"
    page = _text(author.get(url))
    _one_h1(page)
    assert "Delete this lesson?" in page
    assert "1 learner has finished it and loses that progress." in page
    assert "Learners keep their progress on every other lesson and quiz." in page
    assert f"the course gets a new version ({version + 1})" in page
    # A POST without the confirmation button's value only leads to the confirmation page.
    r = author.post(url, data={"csrf_token": token(author)})
    assert r.status_code == 303 and r.location.endswith(url)
    assert db.session.get(Item, l1.id) is not None
    r = author.post(url, data={"csrf_token": token(author), "action": "delete"})
    assert r.status_code == 303
    assert "is deleted" in _text(author.get(r.location))
    assert _layout(db, course.id) == [("m0", ["l2"]), ("m1", ["l3", "l4", "final"])]
    assert _done_keys(db, learner_progress.id) == {"l3"}
    assert db.session.get(Course, course.id).version == version + 1
    (event,) = _events(db, "courses.item.deleted")
    assert event.data["item"] == "l1" and event.data["learners_with_progress"] == 1


def test_delete_quiz_takes_its_attempts(app, db, author, course, learner_progress):
    quiz = next(i for i in course.items if i.key == "final")
    url = f"/courses/author/{course.slug}/items/{quiz.id}/delete"
    page = _text(author.get(url))
    assert "Delete this quiz?" in page and "1 quiz attempt is deleted with it." in page
    author.post(url, data={"csrf_token": token(author), "action": "delete"})
    _fresh(db)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0
    assert _done_keys(db, learner_progress.id) == {"l1", "l3"}


def test_delete_item_bad_requests_change_nothing(app, db, author, course, make_course):
    other = make_course(slug="other", lessons=1, quiz=False)
    l1 = next(i for i in course.items if i.key == "l1")
    foreign = other.items[0]
    r = author.post(
        f"/courses/author/{course.slug}/items/{foreign.id}/delete",
        data={"csrf_token": token(author), "action": "delete"},
    )
    assert r.status_code == 404
    r = author.post(
        f"/courses/author/{course.slug}/items/{l1.id}/delete", data={"action": "delete"}
    )
    assert r.status_code == 400
    _fresh(db)
    assert db.session.get(Item, foreign.id) and db.session.get(Item, l1.id)


def test_delete_optional_item_keeps_version(app, db, author, course):
    l2 = next(i for i in course.items if i.key == "l2")
    l2.required = False
    db.session.commit()
    version, l2_id = course.version, l2.id
    page = _text(author.get(f"/courses/author/{course.slug}/items/{l2_id}/delete"))
    assert "new version" not in page
    author.post(
        f"/courses/author/{course.slug}/items/{l2_id}/delete",
        data={"csrf_token": token(author), "action": "delete"},
    )
    _fresh(db)
    assert db.session.get(Item, l2_id) is None
    assert db.session.get(Course, course.id).version == version


# -- quiz questions --------------------------------------------------------------------------


def _question_keys(db, item_id: int) -> list[str]:
    _fresh(db)
    rows = db.session.scalars(
        select(Question).where(Question.item_id == item_id).order_by(Question.position)
    ).all()
    assert [q.position for q in rows] == list(range(len(rows)))
    return [q.key for q in rows]


def test_reorder_questions(app, db, author, course, learner_progress):
    quiz = next(i for i in course.items if i.key == "final")
    q1, q2 = quiz.questions
    version = course.version
    page = _text(author.get(f"/courses/author/{course.slug}/items/{quiz.id}"))
    assert page.count('name="action" value="down"') == 1
    assert page.count('name="action" value="up"') == 1
    base = f"/courses/author/{course.slug}/items/{quiz.id}/questions"
    r = author.post(f"{base}/{q1.id}/move", data={"csrf_token": token(author), "action": "down"})
    assert r.status_code == 303 and r.location.endswith(f"#question-{q1.id}")
    assert _question_keys(db, quiz.id) == ["q2", "q1"]
    r = author.post(f"{base}/{q1.id}/move", data={"csrf_token": token(author), "action": "up"})
    assert _question_keys(db, quiz.id) == ["q1", "q2"]
    assert db.session.get(Course, course.id).version == version
    assert len(_events(db, "courses.question.moved")) == 2
    assert _done_keys(db, learner_progress.id) == {"l1", "l3"}
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_reorder_questions_bad_input(app, db, author, course, make_course):
    quiz = next(i for i in course.items if i.key == "final")
    q1, _q2 = quiz.questions
    base = f"/courses/author/{course.slug}/items/{quiz.id}/questions"
    csrf = token(author)
    r = author.post(f"{base}/{q1.id}/move", data={"csrf_token": csrf, "action": "up"})
    assert r.status_code == 303
    assert "already at that end" in _text(author.get(r.location))
    r = author.post(f"{base}/{q1.id}/move", data={"csrf_token": csrf, "action": "sideways"})
    assert r.status_code == 400 and "up or down" in _text(r)
    r = author.post(f"{base}/{q1.id}/move", data={"action": "down"})
    assert r.status_code == 400
    other = make_course(slug="other")
    foreign = next(i for i in other.items if i.key == "final").questions[0]
    r = author.post(f"{base}/{foreign.id}/move", data={"csrf_token": csrf, "action": "down"})
    assert r.status_code == 404
    assert _question_keys(db, quiz.id) == ["q1", "q2"]
    assert not _events(db, "courses.question.moved")


def test_delete_question(app, db, author, course, learner_progress):
    quiz = next(i for i in course.items if i.key == "final")
    q1, _q2 = quiz.questions
    version = course.version
    base = f"/courses/author/{course.slug}/items/{quiz.id}/questions"
    r = author.post(f"{base}/{q1.id}/delete", data={"csrf_token": token(author)})
    assert r.status_code == 303
    assert "Question deleted." in _text(author.get(r.location))
    assert _question_keys(db, quiz.id) == ["q2"]
    assert db.session.get(Course, course.id).version == version + 1
    assert _events(db, "courses.question.deleted")
    assert _done_keys(db, learner_progress.id) == {"l1", "l3"}
    # The last question of a published quiz stays: an empty quiz could never be passed.
    (q2,) = db.session.get(Item, quiz.id).questions
    r = author.post(f"{base}/{q2.id}/delete", data={"csrf_token": token(author)})
    assert r.status_code == 303
    assert "learners could not pass an empty quiz" in _text(author.get(r.location))
    assert _question_keys(db, quiz.id) == ["q2"]
    assert db.session.get(Course, course.id).version == version + 1


def test_delete_last_question_of_a_draft(app, db, author, make_course):
    course = make_course(slug="drafty", status="draft")
    quiz = next(i for i in course.items if i.key == "final")
    base = f"/courses/author/{course.slug}/items/{quiz.id}/questions"
    for question in list(quiz.questions):
        r = author.post(f"{base}/{question.id}/delete", data={"csrf_token": token(author)})
        assert r.status_code == 303
    assert _question_keys(db, quiz.id) == []
    assert db.session.get(Course, course.id).version == 1  # a never-published draft


def test_delete_question_bad_requests(app, db, author, course, make_course):
    quiz = next(i for i in course.items if i.key == "final")
    q1 = quiz.questions[0]
    base = f"/courses/author/{course.slug}/items/{quiz.id}/questions"
    assert author.post(f"{base}/{q1.id}/delete", data={}).status_code == 400
    other = make_course(slug="other")
    foreign = next(i for i in other.items if i.key == "final").questions[0]
    r = author.post(f"{base}/{foreign.id}/delete", data={"csrf_token": token(author)})
    assert r.status_code == 404
    assert _question_keys(db, quiz.id) == ["q1", "q2"]


# -- the retire date -------------------------------------------------------------------------


def _course_data(course: Course, **changes) -> dict:
    data = {
        "title": course.title,
        "slug": course.slug,
        "summary": course.summary,
        "description": course.description or "",
        "outcomes": "\n".join(course.outcomes or []),
        "topic": course.topic,
        "level": course.level,
        "language": course.language,
        "estimated_hours": str(course.estimated_hours),
        "is_open": "y",
    }
    data.update(changes)
    return data


def test_set_and_clear_the_retire_date(app, db, author, course, client):
    url = f"/courses/author/{course.slug}/edit"
    page = _text(author.get(url))
    assert 'type="date"' in page and 'for="retire_date"' in page
    day = (utcnow() + dt.timedelta(days=30)).date()
    version = course.version
    r = author.post(url, data={"csrf_token": token(author), **_course_data(course),
                              "retire_date": day.isoformat()})
    assert r.status_code == 303
    _fresh(db)
    saved = db.session.get(Course, course.id)
    assert saved.retire_dt == dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    assert saved.version == version
    (event,) = _events(db, "courses.course.retire_date_set")
    assert event.data["retire_dt"].startswith(day.isoformat())
    # Anyone sees when it leaves; until then it stays listed.
    page = _text(client.get(f"/courses/{course.slug}"))
    assert "Leaves the catalogue on" in page
    assert course.title in _text(client.get("/courses/"))
    assert day.isoformat() in _text(author.get(url))  # the form shows the saved day
    # Re-saving without the date clears it.
    r = author.post(url, data={"csrf_token": token(author), **_course_data(course)})
    assert r.status_code == 303
    _fresh(db)
    assert db.session.get(Course, course.id).retire_dt is None
    assert len(_events(db, "courses.course.retire_date_set")) == 2
    assert "Leaves the catalogue" not in _text(client.get(f"/courses/{course.slug}"))


@pytest.mark.parametrize(("offset", "raw"), [(0, None), (-3, None), (None, "31/12/2099"),
                                             (None, "2099-02-30")])
def test_retire_date_must_be_a_future_day(app, db, author, course, offset, raw):
    value = raw or (utcnow().date() + dt.timedelta(days=offset)).isoformat()
    r = author.post(
        f"/courses/author/{course.slug}/edit",
        data={"csrf_token": token(author), **_course_data(course, title="Changed"),
              "retire_date": value},
    )
    assert r.status_code == 400  # the form again, with the message
    html = _text(r)
    assert "Choose a day after today" in html or "Not a valid date value." in html
    _fresh(db)
    saved = db.session.get(Course, course.id)
    assert (saved.title, saved.retire_dt) == ("Co Op Basics", None)
    assert not _events(db, "courses.course.retire_date_set")


def test_a_passed_retire_date_can_stay_when_other_details_change(app, db, author, course):
    past = dt.datetime.combine(utcnow().date() - dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    course.retire_dt = past
    db.session.commit()
    r = author.post(
        f"/courses/author/{course.slug}/edit",
        data={"csrf_token": token(author), **_course_data(course, title="Renamed"),
              "retire_date": past.date().isoformat()},
    )
    assert r.status_code == 303
    _fresh(db)
    saved = db.session.get(Course, course.id)
    assert (saved.title, saved.retire_dt) == ("Renamed", past)
    assert not _events(db, "courses.course.retire_date_set")


def test_after_the_retire_date_enrolled_learners_finish(
    app, db, course, make_user, login, enrol, completions, client
):
    learner = make_user()
    e = enrol(learner, course)
    course.retire_dt = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    # Gone from the catalogue and closed to newcomers...
    assert course.title not in _text(client.get("/courses/"))
    assert client.get(f"/courses/{course.slug}").status_code == 404
    newcomer = login(make_user())
    assert newcomer.get(f"/courses/{course.slug}").status_code == 404
    newcomer.post(f"/courses/{course.slug}/enrol", data={"csrf_token": token(newcomer)})
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 1
    # ...but the enrolled learner opens it, sees why, and finishes it.
    mine = login(learner)
    page = _text(mine.get(f"/courses/{course.slug}"))
    assert "Left the catalogue on" in page and "you can still finish it" in page
    csrf = token(mine)
    for key in ("l1", "l2", "l3", "l4"):
        assert mine.get(f"/courses/{course.slug}/learn/{key}").status_code == 200
        r = mine.post(f"/courses/{course.slug}/learn/{key}/complete", data={"csrf_token": csrf})
        assert r.status_code == 303, key
    quiz = next(i for i in course.items if i.key == "final")
    r = mine.post(
        f"/courses/{course.slug}/learn/final/submit", data={"csrf_token": csrf, **quiz_form(quiz)}
    )
    assert r.status_code == 303
    assert len(completions) == 1 and completions[0].user_id == learner.id
    _fresh(db)
    assert db.session.get(Enrolment, e.id).completed_dt is not None
    assert "Completed" in _text(mine.get("/courses/my"))
