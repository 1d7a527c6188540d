"""Discussions: what is refused (a title on two lines, a change in a locked thread, showing a
post that is not hidden) is refused with a message, changes nothing and keeps the words."""

from __future__ import annotations

from sqlalchemy import func, select

from courses.discussions.models import DiscussionPost, DiscussionThread
from lms.audit import AuditEvent

from .conftest import token
from .discussion_helpers import group_world, make_thread, start_thread


def test_a_thread_title_is_one_line(app, db, make_user, login, make_course, enrol):
    course = make_course()
    learner = make_user()
    enrol(learner, course)
    client = login(learner)
    # A crafted line break would forge a line in listings and in the notices' subjects.
    response = start_thread(
        client, "co-op-basics", title="Hello\r\nBcc: all@example.org", body="Kept"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Write this on one line" in html and "Kept</textarea>" in html
    assert db.session.scalar(select(func.count(DiscussionThread.id))) == 0


def _lock(client, thread_id):
    response = client.post(
        f"/courses/discuss/thread/{thread_id}/moderate",
        data={"csrf_token": token(client), "do": "lock"},
    )
    assert response.status_code == 303


def test_a_locked_thread_takes_no_changes(app, db, make_user, login, make_course):
    course, group, _o, tutor, _ot, learner, _c, _out = group_world(make_user, make_course, login)
    thread = make_thread(course, learner, posts=1, cohort=group)
    post = db.session.scalars(select(DiscussionPost)).one()
    a, t = login(learner), login(tutor)
    path = f"/courses/discuss/post/{post.id}/edit"
    assert a.get(path).status_code == 200  # the author opens the edit page...
    csrf = token(a)
    _lock(t, thread.id)  # ...and a moderator locks the thread while they write.
    response = a.post(path, data={"csrf_token": csrf, "body": "My better words", "action": "post"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This thread is locked: its posts cannot be changed." in html
    assert "My better words</textarea>" in html  # shown back to copy
    db.session.expire_all()
    kept = db.session.get(DiscussionPost, post.id)
    assert (kept.body_md, kept.edited_dt) == ("Post 1", None)
    # The thread page offers no "Change", and the edit page sends back with the reason.
    page = a.get(f"/courses/discuss/thread/{thread.id}").get_data(as_text=True)
    assert f'href="{path}"' not in page
    response = a.get(path)
    assert response.status_code == 303
    assert "its posts cannot be changed" in a.get(response.location).get_data(as_text=True)
    # Moderators do not write in a locked thread either (no reply, no change): their own
    # post is refused the same way until they unlock it.
    own = make_thread(course, tutor, posts=1, cohort=group, title="The tutor's thread")
    _lock(t, own.id)
    tutors_post = db.session.scalars(
        select(DiscussionPost).where(DiscussionPost.thread_id == own.id)
    ).one()
    response = t.post(
        f"/courses/discuss/post/{tutors_post.id}/edit",
        data={"csrf_token": token(t), "body": "Changed", "action": "post"},
    )
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(DiscussionPost, tutors_post.id).body_md == "Post 1"
    # Unlocked, the author changes their post again.
    t.post(
        f"/courses/discuss/thread/{thread.id}/moderate",
        data={"csrf_token": token(t), "do": "unlock"},
    )
    assert (
        a.post(path, data={"csrf_token": token(a), "body": "Now", "action": "post"}).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(DiscussionPost, post.id).body_md == "Now"


def _shown_entries(db):
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "courses.discussion.post_shown"
        )
    )


def test_showing_a_post_that_is_not_hidden_writes_nothing(app, db, make_user, login, make_course):
    course, group, _o, tutor, _ot, learner, _c, _out = group_world(make_user, make_course, login)
    thread = make_thread(course, learner, posts=1, cohort=group)
    post = db.session.scalars(select(DiscussionPost)).one()
    t = login(tutor)
    admin = login(make_user(roles=("admin",)))
    path = f"/courses/discuss/post/{post.id}/hide"
    show = {"do": "show"}
    # Never hidden: refused with a message, no audit entry.
    response = t.post(path, data={"csrf_token": token(t), **show})
    assert response.status_code == 303
    assert "This post is not hidden." in t.get(response.location).get_data(as_text=True)
    assert _shown_entries(db) == 0
    # Hidden, then shown by one moderator and "shown" again from another's page: one entry.
    t.post(path, data={"csrf_token": token(t), "reason": "Personal details"})
    assert t.post(path, data={"csrf_token": token(t), **show}).status_code == 303
    response = admin.post(path, data={"csrf_token": token(admin), **show})
    assert "This post is not hidden." in admin.get(response.location).get_data(as_text=True)
    assert _shown_entries(db) == 1
    db.session.expire_all()
    assert db.session.get(DiscussionPost, post.id).hidden_dt is None
    assert thread.id
