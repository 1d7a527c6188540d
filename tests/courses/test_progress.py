"""Unit tests of the progress function and the completion rules."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from courses import authoring, quizzes
from courses import operations as ops
from courses.models import Completion, Item, Progress, QuizAttempt
from courses.progress import progress_for

from .conftest import quiz_form

pytestmark = pytest.mark.usefixtures("request_ctx")


def _item(course, key):
    return next(i for i in course.items if i.key == key)


def test_progress_counts_words_and_next(app, make_user, make_course, enrol):
    user = make_user()
    course = make_course(lessons=3)
    e = enrol(user, course)
    p = progress_for([e])[e.id]
    assert (p.done, p.total, p.percent, p.completed) == (0, 4, 0, False)
    assert p.remaining_words == "3 lessons and the final quiz left"
    assert p.next_item.key == "l1" and p.continue_item.key == "l1"

    ops.complete_lesson(e, _item(course, "l1"))
    p = progress_for([e])[e.id]
    assert (p.done, p.percent) == (1, 25)
    assert p.remaining_words == "2 lessons and the final quiz left"
    assert p.next_item.key == "l2"
    assert p.continue_item.key == "l2"  # l1 done, so Continue moves on


def test_optional_items_do_not_count(app, make_user, make_course, enrol, db):
    course = make_course(lessons=2, quiz=False)
    _item(course, "l2").required = False
    db.session.commit()
    e = enrol(make_user(), course)
    p = progress_for([e])[e.id]
    assert (p.total, p.remaining_words) == (1, "1 lesson left")


def test_completion_once_with_snapshot(app, make_user, make_course, enrol, completions):
    user = make_user(name="Ada Learner")
    course = make_course(lessons=2)
    e = enrol(user, course)
    for key in ("l1", "l2"):
        ops.complete_lesson(e, _item(course, key))
    assert completions == []  # the quiz is still to pass
    quiz = _item(course, "final")
    failed = quizzes.submit_quiz(e, quiz, MultiDict(quiz_form(quiz, right=False)))
    assert not failed.passed and completions == []
    passed = quizzes.submit_quiz(e, quiz, MultiDict(quiz_form(quiz)))
    assert passed.passed and passed.score == 100
    assert len(completions) == 1
    snap = completions[0]
    assert (snap.user_id, snap.display_name, snap.email) == (user.id, "Ada Learner", user.email)
    assert (snap.course_slug, snap.course_version, snap.final_score) == (course.slug, 1, 100)
    assert snap.completed_dt.tzinfo is not None
    # Doing things again changes nothing and sends nothing.
    ops.complete_lesson(e, _item(course, "l1"))
    quizzes.submit_quiz(e, quiz, MultiDict(quiz_form(quiz)))
    assert ops.check_completion(e) is None
    assert len(completions) == 1
    assert progress_for([e])[e.id].completed


def test_revision_keeps_progress_and_completes_new_version(
    app, db, make_user, make_course, enrol, completions
):
    course = make_course(lessons=2, quiz=False)
    e = enrol(make_user(), course)
    ops.complete_lesson(e, _item(course, "l1"))
    ops.complete_lesson(e, _item(course, "l2"))
    assert len(completions) == 1 and course.version == 1
    # A new required lesson: version 2; l1 and l2 stay done.
    authoring.add_item(course.modules[0], "lesson", "l3", title="New", body_md="x", required=True)
    db.session.commit()
    assert course.version == 2
    p = progress_for([e])[e.id]
    assert (p.done, p.total, p.completed) == (2, 3, False)
    ops.complete_lesson(e, _item(course, "l3"))
    assert [c.course_version for c in completions] == [1, 2]
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 2


def test_quiz_answer_validation_stores_nothing(app, db, make_user, make_course, enrol):
    other = make_course(slug="other")
    course = make_course()
    e = enrol(make_user(), course)
    quiz = _item(course, "final")
    q1, q2 = quiz.questions
    foreign = _item(other, "final").questions[0].options[0]
    bad = [
        {f"q{q2.id}": "rochdale"},  # q1 missing
        {f"q{q1.id}": str(foreign.id), f"q{q2.id}": "x"},  # option of another question
        MultiDict(
            [
                (f"q{q1.id}", str(q1.options[0].id)),
                (f"q{q1.id}", str(q1.options[0].id)),
                (f"q{q2.id}", "x"),
            ]
        ),  # duplicate
        {f"q{q1.id}": str(q1.options[0].id), f"q{q2.id}": "   "},  # empty text
        {f"q{q1.id}": str(q1.options[0].id), f"q{q2.id}": "x", "q999999": "1"},  # unknown q
    ]
    for data in bad:
        with pytest.raises(quizzes.AnswerError):
            quizzes.submit_quiz(e, quiz, MultiDict(data))
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(Progress)) == 0


def test_attempt_limit(app, make_user, make_course, enrol):
    course = make_course(lessons=0, max_attempts=2)
    e = enrol(make_user(), course)
    quiz = _item(course, "final")
    for _ in range(2):
        quizzes.submit_quiz(e, quiz, MultiDict(quiz_form(quiz, right=False)))
    assert quizzes.attempts_left(e, quiz) == 0
    with pytest.raises(ops.CourseError):
        quizzes.submit_quiz(e, quiz, MultiDict(quiz_form(quiz)))


def test_enrol_rules(app, db, make_user, make_course):
    user = make_user()
    basics = make_course(slug="basics")
    advanced = make_course(slug="advanced", requires=(basics,))
    with pytest.raises(ops.CourseError, match="First complete"):
        ops.enrol(user, advanced)
    draft = make_course(slug="draft", status="draft")
    with pytest.raises(ops.CourseError, match="not open"):
        ops.enrol(user, draft)
    closed = make_course(slug="closed", is_open=False)
    with pytest.raises(ops.CourseError, match="closed"):
        ops.enrol(user, closed)
    e, created = ops.enrol(user, basics)
    assert created and ops.enrol(user, basics) == (e, False)
    for item in basics.items:
        if item.kind == "lesson":
            ops.complete_lesson(e, item)
    quiz = _item(basics, "final")
    quizzes.submit_quiz(e, quiz, MultiDict(quiz_form(quiz)))
    _e2, created = ops.enrol(user, advanced)
    assert created


def test_progress_batch_matches_single(app, make_user, make_course, enrol):
    user = make_user()
    courses = [make_course(slug=f"c{n}", lessons=n + 1) for n in range(3)]
    enrolments = [enrol(user, c) for c in courses]
    ops.complete_lesson(enrolments[2], _item(courses[2], "l2"))
    batch = progress_for(enrolments)
    for e in enrolments:
        assert batch[e.id] == progress_for([e])[e.id]
    assert isinstance(courses[0].items[0], Item)


def test_learner_progress_agrees_with_progress_for(app, db, make_user, make_course, enrol):
    """The dashboard's one query gives the same progress as the batch function, in the
    order of the learner's last activity (an enrolment in a course without items too)."""
    from courses.learner_progress import learner_progress
    from courses.models import Course
    from lms.db import utcnow

    user = make_user()
    first = make_course(slug="first", lessons=4, modules=3)
    second = make_course(slug="second", lessons=2, quiz=False)
    empty = db.session.merge(Course(slug="empty", title="Empty", status="published"))
    db.session.commit()
    e1, e2, e3 = enrol(user, first), enrol(user, second), enrol(user, empty)
    ops.complete_lesson(e1, _item(first, "l3"))
    for key in ("l1", "l2"):
        ops.complete_lesson(e2, _item(second, key))
    quiz = _item(first, "final")
    quizzes.submit_quiz(e1, quiz, MultiDict(quiz_form(quiz, right=False)))
    e1.last_activity_dt = utcnow()
    db.session.commit()
    rows = learner_progress(user.id)
    expected = progress_for([e1, e2, e3])
    assert [e.id for e, _c, _p in rows][0] == e1.id  # worked on last
    assert {e.id for e, _c, _p in rows} == {e1.id, e2.id, e3.id}
    for enrolment, course, progress in rows:
        assert progress == expected[enrolment.id]
        assert course.id == enrolment.course_id
    by_slug = {c.slug: p for _e, c, p in rows}
    assert by_slug["second"].completed and by_slug["empty"].items == ()
    assert [i.key for i in by_slug["first"].items] == ["l1", "l2", "l3", "l4", "final"]
