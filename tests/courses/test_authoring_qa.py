"""Authoring under an outside QA engineer's eye: stale pages, refused forms, double sends.

Without governance, administrators change live courses directly, so these tests
look at the authoring forms themselves; ``test_curriculum_authority`` checks
who may change a live course.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from courses.models import Course, Item

from .conftest import plugins_without, token


@pytest.fixture()
def app_config(app_config):
    return {**app_config, "LMS_PLUGINS": plugins_without("governance")}


@pytest.fixture()
def author(make_user, login):
    return login(make_user(roles=("learner", "admin")))


def _text(response) -> str:
    return response.get_data(as_text=True)


def _edit_page_data(client, url: str) -> dict[str, str]:
    """What a lesson's edit page would send back unchanged (its token and its hidden hash)."""
    html = _text(client.get(url))
    found = re.search(r'name="edited_from" type="hidden" value="([^"]*)"', html)
    assert found and found.group(1), "the edit page carries the lesson's hash"
    return {"csrf_token": token(client, url), "edited_from": found.group(1),
            "title": "Lesson 1", "body_md": "Text", "estimated_minutes": "5", "required": "y",
            "sources": "", "save": "1"}


def _item(db, item_id: int) -> Item:
    db.session.expire_all()
    return db.session.get(Item, item_id)


# -- two tabs on one item ------------------------------------------------------------------


def test_a_stale_lesson_page_does_not_overwrite_a_newer_save(db, author, make_course):
    course = make_course(lessons=2)
    item = course.items[0]
    url = f"/courses/author/{course.slug}/items/{item.id}"
    tab_a, tab_b = _edit_page_data(author, url), _edit_page_data(author, url)

    assert author.post(url, data={**tab_a, "title": "Title from A"}).status_code == 303
    refused = author.post(url, data={**tab_b, "body_md": "Body from B"})

    assert refused.status_code == 409
    page = _text(refused)
    assert "Saved by someone else meanwhile" in page
    assert "Body from B" in page  # what was typed is kept
    item = _item(db, item.id)
    assert (item.title, item.body_md) == ("Title from A", "Text")  # nothing saved

    # The refused page now carries the saved version's hash: saving it again is deliberate.
    again = re.search(r'name="edited_from" type="hidden" value="([^"]*)"', page).group(1)
    assert again == item.source_hash
    saved = author.post(url, data={**tab_b, "edited_from": again, "body_md": "Body from B"})
    assert saved.status_code == 303
    assert _item(db, item.id).body_md == "Body from B"


def test_a_stale_quiz_page_does_not_overwrite_a_newer_save(db, author, make_course):
    course = make_course(lessons=1)
    quiz = course.items[-1]
    url = f"/courses/author/{course.slug}/items/{quiz.id}"
    html = _text(author.get(url))
    seen = re.search(r'name="edited_from" type="hidden" value="([^"]*)"', html).group(1)
    data = {"csrf_token": token(author, url), "edited_from": seen, "title": "Final quiz",
            "pass_mark": "100", "max_attempts": "0", "required": "y"}

    assert author.post(url, data={**data, "pass_mark": "80"}).status_code == 303
    refused = author.post(url, data={**data, "max_attempts": "3"})

    assert refused.status_code == 409
    quiz = _item(db, quiz.id)
    assert (quiz.pass_mark, quiz.max_attempts) == (80, 0)


def test_a_preview_keeps_the_hash_of_the_page_first_shown(db, author, make_course):
    course = make_course(lessons=1)
    item = course.items[0]
    url = f"/courses/author/{course.slug}/items/{item.id}"
    tab_a, tab_b = _edit_page_data(author, url), _edit_page_data(author, url)
    preview = author.post(url, data={**tab_b, "body_md": "B", "save": "", "preview": "1"})
    assert preview.status_code == 200
    assert f'value="{tab_b["edited_from"]}"' in _text(preview)
    assert author.post(url, data={**tab_a, "title": "From A"}).status_code == 303
    assert author.post(url, data={**tab_b, "body_md": "B"}).status_code == 409
    assert _item(db, item.id).title == "From A"


