"""Every courses route, for anonymous visitors, learners, tutors and admins."""

from __future__ import annotations

import pytest

from courses.models import Item, Module, QuizAttempt
from lms.testing import csrf_token

from .conftest import token

PUBLIC = {"courses.catalogue", "courses.course_page", "courses.changes"}
#: Authoring POSTs that a bare CSRF token does not make a change to the (live) course: an
#: invalid form, a new course, a revision. Every other one is refused with 403 while
#: governance is loaded: a live course changes by decision.
NOT_A_CHANGE = {
    "courses_author.new_course",
    "courses_author.edit_course",
    "courses_author.prepare_revision",
}
#: Authoring routes for editing a whole course in the browser; the matrix must reach each.
AUTHORING_EDITS = {
    "courses_author.edit_module",
    "courses_author.delete_module",
    "courses_author.move_item",
    "courses_author.delete_item",
    "courses_author.move_question",
    "courses_author.delete_question",
    "courses_author.edit_course",
}
#: Routes that may remove rows the other routes' URLs point at: they run last.
DESTRUCTIVE = {
    "courses_author.delete_item",
    "courses_author.delete_module",
    "courses_author.delete_question",
}


@pytest.fixture()
def world(app, db, make_user, login, make_course, enrol):
    course = make_course()
    quiz = next(i for i in course.items if i.key == "final")
    lesson = next(i for i in course.items if i.key == "l1")
    people = {
        "learner": make_user(),
        "tutor": make_user(roles=("learner", "tutor")),
        "admin": make_user(roles=("learner", "admin")),
    }
    clients = {"anonymous": app.test_client()}
    for role, user in people.items():
        e = enrol(user, course)
        db.session.add(
            QuizAttempt(
                enrolment_id=e.id, item_id=quiz.id, attempt_no=1, score=0, passed=False, answers={}
            )
        )
        clients[role] = login(user)
    db.session.commit()
    args = {
        "slug": course.slug,
        "number": 1,
        "module_id": course.modules[0].id,
        "kind": "lesson",
        "question_id": quiz.questions[0].id,
    }
    return course, lesson, quiz, clients, args


def _routes(app):
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        # Static files (the plugin's stylesheet) are the one policy-free endpoint.
        if rule.endpoint.split(".")[0] in ("courses", "courses_author")
        and not rule.endpoint.endswith(".static")
    ]
    return sorted(rules, key=lambda rule: rule.endpoint in DESTRUCTIVE)


def _url(rule, lesson, quiz, args):
    values = dict(args)
    if "key" in rule.arguments:
        values["key"] = (
            quiz.key if rule.endpoint in ("courses.submit", "courses.attempt") else lesson.key
        )
    if "item_id" in rule.arguments:
        values["item_id"] = quiz.id if "question" in rule.endpoint else lesson.id
    return rule.build(values, append_unknown=False)[1]


def test_every_view_declares_one_policy(app):
    for rule in _routes(app):
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "lms_policy"), rule.endpoint


@pytest.mark.parametrize("role", ["anonymous", "learner", "tutor", "admin"])
def test_access_matrix(app, db, world, role):
    _course, lesson, quiz, clients, args = world
    client = clients[role]
    csrf = csrf_token(client, "/account/login") if role == "anonymous" else token(client)
    seen = 0
    endpoints = set()
    for rule in _routes(app):
        url = _url(rule, lesson, quiz, args)
        endpoints.add(rule.endpoint)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            seen += 1
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf})
            code = response.status_code
            where = f"{role} {method} {url} -> {code}"
            if rule.endpoint in PUBLIC:
                assert code == 200, where
            elif role == "anonymous":
                assert code == 302 and "/account/login" in response.location, where
            elif rule.endpoint.startswith("courses_author.") and role == "learner":
                assert code == 403, where
            elif rule.endpoint == "courses.resume":
                assert code == 302 and "/learn/" in response.location, where
            elif rule.endpoint == "courses.completed":
                # Not finished: the completion page sends the learner to the course page.
                assert code == 302 and response.location.endswith(f"/courses/{args['slug']}"), where
            elif method == "GET":
                assert code == 200, where
            elif rule.endpoint == "courses_author.publish_revision":
                assert code == 404, where  # the live course is not a revision
            elif rule.endpoint.startswith("courses_author.") and (
                rule.endpoint not in NOT_A_CHANGE
            ):
                assert code == 403, where  # a live course changes by decision
            else:
                assert code in (200, 302, 303, 400), where
    assert seen >= 30
    assert not AUTHORING_EDITS - endpoints, AUTHORING_EDITS - endpoints
    # A bare POST (CSRF token only) never deletes a lesson or a module with content: the
    # lesson needs the confirmation page's button, and a module must be empty.
    db.session.expire_all()
    assert db.session.get(Item, lesson.id) is not None
    assert db.session.get(Module, args["module_id"]) is not None
    assert client.get("/courses/static/courses/courses.css").status_code == 200
