"""Every assignment route for everyone who might ask it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from courses.assignments.models import Submission, SubmissionFile
from lms.testing import csrf_token

from .assignment_helpers import PDF, add_assignment, answer, attach
from .cohort_helpers import make_cohort, seat
from .conftest import token

ROLES = ("anonymous", "learner", "not enrolled", "other group", "tutor", "other tutor",
         "admin")


@pytest.fixture()
def world(app, db, make_user, login, make_course):
    course = make_course(quiz=False)
    item = add_assignment(course)
    tutor, other_tutor = make_user(roles=("tutor",)), make_user(roles=("tutor",))
    learner, other = make_user(), make_user()
    group = make_cohort(course, tutors=[tutor])
    other_group = make_cohort(course, name="Autumn group", tutors=[other_tutor])
    seat(group, learner)
    seat(other_group, other)
    people = {"learner": learner, "not enrolled": make_user(), "other group": other,
              "tutor": tutor, "other tutor": other_tutor, "admin": make_user(roles=("admin",))}
    clients = {"anonymous": app.test_client()}
    clients.update({role: login(user) for role, user in people.items()})
    attach(clients["learner"], course.slug, item.key, PDF)
    answer(clients["learner"], course.slug, item.key, "Mine", action="submit")
    args = {"slug": course.slug, "key": item.key,
            "file_id": db.session.scalar(select(SubmissionFile.id)),
            "submission_id": db.session.scalar(select(Submission.id))}
    return clients, args


def _routes(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("courses_assign.")]


def test_there_are_assignment_routes_to_check(app):
    assert len(_routes(app)) == 6


LEARNERS = {"learner", "not enrolled", "other group"}
MARKERS = {"tutor", "admin"}


def _expected(role: str, endpoint: str, method: str) -> set[int]:
    name = endpoint.split(".")[1]
    if role == "anonymous":
        return {302}
    if name in ("answer", "upload"):
        # Learners act on their own work only; others are sent to the course page to join
        # it first (302). The learner's submitted work takes no change (409); "other
        # group" saves an empty draft of their own (303); attaching no file is refused (400).
        if role not in ("learner", "other group"):
            return {302}
        if name == "upload":
            return {400}
        return {409} if role == "learner" else {303}
    if name == "remove":
        return {409} if role == "learner" else {404}  # a sent file stays (the message says)
    if name == "download":
        return {200} if role in ({"learner"} | MARKERS) else {404}
    if name == "queue":
        return {403} if role in LEARNERS else {200}
    if name == "mark":
        if role not in MARKERS:
            return {404}
        return {200} if method == "GET" else {400}
    raise AssertionError(f"no expectation for {endpoint}")


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
    assert checked == 7
    # Nothing anyone did here changed the learner's submission.
    db.session.expire_all()
    submission = db.session.get(Submission, args["submission_id"])
    assert (submission.state, submission.version_count) == ("submitted", 1)