# -- questions -----------------------------------------------------------------------------


def _question_data(client, url: str, **changes) -> dict[str, str]:
    html = _text(client.get(url))
    found = re.search(r'name="edited_from" type="hidden" value="([^"]*)"', html)
    data = {"csrf_token": token(client, url), "type": "single", "prompt": "Is it?",
            "explanation": "Because.", "option_1-text": "Yes", "option_1-correct": "y",
            "option_2-text": "No", "edited_from": found.group(1) if found else ""}
    data.update(changes)
    return data


def test_a_refused_question_answers_400_and_keeps_what_was_typed(db, author, make_course):
    course = make_course(lessons=1)
    quiz = course.items[-1]
    url = f"/courses/author/{course.slug}/items/{quiz.id}/questions/new"
    data = _question_data(author, url, prompt="Which one is right?")
    del data["option_1-correct"]  # no right answer

    refused = author.post(url, data=data)

    assert refused.status_code == 400
    page = _text(refused)
    assert "Mark exactly one right answer." in page and "Which one is right?" in page
    assert len(_item(db, quiz.id).questions) == 2


def test_a_stale_question_page_does_not_overwrite_a_newer_save(db, author, make_course):
    course = make_course(lessons=1)
    quiz = course.items[-1]
    question = quiz.questions[0]
    url = f"/courses/author/{course.slug}/items/{quiz.id}/questions/{question.id}"
    tab_a, tab_b = _question_data(author, url), _question_data(author, url)
    assert tab_a["edited_from"], "the edit page carries the question's fingerprint"

    assert author.post(url, data={**tab_a, "prompt": "Is it so?"}).status_code == 303
    refused = author.post(url, data={**tab_b, "explanation": "Because of B."})

    assert refused.status_code == 409
    assert "Because of B." in _text(refused)
    saved = _item(db, quiz.id).questions[0]
    assert (saved.prompt, saved.explanation) == ("Is it so?", "Because.")


def test_another_question_saved_meanwhile_does_not_block_a_save(db, author, make_course):
    course = make_course(lessons=1)
    quiz = course.items[-1]
    first, second = quiz.questions
    base = f"/courses/author/{course.slug}/items/{quiz.id}/questions"
    tab_a = _question_data(author, f"{base}/{first.id}")
    tab_b = _question_data(author, f"{base}/{second.id}", type="short", accepted="Rochdale",
                           prompt="Where?")
    assert author.post(f"{base}/{first.id}", data={**tab_a, "prompt": "A?"}).status_code == 303
    assert author.post(f"{base}/{second.id}", data={**tab_b, "prompt": "B?"}).status_code == 303
    assert [q.prompt for q in _item(db, quiz.id).questions] == ["A?", "B?"]


# -- going live with a quiz nobody can pass -------------------------------------------------


def _add_empty_quiz(author, course, required=True):
    module = course.modules[0]
    url = f"/courses/author/{course.slug}/modules/{module.id}/new/quiz"
    data = {"csrf_token": token(author, url), "title": "Empty quiz", "pass_mark": "50",
            "max_attempts": "0"}
    if required:
        data["required"] = "y"
    assert author.post(url, data=data).status_code == 303


def test_a_draft_with_a_required_quiz_without_questions_is_not_published(
    db, author, make_course
):
    course = make_course(lessons=1, quiz=False, status="draft")
    _add_empty_quiz(author, course)

    r = author.post(f"/courses/author/{course.slug}/status",
                    data={"csrf_token": token(author), "action": "published"},
                    follow_redirects=True)

    assert "“Empty quiz” has no questions yet" in _text(r)
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == "draft"


