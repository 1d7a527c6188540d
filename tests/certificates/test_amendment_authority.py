"""Who may amend a certificate: certificate officers and admins, never on their own.

Each test stands for a failure found by a tester acting as an insider (issue 16):
a tutor "corrected" their own certificate into "Master of Co-operative Law
(Distinction)" and the verify page called it valid; a tutor revoked and
"corrected" a learner's certificate to "FAILED - academic misconduct".
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from certificates import operations
from certificates.design import stored
from certificates.jobs import BULK_ISSUE, RERENDER
from certificates.models import Certificate
from lms.accounts.models import User
from lms.db import db as _db
from lms.jobs import FAILED, Job, enqueue
from lms.testing import csrf_token
from tests.certificates.conftest import snapshot

FORGED_TITLE = "Master of Co-operative Law (Distinction)"


def _state(cert_id: int):
    """Everything an amendment could change, and how many certificates there are."""
    _db.session.expire_all()
    cert = _db.session.get(Certificate, cert_id)
    return (cert.learner_name, cert.course_title, cert.revoked_dt, cert.replaced_by_id,
            cert.pdf_sha256, cert.pdf_rendered_dt, cert.credential_json,
            _db.session.scalar(select(func.count(Certificate.id))))


def _amend(client, cert, action: str, **fields):
    page = f"/certificates/manage/{cert.code}"
    token = csrf_token(client, "/certificates/verify-file")
    data = {f"{action}-csrf_token": token, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"{page}/{action}", data=data)


ATTEMPTS = {
    "correct": {"learner_name": "Tutor Person", "course_title": FORGED_TITLE,
                "reason": "Name misspelt"},
    "revoke": {"reason": "Issued by mistake"},
    "rerender": {},
}


@pytest.mark.parametrize("action", ATTEMPTS)
def test_a_tutor_cannot_forge_their_own_certificate(app, make_user, login, complete, tutors,
                                                    action):
    tutor = make_user(name="Tutor Person", roles=("learner", "tutor"))
    cert = complete(tutor)
    tutors(tutor, tutor)  # even a tutor of a cohort they are in themselves
    before = _state(cert.id)
    response = _amend(login(tutor), cert, action, **ATTEMPTS[action])
    assert response.status_code == 403
    assert _state(cert.id) == before
    page = app.test_client().get(f"/certificates/verify/{cert.code}").get_data(as_text=True)
    assert "Valid" in page and "Co-op Basics" in page and FORGED_TITLE not in page


@pytest.mark.parametrize("action", ATTEMPTS)
def test_a_tutor_cannot_amend_their_learners_certificate(app, make_user, login, complete,
                                                         tutors, action):
    learner = make_user(name="Cohort Learner")
    cert = complete(learner)
    tutor = make_user(roles=("tutor",))
    tutors(tutor, learner)
    client = login(tutor)
    fields = dict(ATTEMPTS[action])
    if action == "correct":
        fields["learner_name"] = "FAILED - academic misconduct"
    before = _state(cert.id)
    assert _amend(client, cert, action, **fields).status_code == 403
    assert _state(cert.id) == before
    # The tutor sees the certificate, with no form to amend it.
    html = client.get(f"/certificates/manage/{cert.code}").get_data(as_text=True)
    assert "Cohort Learner" in html and "/correct" not in html and "/revoke" not in html


@pytest.mark.parametrize("role", ["certificate_officer", "admin"])
@pytest.mark.parametrize("action", ATTEMPTS)
def test_nobody_amends_their_own_certificate(app, make_user, login, complete, role, action):
    holder = make_user(name="Officer Person", roles=("learner", role))
    cert = complete(holder)
    client = login(holder)
    html = client.get(f"/certificates/manage/{cert.code}").get_data(as_text=True)
    assert "This certificate is your own" in html and "/correct" not in html
    before = _state(cert.id)
    fields = dict(ATTEMPTS[action], learner_name="Officer Persona")
    response = _amend(client, cert, action, **fields)
    assert response.status_code == 403
    assert "This certificate is your own" in response.get_data(as_text=True)
    assert _state(cert.id) == before


def test_the_operations_refuse_the_holder_as_actor(app, make_user, complete):
    """Every path (views, jobs, CLI) goes through the operations, which refuse too."""
    holder = make_user(roles=("learner", "certificate_officer"))
    cert = complete(holder)
    before = _state(cert.id)
    for attempt in (
        lambda: operations.correct(cert, learner_name="New Name", reason="x",
                                   actor_id=holder.id),
        lambda: operations.revoke(cert, "x", holder.id),
        lambda: operations.rerender(cert, actor_id=holder.id),
    ):
        with pytest.raises(operations.CertificateError, match="your own"):
            attempt()
        _db.session.rollback()
    assert _state(cert.id) == before
    other = make_user(roles=("learner", "certificate_officer"))
    with pytest.raises(operations.CertificateError, match="your own"):
        operations.issue(snapshot(other, slug="other-course"), actor_id=other.id)
    _db.session.rollback()
    assert _db.session.scalar(
        select(func.count()).where(Certificate.user_id == other.id)) == 0


def test_a_correction_changes_only_the_holders_name(app, make_user, login, complete):
    learner = make_user(name="Ada Lovelase")
    cert = complete(learner)
    first = _state(cert.id)
    officer = login(make_user(roles=("certificate_officer",)))
    # A course title in the form is not read: there is no such field any more.
    response = _amend(officer, cert, "correct", learner_name="  Ada   Lovelace ",
                      course_title=FORGED_TITLE, reason="Name misspelt")
    assert response.status_code == 302
    _db.session.expire_all()
    old = _db.session.get(Certificate, cert.id)
    new = _db.session.get(Certificate, old.replaced_by_id)
    assert new.learner_name == "Ada Lovelace" and new.revision == 2
    for attr in ("course_title", "course_slug", "course_version", "outcomes", "estimated_hours",
                 "final_score", "completed_dt", "valid_until", "learner_email", "user_id"):
        assert getattr(new, attr) == getattr(old, attr), attr
    assert json.loads(new.credential_json)["credentialSubject"]["achievement"]["name"] == (
        "Co-op Basics")
    assert first[1] == "Co-op Basics"
    # A certificate already changed by the old "correct" (course title typed): the next
    # correction takes what was earned from the first issue, not from it.
    new.course_title = FORGED_TITLE
    new.outcomes = ["Nothing"]
    _db.session.commit()
    assert _amend(officer, new, "correct", learner_name="Ada King",
                  reason="Married name").status_code == 302
    _db.session.expire_all()
    third = _db.session.scalars(select(Certificate).where(Certificate.revision == 3)).one()
    assert third.learner_name == "Ada King" and third.course_title == "Co-op Basics"
    assert third.outcomes == ["Run a meeting", "Read accounts"]


@pytest.mark.parametrize("fields, message", [
    ({"learner_name": "New Name", "reason": ""}, "This field is required."),
    ({"learner_name": "", "reason": "Misspelt"}, "This field is required."),
    ({"learner_name": "Owner Person", "reason": "Misspelt"}, "nothing to correct"),
])
def test_a_correction_needs_a_new_name_and_a_reason(app, make_user, login, complete,
                                                    fields, message):
    cert = complete(make_user(name="Owner Person"))
    before = _state(cert.id)
    response = _amend(login(make_user(roles=("certificate_officer",))), cert, "correct",
                      **fields)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _state(cert.id) == before


@pytest.mark.parametrize("name", [
    "Demo\u202e Learner",  # RIGHT-TO-LEFT OVERRIDE: the page would show "Demo renraeL"
    "\u202bDemo Learner\u202c",  # embedding and its pop
    "Demo \u2067Learner\u2069",  # isolate
])
def test_a_correction_refuses_text_direction_controls(app, make_user, login, complete, name):
    cert = complete(make_user(name="Owner Person"))
    before = _state(cert.id)
    response = _amend(login(make_user(roles=("certificate_officer",))), cert, "correct",
                      learner_name=name, reason="Misspelt")
    assert response.status_code == 400
    assert "Remove the invisible text-direction characters" in response.get_data(as_text=True)
    assert _state(cert.id) == before


@pytest.mark.parametrize("name", ["مریم خان", "אדה לאבלייס", "Ada \u200fמרים"])
def test_a_correction_accepts_right_to_left_names(app, make_user, login, complete, name):
    cert = complete(make_user(name="Owner Person"))
    response = _amend(login(make_user(roles=("certificate_officer",))), cert, "correct",
                      learner_name=name, reason="Written in her own script")
    assert response.status_code == 302
    _db.session.expire_all()
    old = _db.session.get(Certificate, cert.id)
    assert _db.session.get(Certificate, old.replaced_by_id).learner_name == name


def test_the_public_history_shows_every_amendment_without_reasons(app, make_user, login,
                                                                  complete):
    cert = complete(make_user(name="Ada Lovelase"))
    officer = login(make_user(roles=("certificate_officer",)))
    assert _amend(officer, cert, "rerender").status_code == 302
    assert _amend(officer, cert, "correct", learner_name="Ada Lovelace",
                  reason="Secret private reason").status_code == 302
    _db.session.expire_all()
    old = _db.session.get(Certificate, cert.id)
    new = _db.session.get(Certificate, old.replaced_by_id)
    public = app.test_client()
    old_page = public.get(f"/certificates/verify/{old.code}").get_data(as_text=True)
    assert "Replaced on" in old_page and "PDF re-rendered on" in old_page
    assert f'href="/certificates/verify/{new.code}"' in old_page
    new_page = public.get(f"/certificates/verify/{new.code}").get_data(as_text=True)
    assert "Reissued on" in new_page and f'href="/certificates/verify/{old.code}"' in new_page
    assert "Valid" in new_page and "Ada Lovelace" in new_page
    data = public.get(f"/certificates/verify/{old.code}",
                      headers={"Accept": "application/json"}).get_json()
    assert [e["event"] for e in data["history"]] == ["issued", "rerendered", "replaced"]
    assert data["replaced_by"].endswith(new.code)
    for text in (old_page, new_page, json.dumps(data)):
        assert "Secret private reason" not in text


def test_an_admin_grants_the_certificate_officer_role(app, make_user, login, complete):
    admin = login(make_user(roles=("admin",)))
    person = make_user(name="New Officer")
    page = f"/admin/users/{person.id}"
    assert "Certificate officer" in admin.get(page).get_data(as_text=True)
    response = admin.post(page, data={"csrf_token": csrf_token(admin, page),
                                      "role": "certificate_officer", "action": "grant"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(User, person.id).has_role("certificate_officer")
    officer = login(person)
    assert officer.get("/certificates/manage/bulk").status_code == 200
    cert = complete(make_user())
    assert _amend(officer, cert, "revoke", reason="Issued by mistake").status_code == 302


def _run(name: str, **args) -> Job:
    job = enqueue(name, **args)
    _db.session.commit()  # LMS_JOBS_IMMEDIATE in the tests: it runs now
    _db.session.expire_all()
    return _db.session.get(Job, job.id)


def test_a_bulk_job_rechecks_its_actor_when_it_runs(app, make_user, complete):
    """A job queued by someone who no longer holds the bulk permission (a tutor's, queued
    before this change, or an officer's whose role was taken away) changes nothing."""
    cert = complete(make_user())
    before = _state(cert.id)
    tutor = make_user(roles=("tutor",))
    job = _run(RERENDER, certificate_ids=[cert.id], actor_id=tutor.id, what="co-op-basics")
    assert job.state == FAILED and "no longer act on certificates" in job.last_error
    assert _state(cert.id) == before
    job = _run(BULK_ISSUE, course_slug="co-op-basics", learner_ids=None, actor_id=tutor.id,
               what="co-op-basics")
    assert job.state == FAILED and "nothing was changed" in job.last_error


def test_a_bulk_rerender_job_skips_its_actors_own_certificate(app, make_user, complete):
    officer = make_user(roles=("learner", "certificate_officer"))
    own, other = complete(officer), complete(make_user())
    own_before, other_before = _state(own.id), _state(other.id)
    job = _run(RERENDER, certificate_ids=[own.id, other.id], actor_id=officer.id,
               what="co-op-basics")
    assert job.state == "done" and "1 PDF re-rendered" in job.message
    assert _state(own.id) == own_before
    assert _state(other.id)[5] != other_before[5]


@pytest.mark.parametrize("html, missing", [
    ("<h1>{{ learner_name }}</h1><p>" + FORGED_TITLE + "</p>", "{{ course_title }}"),
    ("<h1>Someone else</h1><p>{{ course_title }}</p>", "{{ learner_name }}"),
])
def test_a_course_template_cannot_type_the_title_or_the_name(app, make_user, login, html,
                                                             missing):
    """The template editor was a path to print a typed course title on every certificate
    of a course; a template must show both from the variables."""
    admin = login(make_user(roles=("admin",)))
    page = "/certificates/manage/templates/co-op-basics"
    response = admin.post(page, data={"csrf_token": csrf_token(admin, page), "html": html,
                                      "css": "", "action": "save"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "The page must show" in text and missing in text
    assert stored("co-op-basics") is None
