"""Each item's stored ``source_hash`` is the hash of the file an export writes for it.

Pages in another language tell an out-of-date translation by comparing its
``source`` with that column (``courses.item_hashes``), so every way of
changing an item must keep it: import, authoring of lessons and questions,
revisions (and, in ``tests/governance``, an enacted decision).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from courses.content_format import ITEM_KINDS, course_files, source_hash
from courses.importing import CONTENT_DIR, course_source, import_course, import_path
from courses.models import Course, Enrolment, Item, Question
from lms.db import db as _db
from lms.testing import csrf_token

from .conftest import plugins_without
from .content_helpers import course_folder
from .translation_helpers import polish_files

STALE_LESSON = "This lesson has changed in Angielski since it was translated"
STALE_QUIZ = "This quiz has changed in Angielski since it was translated"


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    # Without governance, an administrator changes a live course directly (no decision).
    return {**app_config, "LMS_PLUGINS": plugins_without("governance"),
            "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("ur", "pl", "gu")}


def _exported_hashes(course: Course) -> dict[str, str]:
    """Item key -> the hash of its file in a fresh export of ``course``."""
    _db.session.expire_all()
    files = course_files(course_source(course, translations=False))
    return {item.key: source_hash(files[ITEM_KINDS[item.kind].rel(item.key)])
            for item in course.items}


def _stored_hashes(course: Course) -> dict[str, str]:
    _db.session.expire_all()
    return dict(_db.session.execute(
        select(Item.key, Item.source_hash).where(Item.course_id == course.id)).all())


def _demo() -> Course:
    return _db.session.scalar(select(Course).where(Course.slug == "demo-course"))


def test_every_shipped_item_stores_the_hash_of_its_file(db):
    import_path(CONTENT_DIR)
    db.session.commit()
    courses = db.session.scalars(select(Course)).all()
    assert courses
    for course in courses:
        stored = _stored_hashes(course)
        assert stored == _exported_hashes(course), course.slug
        assert all(len(value) == 12 for value in stored.values())


@pytest.fixture()
def demo(db, tmp_path):
    folder = course_folder(tmp_path, changes=polish_files())
    import_course(folder)
    db.session.commit()
    return folder


def _polish_page(db, make_user, login, key: str) -> str:
    user = make_user()
    db.session.add(Enrolment(user_id=user.id, course_id=_demo().id))
    user.locale = "pl"
    db.session.commit()
    response = login(user).get(f"/courses/demo-course/learn/{key}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_lesson_edited_in_authoring_flags_its_translation(db, demo, make_user, login):
    assert _stored_hashes(_demo()) == _exported_hashes(_demo())
    html = _polish_page(db, make_user, login, "intro")
    assert "<h1>Cześć</h1>" in html and STALE_LESSON not in html  # made from this version

    before = _stored_hashes(_demo())["intro"]
    lesson = db.session.scalar(select(Item).where(Item.key == "intro"))
    admin = login(make_user(roles=("admin",)))
    url = f"/courses/author/demo-course/items/{lesson.id}"
    response = admin.post(url, data={
        "csrf_token": csrf_token(admin, url), "title": lesson.title,
        "body_md": "# Hello there\n", "estimated_minutes": "5", "required": "y",
        "sources": "", "save": "1",
    })
    assert response.status_code == 303
    stored = _stored_hashes(_demo())
    assert stored["intro"] != before
    assert stored == _exported_hashes(_demo())
    html = _polish_page(db, make_user, login, "intro")
    assert "<h1>Cześć</h1>" in html and STALE_LESSON in html


def test_a_quiz_question_edited_in_authoring_flags_its_translation(
    db, demo, make_user, login
):
    assert STALE_QUIZ not in _polish_page(db, make_user, login, "check")
    before = _stored_hashes(_demo())["check"]
    question = db.session.scalar(select(Question).where(Question.key == "pick-one"))
    admin = login(make_user(roles=("admin",)))
    url = f"/courses/author/demo-course/items/{question.item_id}/questions/{question.id}"
    response = admin.post(url, data={
        "csrf_token": csrf_token(admin, url), "type": "single", "prompt": "Pick one, now.",
        "explanation": "A is right.",
        "option_1-text": "A", "option_1-correct": "y", "option_1-feedback": "Yes.",
        "option_2-text": "B", "option_2-feedback": "No.",
    })
    assert response.status_code == 303
    stored = _stored_hashes(_demo())
    assert stored["check"] != before
    assert stored == _exported_hashes(_demo())
    assert STALE_QUIZ in _polish_page(db, make_user, login, "check")


def test_questions_moved_removed_and_options_dropped_keep_the_hash(db, demo):
    from courses import question_authoring as authoring

    quiz = db.session.scalar(select(Item).where(Item.key == "check"))
    hashes = [quiz.source_hash]
    authoring.move_question(quiz.questions[0], 1)
    db.session.commit()
    hashes.append(_stored_hashes(_demo())["check"])
    assert _stored_hashes(_demo()) == _exported_hashes(_demo())

    quiz = db.session.scalar(select(Item).where(Item.key == "check"))
    authoring.delete_question(quiz.questions[-1])
    db.session.commit()
    hashes.append(_stored_hashes(_demo())["check"])
    assert _stored_hashes(_demo()) == _exported_hashes(_demo())

    # An option dropped, and one deleted on its own (not through its question).
    question = db.session.scalar(select(Question).where(Question.key == "pick-some"))
    authoring.save_question(question.item, question, [
        {"text": o.text, "correct": o.correct, "feedback": o.feedback}
        for o in question.options[:2]])
    db.session.commit()
    hashes.append(_stored_hashes(_demo())["check"])
    question = db.session.scalar(select(Question).where(Question.key == "pick-one"))
    db.session.delete(question.options[-1])
    db.session.commit()
    hashes.append(_stored_hashes(_demo())["check"])
    assert _stored_hashes(_demo()) == _exported_hashes(_demo())
    assert len(set(hashes)) == len(hashes)


def test_an_unchanged_reimport_writes_no_hash(db, demo):
    before = _stored_hashes(_demo())
    import_course(demo)
    assert not any(isinstance(row, Item) for row in db.session.dirty)
    db.session.commit()
    assert _stored_hashes(_demo()) == before
