"""Names and Role Provisioning: a tutor fills their group from the platform's class list."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from courses.cohorts.models import CohortMember
from lms.audit import AuditEvent
from lms.db import db
from lms.lti import roster
from lms.lti.models import LtiAccount, LtiContext, LtiContextTeacher, LtiPlatform
from lms.testing import csrf_token
from tests.courses.cohort_helpers import make_cohort, seat

from .conftest import CLAIM, ISSUER

LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
# Mixed case on purpose: the next page's address must be followed exactly as given.
MEMBERS = f"{ISSUER}/Contexts/42/Memberships"
PAGE_2 = f"{MEMBERS}?page=2&Token=AbC"
NRPS_CLAIMS = {
    "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
        "context_memberships_url": MEMBERS, "service_versions": ["2.0"]},
    CLAIM + "context": {"id": "ctx-42", "title": "Co-operative Studies 101"},
}


def _member(sub, name, role="Learner", status="Active"):
    return {"user_id": sub, "name": name, "status": status, "roles": [LIS + role]}


class ClassList:
    """The platform's memberships endpoint: two pages, the first pointing at the second."""

    def __init__(self, adapter):
        self.pages = {
            MEMBERS: [_member("teacher-1", "Tess Teacher", "Instructor"),
                      _member("s-ann", "Ann Linked"), _member("s-bo", "Bo Already")],
            PAGE_2: [_member("s-cy", "Cy Never Launched"), _member("s-di", "Di Dropped",
                                                                  status="Inactive"),
                     _member("s-ed", "Ed Elsewhere")],
        }
        self.auth: list[str] = []
        self.expired = False
        for url in self.pages:
            adapter.routes[url] = self.answer

    def answer(self, request, response):
        self.auth.append(request.headers.get("Authorization", ""))
        if self.expired:
            response.status_code, response._content = 401, b'{"error": "invalid_token"}'
            return
        response.status_code = 200
        response.headers["Content-Type"] = \
            "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
        if request.url == MEMBERS:
            response.headers["Link"] = f'<{PAGE_2}>; rel="next"'
        response._content = json.dumps({
            "id": request.url, "context": {"id": "ctx-42"},
            "members": self.pages[request.url]}).encode()


@pytest.fixture()
def group(app, platform, make_course, make_user):
    """A course with two groups; the tutor of the first launched from the platform's course
    as its instructor; learners linked to the platform (or not)."""
    course = make_course()
    tutor = make_user(roles=("tutor",), name="Tess Teacher")
    cohort = make_cohort(course, tutors=[tutor])
    other = make_cohort(course, name="Autumn group")
    people = {key: make_user(name=key) for key in ("ann", "bo", "ed")}
    vle = db.session.scalar(select(LtiPlatform))
    for sub, user in (("teacher-1", tutor), ("s-ann", people["ann"]), ("s-bo", people["bo"]),
                      ("s-ed", people["ed"])):
        db.session.add(LtiAccount(platform_id=vle.id, subject=sub, user_id=user.id))
    db.session.commit()
    seat(cohort, people["bo"])
    seat(other, people["ed"])
    class_list = ClassList(platform.adapter)
    client = app.test_client()
    state, nonce = platform.login(client, "http://localhost/courses/co-op-basics")
    token = platform.id_token(nonce, sub="teacher-1", **{
        CLAIM + "roles": [LIS + "Instructor"], **NRPS_CLAIMS})
    launched = client.post("/lti/launch", data={"id_token": token, "state": state})
    assert launched.status_code == 303  # linked already: signed straight in
    return {"client": client, "cohort": cohort, "tutor": tutor, "people": people,
            "class_list": class_list, "course": course}


def _members(cohort):
    return set(db.session.scalars(
        select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))


def _link(client, cohort):
    path = f"/lti/groups/{cohort.id}"
    context = db.session.scalar(select(LtiContext))
    return client.post(path, data={"csrf_token": csrf_token(client, path),
                                   "context": context.id})


def test_the_launch_keeps_the_course_and_its_teacher(group):
    context = db.session.scalar(select(LtiContext))
    assert (context.context_id, context.title, context.memberships_url) == (
        "ctx-42", "Co-operative Studies 101", MEMBERS)
    assert db.session.scalar(select(LtiContextTeacher.user_id)) == group["tutor"].id


