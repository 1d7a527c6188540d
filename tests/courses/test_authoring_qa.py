"""Authoring under an outside QA engineer's eye: stale pages, refused forms, double sends.

Without governance, administrators change live courses directly, so these tests
look at the authoring forms themselves; ``test_curriculum_authority`` checks
who may change a live course.
"""

from __future__ import annotations

import re

import pytest

from courses.models import Item

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
