"""Discussions: what is refused is refused with a message, changes nothing and keeps the words."""

from __future__ import annotations

from sqlalchemy import func, select

from courses.discussions.models import DiscussionThread

from .discussion_helpers import start_thread


def test_a_thread_title_is_one_line(app, db, make_user, login, make_course, enrol):
    course = make_course()
    learner = make_user()
    enrol(learner, course)
    client = login(learner)
    # A crafted line break would forge a line in listings and in the notices' subjects.
    response = start_thread(client, "co-op-basics", title="Hello\r\nBcc: all@example.org",
                            body="Kept")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Write this on one line" in html and "Kept</textarea>" in html
    assert db.session.scalar(select(func.count(DiscussionThread.id))) == 0