def test_preview_then_fill_adds_linked_learners_only(group, platform):
    client, cohort, people = group["client"], group["cohort"], group["people"]
    assert _link(client, cohort).status_code == 303
    before = _members(cohort)
    page = client.get(f"/lti/groups/{cohort.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # Both pages of the class list were read, with the platform's access token.
    assert group["class_list"].auth == ["Bearer platform-access-token"] * 2
    [asked] = platform.adapter.token_requests
    assert asked["scope"] == \
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
    assert "1 will be added" in html and "1 already in the group" in html
    assert "1 cannot be matched yet" in html and "1 cannot join" in html
    for name in ("Ann Linked", "Bo Already", "Cy Never Launched", "Ed Elsewhere"):
        assert name in html
    assert "Already in another group of this course." in html
    assert _members(cohort) == before  # the preview changed nothing

    token = csrf_token(client, f"/lti/groups/{cohort.id}")
    preview = roster.sign_preview(cohort.id, db.session.scalar(select(LtiContext.id)),
                                  ["s-ann"])
    done = client.post(f"/lti/groups/{cohort.id}/fill",
                       data={"csrf_token": token, "preview": preview})
    assert done.status_code == 303
    assert _members(cohort) == before | {people["ann"].id}
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"lms.lti.group_linked", "lms.lti.roster_filled",
            "courses.cohort.roster_seated", "courses.cohort.joined"} <= actions
    again = client.get(f"/lti/groups/{cohort.id}").get_data(as_text=True)
    assert "2 already in the group" in again and "Nobody to add now." in again


def test_the_fill_form_posts_the_previewed_people(group):
    client, cohort = group["client"], group["cohort"]
    _link(client, cohort)
    html = client.get(f"/lti/groups/{cohort.id}").get_data(as_text=True)
    import re

    preview = re.search(r'name="preview" type="hidden" value="([^"]+)"', html).group(1)
    context_id = db.session.scalar(select(LtiContext.id))
    assert roster.previewed(preview, cohort.id, context_id) == ["s-ann"]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post(f"/lti/groups/{cohort.id}/fill", data={"csrf_token": token, "preview": preview})
    assert group["people"]["ann"].id in _members(cohort)


def test_fill_needs_csrf_and_an_untampered_fresh_preview(group, monkeypatch):
    client, cohort = group["client"], group["cohort"]
    _link(client, cohort)
    before = _members(cohort)
    context_id = db.session.scalar(select(LtiContext.id))
    good = roster.sign_preview(cohort.id, context_id, ["s-ann"])
    path = f"/lti/groups/{cohort.id}/fill"
    assert client.post(path, data={"preview": good}).status_code == 400  # no CSRF token
    token = csrf_token(client, f"/lti/groups/{cohort.id}")
    tampered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    other_group = roster.sign_preview(cohort.id + 1, context_id, ["s-ann"])
    for preview in (tampered, other_group):
        refused = client.post(path, data={"csrf_token": token, "preview": preview})
        assert refused.status_code == 303
        assert "expired or was changed" in client.get(refused.location).get_data(as_text=True)
    monkeypatch.setattr(roster, "PREVIEW_SECONDS", -1)  # every preview is too old now
    client.post(path, data={"csrf_token": token, "preview": good})
    assert _members(cohort) == before


def test_a_platform_refusing_the_class_list_shows_why_and_changes_nothing(group):
    client, cohort = group["client"], group["cohort"]
    _link(client, cohort)
    group["class_list"].expired = True  # the platform no longer accepts the token
    page = client.get(f"/lti/groups/{cohort.id}")
    assert page.status_code == 502
    assert "did not give the class list" in page.get_data(as_text=True)


def test_only_the_groups_tutors_and_admins_reach_it(app, group, make_user, login):
    cohort = group["cohort"]
    outsider = login(make_user(roles=("tutor",)))
    assert outsider.get(f"/lti/groups/{cohort.id}").status_code == 404
    assert outsider.post(f"/lti/groups/{cohort.id}/fill", data={}).status_code in (400, 404)
    # A tutor of the group who never launched from the course as its teacher cannot link it.
    co_tutor = make_user(roles=("tutor",))
    from courses.cohorts.models import CohortTutor

    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=co_tutor.id))
    db.session.commit()
    client = login(co_tutor)
    path = f"/lti/groups/{cohort.id}"
    assert "Open the Centre once" in client.get(path).get_data(as_text=True)
    context_id = db.session.scalar(select(LtiContext.id))
    from lms.testing import csrf_token as token_of

    refused = client.post(path, data={"csrf_token": token_of(client, "/account/"),
                                      "context": context_id})
    assert refused.status_code == 400
    admin = login(make_user(roles=("admin",)))
    assert "Co-operative Studies 101" in admin.get(path).get_data(as_text=True)
