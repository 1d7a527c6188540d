"""Every certificates management route, for everyone who may or may not use it.

A tutor sees the certificates of the learners in the cohorts they tutor and
amends none of them (403); the tutor of another cohort gets the same 404 as
for a certificate that does not exist, and nothing changes. Admins and
certificate officers see and amend everything (never their own: see
test_amendment_authority.py), a learner sees only their own (and no
management page), an anonymous visitor is sent to sign in.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from certificates.models import Certificate
from lms.db import db as _db
from lms.testing import csrf_token

WHO = ("tutor", "other tutor", "admin", "officer", "learner", "anonymous")
#: Any page with a form: its token is the session's, whatever the form's prefix.
TOKEN_PAGE = "/certificates/verify-file"


@pytest.fixture()
def world(app, make_user, complete, tutors):
    """A learner with a certificate in the tutor's cohort; another cohort with its own
    tutor and learner (who also has a certificate)."""
    learner = make_user(name="Cohort Learner")
    cert = complete(learner)
    tutor = make_user(roles=("tutor",))
    cohort = tutors(tutor, learner, name="Tutor's group")
    other_learner = make_user(name="Elsewhere Learner")
    other_cert = complete(other_learner)
    other_tutor = make_user(roles=("tutor",))
    other_cohort = tutors(other_tutor, other_learner, name="Other group")
    return {
        "cert": cert, "other_cert": other_cert, "cohort": cohort, "other_cohort": other_cohort,
        "users": {"tutor": tutor, "other tutor": other_tutor,
                  "admin": make_user(roles=("admin",)),
                  "officer": make_user(roles=("certificate_officer",)), "learner": learner},
    }


def _client(app, login, world, who):
    if who == "anonymous":
        return app.test_client()
    return login(world["users"][who])


def _to_login(response) -> bool:
    return response.status_code == 302 and "/account/login" in response.headers["Location"]


def _state(cert_id: int):
    """What a management action could change: the row's revocation and PDF, the count."""
    _db.session.expire_all()
    cert = _db.session.get(Certificate, cert_id)
    return (cert.revoked_dt, cert.pdf_rendered_dt, cert.pdf_sha256,
            _db.session.scalar(select(func.count(Certificate.id))))


#: route -> expected status for tutor, other tutor, admin, officer, learner (anonymous: to
#: login).
READS = {
    "list": (200, 200, 200, 200, 403),
    "detail": (200, 404, 200, 200, 403),
    "pdf": (200, 404, 200, 200, 200),
    "credential": (200, 404, 200, 200, 200),
    "bulk page": (403, 403, 200, 200, 403),
    "validity settings": (403, 403, 200, 403, 403),
    "templates": (403, 403, 200, 403, 403),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", READS)
def test_reading_routes(app, login, world, who, route):
    code = world["cert"].code
    path = {
        "list": "/certificates/manage",
        "detail": f"/certificates/manage/{code}",
        "pdf": f"/certificates/{code}/certificate.pdf",
        "credential": f"/certificates/{code}/credential.json",
        "bulk page": "/certificates/manage/bulk",
        "validity settings": "/certificates/manage/settings",
        "templates": "/certificates/manage/templates",
    }[route]
    response = _client(app, login, world, who).get(path)
    if who == "anonymous":
        assert _to_login(response)
        return
    assert response.status_code == READS[route][WHO.index(who)]
    if route == "list" and response.status_code == 200:
        # The list is filtered, not refused: the other tutor's shows only their learner.
        html = response.get_data(as_text=True)
        assert (code in html) == (who != "other tutor")
        assert (world["other_cert"].code in html) == (who != "tutor")
    if route == "bulk page" and response.status_code == 200:
        html = response.get_data(as_text=True)
        assert "Tutor&#39;s group" in html and "Other group" in html
        assert 'name="course"' in html  # whole courses too
    if route == "detail" and response.status_code == 200:
        # The amending forms are shown only to those who may amend.
        html = response.get_data(as_text=True)
        assert ("/correct" in html) == (who in ("admin", "officer"))
        assert 'name="correct-course_title"' not in html


def _post(client, path: str, prefix: str = "", **fields):
    token = csrf_token(client, TOKEN_PAGE)
    data = {f"{prefix}csrf_token": token, **{f"{prefix}{k}": v for k, v in fields.items()}}
    return client.post(path, data=data)


#: route -> expected status for tutor, other tutor, admin, officer, learner (anonymous: to
#: login). Tutors hold none of the amending permissions.
WRITES = {
    "revoke": (403, 403, 302, 302, 403),
    "rerender": (403, 403, 302, 302, 403),
    "correct": (403, 403, 302, 302, 403),
    "bulk issue": (403, 403, 302, 302, 403),
    "bulk rerender": (403, 403, 302, 302, 403),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("route", WRITES)
def test_managing_routes(app, login, world, who, route):
    cert = world["cert"]
    client = _client(app, login, world, who)
    before, other_before = _state(cert.id), _state(world["other_cert"].id)
    manage = f"/certificates/manage/{cert.code}"
    cohort = world["cohort"].cohort_id
    response = {
        "revoke": lambda: _post(client, f"{manage}/revoke", "revoke-", reason="Plagiarism"),
        "rerender": lambda: _post(client, f"{manage}/rerender", "rerender-"),
        "correct": lambda: _post(client, f"{manage}/correct", "correct-",
                                 learner_name="Corrected Name", reason="Name misspelt"),
        "bulk issue": lambda: _post(client, "/certificates/manage/bulk/issue", cohort=cohort),
        "bulk rerender": lambda: _post(client, "/certificates/manage/bulk/rerender",
                                       cohort=cohort),
    }[route]()
    after = _state(cert.id)
    # The other cohort's certificate is never touched, whoever acts.
    assert _state(world["other_cert"].id)[:3] == other_before[:3]
    if who == "anonymous":
        assert _to_login(response)
        assert after == before
        return
    expected = WRITES[route][WHO.index(who)]
    assert response.status_code == expected
    if expected != 302:
        assert after == before, "a refused action changed nothing"
    elif route == "revoke":
        assert after[0] is not None
    elif route in ("rerender", "bulk rerender"):
        assert after[1] > before[1]
    elif route == "correct":
        assert after[0] is not None and after[3] == before[3] + 1


#: Every management route and where its access is tested (a new route must be added).
COVERED = {
    "/certificates/manage": "list",
    "/certificates/manage/<code>": "detail",
    "/certificates/manage/<code>/revoke": "revoke",
    "/certificates/manage/<code>/rerender": "rerender",
    "/certificates/manage/<code>/correct": "correct",
    "/certificates/manage/bulk": "bulk page",
    "/certificates/manage/bulk/<action>": "bulk issue, bulk rerender",
    "/certificates/manage/settings": "validity settings",
    "/certificates/manage/templates": "templates",
    # Course templates, admins only: test_admin.py (test_template_pages_are_admin_only).
    "/certificates/manage/templates/<course>": "test_admin",
    "/certificates/manage/templates/<course>/reset": "test_admin",
}


def test_every_management_route_is_in_the_matrix(app):
    rules = {r.rule for r in app.url_map.iter_rules()
             if r.endpoint.startswith("certificates.") and "/manage" in r.rule}
    assert rules == set(COVERED)
    named = {name.strip() for where in COVERED.values() for name in where.split(",")}
    downloads = {"pdf", "credential"}  # not management pages, in the matrix all the same
    assert named - {"test_admin"} == (set(READS) - downloads) | set(WRITES)
