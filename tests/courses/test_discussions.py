"""Discussions: threads and replies, previews, editing, deleting, following, moderation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from courses.cohorts.models import CohortMember, CohortTutor
from courses.discussions.models import (
    DiscussionFollow,
    DiscussionPost,
    DiscussionReport,
    DiscussionThread,
)
from lms.audit import AuditEvent
from lms.db import utcnow
from lms.notifications import Notification

from .cohort_helpers import seat
from .conftest import token
from .discussion_helpers import group_world, make_thread, page_token, reply, start_thread


def _thread(db):
    return db.session.scalars(select(DiscussionThread)).one()


def test_lesson_page_links_to_its_discussion(app, db, make_user, login, make_course, enrol):
    course = make_course()
    learner = make_user()
    enrol(learner, course)
    html = login(learner).get("/courses/co-op-basics/learn/l1").get_data(as_text=True)
    assert 'href="/courses/discuss/course/co-op-basics?lesson=l1"' in html
    assert "Discuss this lesson" in html


def test_learner_asks_under_a_lesson_and_is_told_of_replies(
    app, db, make_user, login, make_course, enrol, outbox
):
    course = make_course()
    asker, helper = make_user(), make_user(name="Helper")
    enrol(asker, course)
    enrol(helper, course)
    a = login(asker)
    # Discuss this lesson: a learner in no group lands in the course's space, on this lesson.
    response = a.get("/courses/discuss/course/co-op-basics?lesson=l1")
    assert response.status_code == 302
    assert response.location.endswith("/courses/discuss/course/co-op-basics/space/all?lesson=l1")
    response = start_thread(a, "co-op-basics", lesson="l1",
                            body="Why *this*? <script>alert(1)</script> ![x](http://evil/x.png)")
    assert response.status_code == 303
    thread = _thread(db)
    assert thread.item_id == course.items[0].id and thread.cohort_id is None
    post = db.session.scalars(select(DiscussionPost)).one()
    assert "<em>this</em>" in post.body_html
    assert "<script" not in post.body_html and "<img" not in post.body_html
    h = login(helper)
    space = h.get("/courses/discuss/course/co-op-basics/space/all?lesson=l1").get_data(as_text=True)
    assert "A question" in space
    before = len(outbox())
    assert reply(h, thread.id).status_code == 303
    mails = outbox()[before:]
    assert [m.recipient for m in mails] == [asker.email]
    assert "New reply" in mails[0].subject
    assert f"/courses/discuss/thread/{thread.id}" in mails[0].body
    notices = db.session.scalars(select(Notification).where(Notification.user_id == asker.id))
    assert [(n.kind, n.link) for n in notices] == [
        ("courses.discussion_reply", f"/courses/discuss/thread/{thread.id}?page=1#post-2")
    ]
    page = a.get(f"/courses/discuss/thread/{thread.id}").get_data(as_text=True)
    assert "An answer." in page and "Helper" in page


def test_preview_shows_the_message_and_saves_nothing(app, db, make_user, login, make_course,
                                                      enrol):
    course = make_course()
    learner = make_user()
    enrol(learner, course)
    client = login(learner)
    thread = make_thread(course, learner)
    response = reply(client, thread.id, body="**bold** idea", action="preview")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>bold</strong>" in html and "**bold** idea</textarea>" in html
    assert db.session.scalar(select(func.count(DiscussionPost.id))) == 1


def test_a_form_sent_twice_stores_one_post(app, db, make_user, login, make_course, enrol):
    course = make_course()
    learner = make_user()
    enrol(learner, course)
    client = login(learner)
    thread = make_thread(course, learner)
    path = f"/courses/discuss/thread/{thread.id}"
    csrf, submit = page_token(client, path)
    data = {"csrf_token": csrf, "submit_token": submit, "body": "Once", "action": "post"}
    first, second = client.post(path, data=data), client.post(path, data=data)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    db.session.expire_all()
    assert db.session.scalar(select(func.count(DiscussionPost.id))) == 2
    assert db.session.get(DiscussionThread, thread.id).post_count == 2
    # Starting a thread twice with the same form: one thread.
    space = "/courses/discuss/course/co-op-basics/space/all"
    csrf, submit = page_token(client, space)
    data = {"csrf_token": csrf, "submit_token": submit, "title": "T", "body": "B",
            "action": "post"}
    assert client.post(space, data=data).location == client.post(space, data=data).location
    assert db.session.scalar(select(func.count(DiscussionThread.id))) == 2


def test_bad_input_is_refused_with_a_message(app, db, make_user, login, make_course, enrol):
    course = make_course()
    learner = make_user()
    enrol(learner, course)
    client = login(learner)
    response = start_thread(client, "co-op-basics", title="", body="")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give your thread a title." in html and "Write your message." in html
    assert db.session.scalar(select(func.count(DiscussionThread.id))) == 0


def test_edit_own_post_for_thirty_minutes(app, db, make_user, login, make_course, enrol):
    course = make_course()
    author, other = make_user(), make_user()
    enrol(author, course)
    enrol(other, course)
    thread = make_thread(course, author)
    post = db.session.scalars(select(DiscussionPost)).one()
    client = login(author)
    path = f"/courses/discuss/post/{post.id}/edit"
    response = client.post(path, data={"csrf_token": token(client), "body": "Changed _now_"})
    assert response.status_code == 303
    db.session.expire_all()
    post = db.session.get(DiscussionPost, post.id)
    assert "<em>now</em>" in post.body_html and post.edited_dt is not None
    # Someone else cannot edit it.
    o = login(other)
    o.post(path, data={"csrf_token": token(o), "body": "Mine now"})
    db.session.expire_all()
    assert db.session.get(DiscussionPost, post.id).body_md == "Changed _now_"
    # Thirty-one minutes later the author cannot either.
    post.created_dt = utcnow() - dt.timedelta(minutes=31)
    db.session.commit()
    response = client.post(path, data={"csrf_token": token(client), "body": "Too late, but mine"})
    # Refused, and what they wrote is on the page to keep (not lost on a redirect).
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "30 minutes after posting" in html and "Too late, but mine</textarea>" in html
    db.session.expire_all()
    assert db.session.get(DiscussionPost, post.id).body_md == "Changed _now_"
    assert thread.id


def test_delete_own_post_leaves_a_placeholder(app, db, make_user, login, make_course, enrol):
    course = make_course()
    author, other = make_user(), make_user()
    enrol(author, course)
    enrol(other, course)
    thread = make_thread(course, author, posts=2)
    first = db.session.scalars(select(DiscussionPost).where(DiscussionPost.number == 1)).one()
    o = login(other)
    assert o.post(f"/courses/discuss/post/{first.id}/delete",
                  data={"csrf_token": token(o)}).status_code == 403
    client = login(author)
    assert client.post(f"/courses/discuss/post/{first.id}/delete",
                       data={"csrf_token": token(client)}).status_code == 303
    db.session.expire_all()
    first = db.session.get(DiscussionPost, first.id)
    assert first.deleted_dt is not None and first.body_md == "" and first.number == 1
    page = o.get(f"/courses/discuss/thread/{thread.id}").get_data(as_text=True)
    assert "Deleted by its author." in page and "Post 2" in page


def test_follow_and_unfollow(app, db, make_user, login, make_course, enrol, outbox):
    course = make_course()
    author, follower, replier = make_user(), make_user(), make_user()
    for u in (author, follower, replier):
        enrol(u, course)
    thread = make_thread(course, author)
    f = login(follower)
    f.post(f"/courses/discuss/thread/{thread.id}/follow",
           data={"csrf_token": token(f), "follow": "1"})
    before = len(outbox())
    reply(login(replier), thread.id)
    assert follower.email in [m.recipient for m in outbox()[before:]]
    f.post(f"/courses/discuss/thread/{thread.id}/follow",
           data={"csrf_token": token(f), "follow": "0"})
    assert db.session.scalar(select(DiscussionFollow.id).where(
        DiscussionFollow.user_id == follower.id)) is None
    before = len(outbox())
    reply(login(replier), thread.id, body="Again")
    assert follower.email not in [m.recipient for m in outbox()[before:]]


def test_a_groups_space_is_only_for_its_learners_and_tutors(app, db, make_user, login,
                                                           make_course, enrol):
    course, group, other_group, tutor, other_tutor, learner, classmate, outsider = (
        group_world(make_user, make_course, login)
    )
    lone = make_user()
    enrol(lone, course)
    a = login(learner)
    # A learner in a group goes to the group's space.
    response = a.get(f"/courses/discuss/course/{course.slug}")
    assert response.location.endswith(f"/space/{group.id}")
    assert start_thread(a, course.slug, space=str(group.id)).status_code == 303
    thread = _thread(db)
    assert thread.cohort_id == group.id
    path = f"/courses/discuss/thread/{thread.id}"
    assert login(classmate).get(path).status_code == 200
    assert login(tutor).get(path).status_code == 200
    assert login(outsider).get(path).status_code == 404
    assert login(other_tutor).get(path).status_code == 404
    assert login(lone).get(path).status_code == 404
    assert login(make_user()).get(path).status_code == 404
    # Nor the course-wide space, which is for learners in no group.
    assert a.get(f"/courses/discuss/course/{course.slug}/space/all").status_code == 404
    assert login(lone).get(f"/courses/discuss/course/{course.slug}/space/all").status_code == 200
    # The group's pages lead its tutor to its space.
    overview = login(tutor).get(f"/courses/cohorts/{group.id}").get_data(as_text=True)
    assert f'href="/courses/discuss/course/{course.slug}/space/{group.id}"' in overview
    # A tutor of the course moderates its course-wide space and chooses among theirs.
    html = login(tutor).get(f"/courses/discuss/course/{course.slug}").get_data(as_text=True)
    assert "Spring group" in html and "Learners in no group" in html
    assert "Autumn group" not in html


def test_followers_who_may_no_longer_read_a_thread_are_not_told_of_replies(
    app, db, make_user, login, make_course
):
    course, group, other_group, tutor, _ot, learner, classmate, _out = (
        group_world(make_user, make_course, login)
    )
    mover = make_user()
    seat(group, mover)
    a = login(learner)
    response = start_thread(a, course.slug, space=str(group.id), title="Our group's plans")
    assert response.status_code == 303
    thread = _thread(db)
    for person in (mover, tutor):
        c = login(person)
        c.post(f"/courses/discuss/thread/{thread.id}/follow",
               data={"csrf_token": token(c), "follow": "1"})
    # The mover joins another group; the tutor stops tutoring this one. Both still follow.
    db.session.scalars(select(CohortMember).where(CohortMember.user_id == mover.id)).one(
    ).cohort_id = other_group.id
    db.session.execute(CohortTutor.__table__.delete().where(CohortTutor.user_id == tutor.id))
    db.session.commit()
    assert login(mover).get(f"/courses/discuss/thread/{thread.id}").status_code == 404
    assert login(tutor).get(f"/courses/discuss/thread/{thread.id}").status_code == 404
    assert reply(login(classmate), thread.id).status_code == 303
    told = set(db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "courses.discussion_reply")
    ))
    # The thread's title, the replier's name and a link they cannot open: none of it.
    assert told == {learner.id}


def test_a_hidden_posts_author_is_told_only_while_they_may_read_the_thread(
    app, db, make_user, login, make_course, outbox
):
    course, group, other_group, tutor, _ot, learner, classmate, _out = (
        group_world(make_user, make_course, login)
    )
    thread = make_thread(course, learner, posts=1, cohort=group, title="Our group's plans")
    make_thread(course, classmate, posts=1, cohort=group, title="Still here")
    gone, stayed = db.session.scalars(select(DiscussionPost).order_by(DiscussionPost.id)).all()
    # The learner moves to the other group: the thread is no longer theirs to read.
    db.session.scalars(select(CohortMember).where(CohortMember.user_id == learner.id)).one(
    ).cohort_id = other_group.id
    db.session.commit()
    assert login(learner).get(f"/courses/discuss/thread/{thread.id}").status_code == 404
    t = login(tutor)
    before = len(outbox())
    for post in (gone, stayed):
        response = t.post(f"/courses/discuss/post/{post.id}/hide",
                          data={"csrf_token": token(t), "reason": "Personal details"})
        assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(DiscussionPost, gone.id).hidden_dt is not None  # hidden all the same
    told = set(db.session.scalars(select(Notification.user_id).where(
        Notification.kind == "courses.discussion_post_hidden")))
    # The thread's title and a link they cannot open: not for the one who left.
    assert told == {classmate.id}
    assert [m.recipient for m in outbox()[before:]] == [classmate.email]


def test_moderators_hide_lock_and_pin(app, db, make_user, login, make_course, outbox):
    course, group, _o, tutor, other_tutor, learner, classmate, _out = (
        group_world(make_user, make_course, login)
    )
    thread = make_thread(course, learner, posts=1, cohort=group)
    post = db.session.scalars(select(DiscussionPost)).one()
    c = login(classmate)
    # A learner may not moderate.
    assert c.post(f"/courses/discuss/post/{post.id}/hide",
                  data={"csrf_token": token(c), "reason": "x"}).status_code == 403
    assert c.post(f"/courses/discuss/thread/{thread.id}/moderate",
                  data={"csrf_token": token(c), "do": "lock"}).status_code == 403
    t = login(tutor)
    response = t.post(f"/courses/discuss/post/{post.id}/hide", data={"csrf_token": token(t),
                                                                      "reason": ""})
    assert response.status_code == 400 and "Say why." in response.get_data(as_text=True)
    before = len(outbox())
    t.post(f"/courses/discuss/post/{post.id}/hide",
           data={"csrf_token": token(t), "reason": "Personal details"})
    told = outbox()[before:]
    assert [m.recipient for m in told] == [learner.email]
    assert "Personal details" in told[0].body
    page = c.get(f"/courses/discuss/thread/{thread.id}").get_data(as_text=True)
    assert "Hidden by a moderator: Personal details" in page and "Post 1" not in page
    t.post(f"/courses/discuss/thread/{thread.id}/moderate", data={"csrf_token": token(t),
                                                                    "do": "lock"})
    t.post(f"/courses/discuss/thread/{thread.id}/moderate", data={"csrf_token": token(t),
                                                                    "do": "pin"})
    db.session.expire_all()
    thread = db.session.get(DiscussionThread, thread.id)
    assert thread.is_locked and thread.is_pinned
    path = f"/courses/discuss/thread/{thread.id}"
    html = c.get(path).get_data(as_text=True)
    assert "This thread is locked" in html
    response = c.post(path, data={"csrf_token": token(c), "submit_token": "x" * 20,
                                  "body": "Let me in", "action": "post"})
    # Locked while they wrote: refused, and their words are shown back to keep.
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This thread is locked" in html and "Let me in</textarea>" in html
    assert db.session.scalar(select(func.count(DiscussionPost.id))) == 1
    # The other group's tutor cannot touch it.
    o = login(other_tutor)
    assert o.post(f"/courses/discuss/thread/{thread.id}/moderate",
                  data={"csrf_token": token(o), "do": "unlock"}).status_code == 404


def test_reports_reach_the_moderators_queue(app, db, make_user, login, make_course):
    course, group, _o, tutor, other_tutor, learner, classmate, _out = (
        group_world(make_user, make_course, login)
    )
    make_thread(course, learner, posts=1, cohort=group)
    post = db.session.scalars(select(DiscussionPost)).one()
    c = login(classmate)
    path = f"/courses/discuss/post/{post.id}/report"
    assert c.post(path, data={"csrf_token": token(c), "reason": "Rude"}).status_code == 303
    assert c.post(path, data={"csrf_token": token(c), "reason": "Rude"}).status_code == 303
    assert db.session.scalar(select(func.count(DiscussionReport.id))) == 1
    # Nobody reports their own post.
    a = login(learner)
    assert a.post(path, data={"csrf_token": token(a), "reason": "Me"}).status_code == 403
    t = login(tutor)
    queue = t.get("/courses/discuss/reports").get_data(as_text=True)
    assert "Rude" in queue and "Post 1" in queue
    assert "Rude" not in login(other_tutor).get("/courses/discuss/reports").get_data(as_text=True)
    assert c.get("/courses/discuss/reports").status_code == 403
    admin = login(make_user(roles=("admin",)))
    assert "Rude" in admin.get("/courses/discuss/reports").get_data(as_text=True)
    report = db.session.scalars(select(DiscussionReport)).one()
    o = login(other_tutor)
    assert o.post(f"/courses/discuss/reports/{report.id}/resolve",
                  data={"csrf_token": token(o)}).status_code == 404
    t.post(f"/courses/discuss/reports/{report.id}/resolve", data={"csrf_token": token(t)})
    assert "No reports are waiting." in t.get("/courses/discuss/reports").get_data(as_text=True)


def test_closing_a_report_is_audited_like_the_other_moderation(
    app, db, make_user, login, make_course
):
    course, group, _o, tutor, _ot, learner, classmate, _out = (
        group_world(make_user, make_course, login)
    )
    make_thread(course, learner, posts=1, cohort=group)
    post = db.session.scalars(select(DiscussionPost)).one()
    c = login(classmate)
    c.post(f"/courses/discuss/post/{post.id}/report", data={"csrf_token": token(c),
                                                            "reason": "Rude"})
    report = db.session.scalars(select(DiscussionReport)).one()
    t = login(tutor)
    path = f"/courses/discuss/reports/{report.id}/resolve"
    # Closed, then "closed" again from a page opened before: one entry, for the one change.
    for _ in range(2):
        assert t.post(path, data={"csrf_token": token(t)}).status_code == 303
    db.session.expire_all()
    (entry,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "courses.discussion.report_resolved")
    ).all()
    assert (entry.subject_type, entry.subject_id) == ("discussion_post", str(post.id))
    assert entry.actor_id == tutor.id
    assert entry.data == {"report_id": report.id}
    assert db.session.get(DiscussionReport, report.id).resolved_by_id == tutor.id


def test_reports_on_a_moderators_own_post_are_for_the_other_moderators(
    app, db, make_user, login, make_course
):
    course, group, _o, tutor, _ot, learner, _c, _out = group_world(make_user, make_course, login)
    make_thread(course, tutor, cohort=group, title="The tutor's words")
    post = db.session.scalars(select(DiscussionPost)).one()
    c = login(learner)
    c.post(f"/courses/discuss/post/{post.id}/report",
           data={"csrf_token": token(c), "reason": "Rude tutor"})
    # Its author can neither hide it nor close the report: it is not in their queue, nor
    # is who reported them.
    assert "Rude tutor" not in login(tutor).get("/courses/discuss/reports").get_data(as_text=True)
    admin = login(make_user(roles=("admin",)))
    assert "Rude tutor" in admin.get("/courses/discuss/reports").get_data(as_text=True)


def test_a_deleted_or_hidden_post_is_not_reported_or_hidden_again(
    app, db, make_user, login, make_course
):
    course, group, _o, tutor, other_tutor, learner, classmate, _out = (
        group_world(make_user, make_course, login)
    )
    make_thread(course, learner, posts=2, cohort=group)
    first, second = db.session.scalars(select(DiscussionPost).order_by(DiscussionPost.number))
    t, c = login(tutor), login(classmate)
    hide_first = t.get(f"/courses/discuss/post/{first.id}/hide")  # the pages were open
    report_first = c.get(f"/courses/discuss/post/{first.id}/report")
    assert hide_first.status_code == report_first.status_code == 200
    a = login(learner)
    a.post(f"/courses/discuss/post/{first.id}/delete", data={"csrf_token": token(a)})
    response = c.post(f"/courses/discuss/post/{first.id}/report",
                      data={"csrf_token": token(c), "reason": "Rude"})
    assert response.status_code == 303
    assert "Its author deleted this post." in c.get(response.location).get_data(as_text=True)
    response = t.post(f"/courses/discuss/post/{first.id}/hide",
                      data={"csrf_token": token(t), "reason": "Rude"})
    assert "Its author deleted this post." in t.get(response.location).get_data(as_text=True)
    # Hidden by one moderator, then "hidden" by another from a page opened before.
    t.post(f"/courses/discuss/post/{second.id}/hide",
           data={"csrf_token": token(t), "reason": "Personal details"})
    admin = login(make_user(roles=("admin",)))
    response = admin.post(f"/courses/discuss/post/{second.id}/hide",
                          data={"csrf_token": token(admin), "reason": "Other words"})
    assert "This post is hidden already." in admin.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(DiscussionReport.id))) == 0
    assert db.session.get(DiscussionPost, first.id).hidden_dt is None
    assert db.session.get(DiscussionPost, second.id).hidden_reason == "Personal details"
    # The author was told once, of the one post hidden.
    told = db.session.scalars(select(Notification.subject).where(
        Notification.user_id == learner.id, Notification.kind == "courses.discussion_post_hidden"
    )).all()
    assert len(told) == 1


def test_posting_is_rate_limited_per_person(make_app, db, make_user, make_course, enrol):
    app = make_app({"RATELIMIT_ENABLED": True, "COURSES_DISCUSSION_POST_LIMIT": "2 per minute"})
    with app.app_context():
        from lms.testing import TEST_PASSWORD, csrf_token

        course = make_course()
        learner = make_user()
        enrol(learner, course)
        thread = make_thread(course, learner)
        client = app.test_client()
        client.post("/account/login", data={
            "email": learner.email, "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client, "/account/login"),
        })
        statuses = [reply(client, thread.id, body=f"Post {n}").status_code for n in range(3)]
        assert statuses == [303, 303, 429]
        # Previews do not count.
        assert reply(client, thread.id, action="preview").status_code == 200


def test_a_thread_of_500_posts_pages_at_50_in_constant_queries(
    app, db, make_user, login, make_course, enrol
):
    from .test_queries import count_queries

    course = make_course()
    learner = make_user()
    enrol(learner, course)
    small = make_thread(course, learner, posts=3, title="Small")
    large = make_thread(course, learner, posts=500, title="Large")
    client = login(learner)

    def count(path):
        client.get(path)
        with count_queries(db.engine) as counter:
            response = client.get(path)
            assert response.status_code == 200
        return counter["n"], response.get_data(as_text=True)

    n_small, _ = count(f"/courses/discuss/thread/{small.id}")
    n_large, html = count(f"/courses/discuss/thread/{large.id}")
    n_last, last = count(f"/courses/discuss/thread/{large.id}?page=10")
    assert n_small == n_large == n_last
    assert html.count('class="post"') == 50 and "Page 1 of 10" in html
    assert 'id="post-50"' in html and 'id="post-51"' not in html
    assert last.count('class="post"') == 50 and 'id="post-500"' in last
    assert client.get(f"/courses/discuss/thread/{large.id}?page=11").status_code == 404


def test_the_lesson_page_reads_nothing_of_its_discussions(app, db, make_user, login,
                                                          make_course, enrol):
    """"Discuss this lesson" is a link built without a query: threads cost the page nothing."""
    from .test_queries import count_queries

    course = make_course()
    learner = make_user()
    enrol(learner, course)
    client = login(learner)
    path = f"/courses/{course.slug}/learn/l1"

    def count():
        client.get(path)
        with count_queries(db.engine) as counter:
            assert client.get(path).status_code == 200
        return counter["n"], counter["statements"]

    before, _ = count()
    for n in range(30):
        thread = make_thread(course, learner, posts=3, title=f"T{n}")
        thread.item_id = course.items[0].id
    db.session.commit()
    after, statements = count()
    assert before == after
    assert not any("courses_discussion" in s for s in statements)
