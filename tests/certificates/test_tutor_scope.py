"""A tutor reaches their cohort's learners for the cohort's course only (issue 16).

The cohorts here are the courses plugin's own (no stand-in directory): the
learner is in the tutor's group for course X and has also completed course Y
on their own. Before the scope rule, the tutor saw, downloaded and could act on
the certificate for Y as well.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from certificates.models import Certificate
from lms.accounts.operations import revoke_role
from lms.db import db as _db
from lms.scope import tutor_scope
from lms.testing import csrf_token
from tests.courses.cohort_helpers import make_cohort, seat

TOKEN_PAGE = "/certificates/verify-file"


@pytest.fixture()
def world(app, make_user, make_course, complete):
    x = make_course("co-op-basics", title="Co-op Basics")
    y = make_course("co-op-finance", title="Co-op Finance")
    tutor = make_user(roles=("tutor",), name="Tess Tutor")
    learner = make_user(name="Lee Learner")
    cohort = make_cohort(x, name="Basics group", tutors=[tutor])
    seat(cohort, learner)
    cert_x = complete(learner, slug="co-op-basics", title="Co-op Basics")
    cert_y = complete(learner, slug="co-op-finance", title="Co-op Finance")
    return {"tutor": tutor, "learner": learner, "cohort": cohort, "x": x, "y": y,
            "cert_x": cert_x, "cert_y": cert_y}


def test_the_scope_is_the_cohorts_course_only(app, world):
    scope = tutor_scope(world["tutor"])
    learner = world["learner"].id
    assert scope.cohort_ids == {world["cohort"].id}
    assert scope.covers(learner, "co-op-basics")
    assert not scope.covers(learner, "co-op-finance")
    assert scope.learners_in("co-op-finance") == frozenset()
    found = _db.session.scalars(
        select(Certificate.code).where(scope.where(Certificate.user_id, Certificate.course_slug))
    ).all()
    assert found == [world["cert_x"].code]


def test_nobody_else_has_a_tutor_scope(app, world, make_user):
    assert not tutor_scope(world["learner"])
    assert not tutor_scope(make_user(roles=("admin",)))
    revoke_role(world["tutor"], "tutor")
    _db.session.commit()
    assert not tutor_scope(world["tutor"]), "without the tutor role the reach ends"


def test_a_tutor_lists_and_opens_only_the_cohorts_course_certificate(app, login, world):
    client = login(world["tutor"])
    listed = client.get("/certificates/manage").get_data(as_text=True)
    assert world["cert_x"].code in listed
    assert world["cert_y"].code not in listed
    listed = client.get("/certificates/manage?course=co-op-finance").get_data(as_text=True)
    assert world["cert_y"].code not in listed
    for code, status in ((world["cert_x"].code, 200), (world["cert_y"].code, 404)):
        assert client.get(f"/certificates/manage/{code}").status_code == status
        assert client.get(f"/certificates/{code}/certificate.pdf").status_code == status
        assert client.get(f"/certificates/{code}/credential.json").status_code == status


def _state(cert_id):
    _db.session.expire_all()
    cert = _db.session.get(Certificate, cert_id)
    return (cert.revoked_dt, cert.pdf_sha256, cert.learner_name,
            _db.session.scalar(select(func.count(Certificate.id))))


@pytest.mark.parametrize("action", ["revoke", "rerender", "correct"])
def test_a_tutor_cannot_act_on_the_other_courses_certificate(app, login, world, action):
    client = login(world["tutor"])
    cert = world["cert_y"]
    before = _state(cert.id)
    token = csrf_token(client, TOKEN_PAGE)
    fields = {
        "revoke": {"reason": "Academic misconduct"},
        "rerender": {},
        "correct": {"learner_name": "Lee Learner", "course_title": "FAILED",
                    "reason": "Because I can"},
    }[action]
    data = {f"{action}-csrf_token": token, **{f"{action}-{k}": v for k, v in fields.items()}}
    response = client.post(f"/certificates/manage/{cert.code}/{action}", data=data)
    # 404 (out of scope, as if absent), or 403 where tutors hold no amending right at all.
    assert response.status_code in (403, 404)
    assert _state(cert.id) == before


def test_bulk_actions_stay_in_the_cohorts_course(app, login, world):
    """What a bulk re-render may touch is cut by the same scope: nothing of course Y."""
    client = login(world["tutor"])
    # Bulk actions are the certificate officers' and admins' (tutors: 403); the query a
    # re-render starts from still keeps a tutor to the cohort's course.
    assert client.get("/certificates/manage/bulk").status_code == 403
    from certificates import bulk
    from certificates.permissions import visible_certificates

    tutor, learner = world["tutor"], [world["learner"].id]
    assert bulk.certificates_of("co-op-finance", learner,
                                among=visible_certificates(tutor)) == []
    assert bulk.certificates_of("co-op-basics", learner,
                                among=visible_certificates(tutor)) == [world["cert_x"].id]


def test_tutoring_both_courses_still_reaches_a_learner_only_through_their_own_group(
    app, login, world, make_user, complete
):
    """The tutor also runs a group for course Y, without this learner: still no reach to the
    learner's certificate for Y, while a learner of that group is reached for Y."""
    other = make_user(name="Yara Yonder")
    group_y = make_cohort(world["y"], name="Finance group", tutors=[world["tutor"]])
    seat(group_y, other)
    cert_other = complete(other, slug="co-op-finance", title="Co-op Finance")
    scope = tutor_scope(world["tutor"])
    assert scope.covers(other.id, "co-op-finance")
    assert not scope.covers(world["learner"].id, "co-op-finance")
    client = login(world["tutor"])
    assert client.get(f"/certificates/manage/{cert_other.code}").status_code == 200
    assert client.get(f"/certificates/manage/{world['cert_y'].code}").status_code == 404
    learner_y = f"/courses/cohorts/{group_y.id}/learners/{world['learner'].id}"
    assert client.get(learner_y).status_code == 404
