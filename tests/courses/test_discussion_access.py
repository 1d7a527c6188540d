"""Every discussion route for everyone who might ask it."""

from __future__ import annotations

import pytest

from courses.discussions.models import DiscussionPost, DiscussionReport
from lms.testing import csrf_token

from .conftest import token
from .discussion_helpers import group_world, make_thread

ROLES = ("anonymous", "learner", "not enrolled", "other group", "tutor", "other tutor",
         "admin")
IN_SPACE = {"learner", "tutor", "admin"}
MODERATORS = {"tutor", "admin"}


@pytest.fixture()
def world(app, db, make_user, login, make_course):
    course, group, other_group, tutor, other_tutor, author, learner, other = group_world(
        make_user, make_course, login)
    thread = make_thread(course, author, posts=1, cohort=group)
    post = db.session.query(DiscussionPost).one()
    report = DiscussionReport(post_id=post.id, reporter_id=learner.id, reason="Check")
    db.session.add(report)
    db.session.commit()
    people = {"learner": learner, "not enrolled": make_user(), "other group": other,
              "tutor": tutor, "other tutor": other_tutor, "admin": make_user(roles=("admin",))}
    clients = {"anonymous": app.test_client()}
    clients.update({role: login(user) for role, user in people.items()})
    args = {"slug": course.slug, "space": str(group.id), "thread_id": thread.id,
            "post_id": post.id, "report_id": report.id}
    return clients, args


def _routes(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("courses_discuss.")]


def test_there_are_discussion_routes_to_check(app):
    assert len(_routes(app)) == 13


def _expected(role: str, endpoint: str, method: str) -> set[int]:
    name = endpoint.split(".")[1]
    if role == "anonymous":
        return {302}
    if name == "course_spaces":
        return {404} if role == "not enrolled" else {200, 302}
    if name in ("reports", "resolve"):
        if role in ("learner", "not enrolled", "other group"):
            return {403}
        if name == "reports":
            return {200}
        return {404} if role == "other tutor" else {303}
    if role not in IN_SPACE:
        return {404}
    if name in ("edit", "delete"):  # the post is someone else's
        return {403}
    if name in ("hide", "moderate_thread") and role not in MODERATORS:
        return {403}
    if method == "GET":
        return {200}
    if name == "follow":
        return {303}
    return {400}  # a form without its fields: refused, nothing changed


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, db, world, role):
    clients, args = world
    client = clients[role]
    csrf = csrf_token(client, "/account/login") if role == "anonymous" else token(client)
    checked = 0
    for rule in _routes(app):
        url = rule.build(args, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf})
            where = f"{role} {method} {url} -> {response.status_code}"
            assert response.status_code in _expected(role, rule.endpoint, method), where
            if role == "anonymous":
                assert "/account/login" in response.location, where
            checked += 1
    assert checked == 16