def test_an_optional_quiz_without_questions_does_not_hold_publishing_back(
    db, author, make_course
):
    course = make_course(lessons=1, quiz=False, status="draft")
    _add_empty_quiz(author, course, required=False)
    author.post(f"/courses/author/{course.slug}/status",
                data={"csrf_token": token(author), "action": "published"})
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == "published"


def test_a_revision_with_a_required_quiz_without_questions_is_not_published(
    db, author, make_course
):
    course = make_course(lessons=1, quiz=False)
    author.post(f"/courses/author/{course.slug}/revision", data={"csrf_token": token(author)})
    revision = db.session.scalar(select(Course).where(Course.revision_of_id == course.id))
    _add_empty_quiz(author, revision)

    r = author.post(f"/courses/author/{revision.slug}/publish-revision",
                    data={"csrf_token": token(author)}, follow_redirects=True)

    assert "“Empty quiz” has no questions yet" in _text(r)
    db.session.expire_all()
    assert [i.key for i in db.session.get(Course, course.id).items] == ["l1"]


# -- a refused new module keeps its title ---------------------------------------------------


@pytest.mark.parametrize(
    ("title", "message"),
    [("", "Enter a title."), ("Ünïcode " + "x" * 200, "Field cannot be longer than 200")],
)
def test_a_refused_new_module_answers_400_and_keeps_the_title(
    db, author, make_course, title, message
):
    course = make_course(lessons=1)
    structure = f"/courses/author/{course.slug}"

    r = author.post(f"{structure}/modules", data={"csrf_token": token(author, structure),
                                                  "title": title})

    assert r.status_code == 400
    page = _text(r)
    assert message in page and f'value="{title}"' in page
    db.session.expire_all()
    assert len(db.session.get(Course, course.id).modules) == 1


# -- forged move buttons --------------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        "module:9223372036854775808:up",  # SQLite: past 64 bits
        "item:2147483648:down",  # PostgreSQL: past integer
        "item:-1:up",
        "module:0:up",
    ],
)
def test_a_move_of_an_id_past_the_database_range_is_not_found(db, author, make_course, action):
    course = make_course(lessons=2)
    structure = f"/courses/author/{course.slug}"
    r = author.post(f"{structure}/move", data={"csrf_token": token(author, structure),
                                               "action": action})
    assert r.status_code == 404


# -- the course form ------------------------------------------------------------------------


def _course_data(client, **changes) -> dict[str, str]:
    data = {"csrf_token": token(client), "title": "Kooperativ: اساسیات", "slug": "new-course",
            "summary": "Ein Kurs.", "description": "Text", "outcomes": "Know",
            "topic": "basics", "level": "introductory", "language": "en", "estimated_hours": "2"}
    data.update(changes)
    return data


def test_a_new_course_with_a_slug_in_use_answers_400_and_keeps_what_was_typed(
    db, author, make_course
):
    make_course(slug="taken")
    r = author.post("/courses/author/new", data=_course_data(author, slug="taken"))
    assert r.status_code == 400
    page = _text(r)
    assert "Another course already uses this web address name." in page
    assert "Kooperativ: اساسیات" in page
    assert db.session.scalar(select(Course.id).where(Course.title.like("Kooperativ%"))) is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "Two\nlines"}, "Write this on one line"),
        ({"estimated_hours": "-1"}, "Number must be between 0 and 1000"),
        ({"estimated_hours": "1e400"}, "Number must be between 0 and 1000"),
        ({"summary": "x" * 501}, "Field cannot be longer than 500 characters."),
    ],
)
def test_a_refused_course_edit_answers_400_and_keeps_what_was_typed(
    db, author, make_course, changes, message
):
    course = make_course(slug="draft-course", status="draft")
    url = f"/courses/author/{course.slug}/edit"
    r = author.post(url, data=_course_data(author, slug=course.slug, description="Kept text",
                                           **changes))
    assert r.status_code == 400
    page = _text(r)
    assert message in page and "Kept text" in page
    db.session.expire_all()
    assert db.session.get(Course, course.id).title == "Draft Course"
