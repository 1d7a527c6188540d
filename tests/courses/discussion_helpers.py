"""Builders for the discussion tests."""

from __future__ import annotations

import re

from courses.discussions.models import DiscussionPost, DiscussionThread
from lms.db import db, utcnow

from .cohort_helpers import make_cohort, seat


def page_token(client, path: str) -> tuple[str, str]:
    """The CSRF token and submit token of the posting form on ``path``."""
    html = client.get(path).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    submit = re.search(r'name="submit_token" type="hidden" value="([^"]+)"', html)
    assert csrf and submit, f"no posting form on {path}"
    return csrf.group(1), submit.group(1)


def start_thread(client, slug, space="all", title="A question", body="Why *this*?",
                 lesson=""):
    path = f"/courses/discuss/course/{slug}/space/{space}"
    csrf, submit = page_token(client, path + (f"?lesson={lesson}" if lesson else ""))
    return client.post(path, data={
        "csrf_token": csrf, "submit_token": submit, "title": title, "body": body,
        "lesson": lesson, "action": "post",
    })


def reply(client, thread_id, body="An answer.", action="post"):
    path = f"/courses/discuss/thread/{thread_id}"
    csrf, submit = page_token(client, path)
    return client.post(path, data={
        "csrf_token": csrf, "submit_token": submit, "body": body, "action": action,
    })


def make_thread(course, author, posts=1, cohort=None, title="Seeded"):
    """A thread with ``posts`` posts, straight in the database."""
    now = utcnow()
    thread = DiscussionThread(
        course_id=course.id, cohort_id=cohort.id if cohort else None, author_id=author.id,
        title=title, created_dt=now, last_post_dt=now, post_count=posts,
    )
    db.session.add(thread)
    db.session.flush()
    db.session.add_all(
        DiscussionPost(thread_id=thread.id, number=n, author_id=author.id,
                       body_md=f"Post {n}", body_html=f"<p>Post {n}</p>", created_dt=now)
        for n in range(1, posts + 1)
    )
    db.session.commit()
    return thread


def group_world(make_user, make_course, login):
    """A course with two groups, each with its tutor: two learners in one, one in the other."""
    course = make_course()
    tutor, other_tutor = make_user(roles=("tutor",)), make_user(roles=("tutor",))
    learner, classmate, outsider = make_user(), make_user(), make_user()
    group = make_cohort(course, tutors=[tutor])
    other_group = make_cohort(course, name="Autumn group", tutors=[other_tutor])
    seat(group, learner)
    seat(group, classmate)
    seat(other_group, outsider)
    return course, group, other_group, tutor, other_tutor, learner, classmate, outsider
