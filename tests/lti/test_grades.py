"""Assignment and Grade Services: completing the course sends the grade to the platform."""

from __future__ import annotations

import jwt
from sqlalchemy import select, update

from lms.db import db, utcnow
from lms.jobs import Job, run_job
from tests.courses.conftest import quiz_form, token

from .conftest import CLIENT_ID, ISSUER
from .test_launch import _consent

AGS = {
    "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
        "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                  "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        "lineitem": f"{ISSUER}/lineitems/7",
        "lineitems": f"{ISSUER}/lineitems",
    }
}


def _launch_and_finish(client, platform, course):
    state, nonce = platform.login(client, "http://localhost/courses/co-op-basics")
    token_ = platform.id_token(nonce, sub="student-9", **AGS)
    assert client.post("/lti/launch", data={"id_token": token_, "state": state}).status_code \
        == 303
    _consent(client)
    csrf = token(client)
    client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": csrf})
    for key in ("l1", "l2", "l3"):
        client.post(f"/courses/{course.slug}/learn/{key}/complete", data={"csrf_token": csrf})
    quiz = next(i for i in course.items if i.key == "final")
    done = client.post(f"/courses/{course.slug}/learn/final/submit",
                       data={"csrf_token": csrf, **quiz_form(quiz)})
    assert done.status_code == 303


def test_completion_sends_the_grade_to_the_platform(client, platform, make_course):
    course = make_course()
    _launch_and_finish(client, platform, course)
    [score] = platform.adapter.scores
    assert score["userId"] == "student-9"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (100.0, 100)
    assert score["activityProgress"] == "Completed"
    assert score["gradingProgress"] == "FullyGraded"
    # The service token was asked for with a client assertion signed by the tool's key.
    [asked] = platform.adapter.token_requests
    assert asked["grant_type"] == "client_credentials"
    keys = client.get("/lti/jwks.json").get_json()
    public = jwt.algorithms.RSAAlgorithm.from_jwk(keys["keys"][0])
    claims = jwt.decode(asked["client_assertion"], public, algorithms=["RS256"],
                        audience=f"{ISSUER}/token")
    assert claims["iss"] == claims["sub"] == CLIENT_ID


def test_the_platform_down_changes_nothing_and_the_grade_follows(client, platform, make_course):
    course = make_course()
    platform.adapter.down = True
    _launch_and_finish(client, platform, course)  # the learner's pages answer as usual
    [job] = db.session.scalars(select(Job).where(Job.name == "lms.lti.send_score")).all()
    assert job.state == "queued" and job.last_error
    platform.adapter.down = False
    db.session.execute(update(Job).where(Job.id == job.id).values(run_after_dt=utcnow()))
    db.session.commit()
    assert run_job(job.id) == "done"
    assert [s["userId"] for s in platform.adapter.scores] == ["student-9"]
