"""Cohort isolation: every cohort route for everyone who might ask."""

from __future__ import annotations

import datetime as dt

import pytest

from courses.cohorts.models import CohortInvitation, CohortUpload
from lms.accounts.operations import revoke_role
from lms.db import utcnow
from lms.testing import csrf_token

from .cohort_helpers import make_cohort, seat
from .conftest import token

ROLES = ("anonymous", "learner", "tutor", "other tutor", "admin")
#: Admin-only: creating cohorts, changing them, assigning tutors.
MANAGE = {
    "courses_cohorts.new",
    "courses_cohorts.edit",
    "courses_cohorts.add_tutor",
    "courses_cohorts.remove_tutor",
}
#: Any signed-in learner: joining with a key.
LEARNER = {"courses_cohorts.join"}
#: The invitee's own: their invitations (any signed-in person), one invitation and its answers
#: (the person invited only; 404 for everyone else, tutors and admins included).
INVITEE = {
    "courses_cohorts.invitations",
    "courses_cohorts.invitation",
    "courses_cohorts.accept_invitation",
    "courses_cohorts.decline_invitation",
}
#: Routes not about one cohort.
NOT_ONE_COHORT = {"courses_cohorts.index", "courses_cohorts.new", "courses_cohorts.join"}


@pytest.fixture()
def world(app, db, make_user, login, make_course):
    course = make_course()
    tutor, other = make_user(roles=("tutor",)), make_user(roles=("tutor",))
    learner = make_user()
    cohort = make_cohort(course, tutors=[tutor], key="join-me-123")
    make_cohort(course, name="Autumn group", tutors=[other])
    seat(cohort, learner)
    upload = CohortUpload(cohort_id=cohort.id, rows=[], filename="x.csv")
    db.session.add(upload)
    invitee = make_user()
    invitation = CohortInvitation(cohort_id=cohort.id, user_id=invitee.id,
                                  invited_dt=utcnow(), expires_dt=utcnow() + dt.timedelta(days=3))
    db.session.add(invitation)
    db.session.commit()
    people = {
        "learner": invitee,
        "tutor": tutor,
        "other tutor": other,
        "admin": make_user(roles=("admin",)),
    }
    clients = {"anonymous": app.test_client()}
    clients.update({role: login(user) for role, user in people.items()})
    args = {"cohort_id": cohort.id, "user_id": learner.id, "upload_id": upload.id,
            "slug": course.slug, "invitation_id": invitation.id}
    return cohort, clients, args, people


def _routes(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("courses_cohorts.")]


def test_there_are_cohort_routes_to_check(app):
    assert len(_routes(app)) >= 14


def _expected(role: str, endpoint: str, method: str) -> set[int]:
    if role == "anonymous":
        return {302}
    if endpoint in LEARNER:
        # Sent without a key: the course page again, saying so by the field.
        return {400}
    if endpoint in INVITEE:
        if endpoint == "courses_cohorts.invitations":
            return {200}
        if role != "learner":  # the learner is the one invited
            return {404}
        return {200} if method == "GET" else {303}
    if role == "learner":
        return {403}
    if endpoint in MANAGE and role != "admin":
        return {403}
    if role == "other tutor" and endpoint not in NOT_ONE_COHORT:
        return {404}
    if method == "GET":
        return {200}
    return {200, 303, 400, 422}


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, db, world, role):
    cohort, clients, args, _people = world
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
    assert checked >= 16


def test_a_tutor_lists_only_their_own_cohorts(app, db, world):
    cohort, clients, _args, _people = world
    mine = clients["tutor"].get("/courses/cohorts/").get_data(as_text=True)
    theirs = clients["other tutor"].get("/courses/cohorts/").get_data(as_text=True)
    everything = clients["admin"].get("/courses/cohorts/").get_data(as_text=True)
    assert "Spring group" in mine and "Autumn group" not in mine
    assert "Autumn group" in theirs and "Spring group" not in theirs
    assert "Spring group" in everything and "Autumn group" in everything


def test_losing_the_tutor_role_takes_effect_on_the_next_request(app, db, world):
    cohort, clients, args, people = world
    url = f"/courses/cohorts/{cohort.id}/progress"
    assert clients["tutor"].get(url).status_code == 200
    revoke_role(people["tutor"], "tutor")
    db.session.commit()
    assert clients["tutor"].get(url).status_code == 403
    assert clients["tutor"].get(f"/courses/cohorts/{cohort.id}/progress.csv").status_code == 403


def test_unassigning_a_tutor_takes_effect_on_the_next_request(app, db, world):
    cohort, clients, args, people = world
    url = f"/courses/cohorts/{cohort.id}/learners/{args['user_id']}"
    assert clients["tutor"].get(url).status_code == 200
    admin = clients["admin"]
    remove = f"/courses/cohorts/{cohort.id}/tutors/{people['tutor'].id}/remove"
    assert admin.post(remove, data={"csrf_token": token(admin)}).status_code == 303
    assert clients["tutor"].get(url).status_code == 404


def test_a_learner_of_another_cohort_is_not_a_learner_of_this_one(app, db, world, make_user):
    cohort, clients, args, _people = world
    stranger = make_user()
    url = f"/courses/cohorts/{cohort.id}/learners/{stranger.id}"
    assert clients["tutor"].get(url).status_code == 404
    assert clients["admin"].get(url).status_code == 404
