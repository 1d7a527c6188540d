"""Access matrix, the verification page and its JSON, revocation, verify-a-file."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader, PdfWriter

from certificates import credentials as vc
from certificates.models import Certificate
from lms.audit import AuditEvent
from lms.db import db as _db
from lms.testing import csrf_token


@pytest.fixture()
def issued(app, make_user, complete):
    owner = make_user(name="Owner Person")
    return owner, complete(owner)


@pytest.mark.parametrize(
    "who, status",
    [("owner", 200), ("tutor", 200), ("admin", 200), ("other tutor", 404), ("other", 404)],
)
def test_download_access_matrix(app, make_user, login, issued, tutors, who, status):
    owner, cert = issued
    tutor, other_tutor = make_user(roles=("tutor",)), make_user(roles=("tutor",))
    tutors(tutor, owner)
    user = {
        "owner": owner,
        "tutor": tutor,
        "other tutor": other_tutor,
        "admin": make_user(roles=("admin",)),
        "other": make_user(),
    }[who]
    client = login(user)
    for suffix in ("certificate.pdf", "credential.json"):
        assert client.get(f"/certificates/{cert.code}/{suffix}").status_code == status
    missing = client.get("/certificates/0000-0000-0000/certificate.pdf")
    assert missing.status_code == 404


def test_anonymous_download_goes_to_login(app, issued):
    _owner, cert = issued
    response = app.test_client().get(f"/certificates/{cert.code}/certificate.pdf")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_learner_cannot_manage(app, make_user, login, issued):
    _owner, cert = issued
    client = login(make_user())
    assert client.get("/certificates/manage").status_code == 403
    assert client.post(f"/certificates/manage/{cert.code}/revoke").status_code in (400, 403)


def test_verification_page_valid_and_json(app, issued):
    _owner, cert = issued
    client = app.test_client()
    page = client.get(f"/certificates/verify/{cert.code}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Valid" in html and "Owner Person" in html
    assert client.get(f"/certificates/verify/{cert.code.lower()}").status_code == 200
    data = client.get(
        f"/certificates/verify/{cert.code}", headers={"Accept": "application/json"}
    ).get_json()
    assert data["status"] == "valid" and data["learner_name"] == "Owner Person"
    assert "email" not in json.dumps(data)


def test_verification_page_shows_a_revocation_at_once(app, issued):
    """The page is rendered once for anonymous visitors and kept; the status is read on
    every request, so the kept page never outlives a revocation or an expiry."""
    from certificates import operations

    _owner, cert = issued
    client = app.test_client()
    path = f"/certificates/verify/{cert.code}"
    first = client.get(path).get_data(as_text=True)
    assert "status-valid" in first and client.get(path).get_data(as_text=True) == first
    operations.revoke(cert, "Plagiarism found", actor_id=None)
    _db.session.commit()
    html = client.get(path).get_data(as_text=True)
    assert "status-revoked" in html and "Plagiarism" not in html


def test_verification_page_shows_an_expiry_at_once(app, issued):
    import datetime as dt

    _owner, cert = issued
    client = app.test_client()
    path = f"/certificates/verify/{cert.code}"
    cert.valid_until = cert.issued_dt + dt.timedelta(days=365)
    _db.session.commit()
    assert "status-valid" in client.get(path).get_data(as_text=True)
    cert.valid_until = cert.issued_dt - dt.timedelta(seconds=1)  # as if a year had passed
    _db.session.commit()
    assert "status-expired" in client.get(path).get_data(as_text=True)


def test_verification_page_for_a_signed_in_visitor(app, make_user, login, issued):
    _owner, cert = issued
    path = f"/certificates/verify/{cert.code}"
    anonymous = app.test_client().get(path).get_data(as_text=True)  # kept for visitors
    visitor = make_user(name="Visiting Verifier")
    html = login(visitor).get(path).get_data(as_text=True)
    assert "Visiting Verifier" in html and "status-valid" in html
    assert "Visiting Verifier" not in anonymous
    assert app.test_client().get(path).get_data(as_text=True) == anonymous


def test_verification_page_in_each_language(make_app, make_user, complete, pseudo_translations):
    app = make_app({"LMS_LANGUAGES": "en,fr",
                    "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("fr")})
    with app.app_context():
        client = app.test_client()
        cert = complete(make_user())
        path = f"/certificates/verify/{cert.code}"
        english = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
        french = client.get(path, headers={"Accept-Language": "fr"}).get_data(as_text=True)
        assert '<html lang="en" dir="ltr">' in english and '<html lang="fr" dir="ltr">' in french
        assert "⟦" not in english and "⟦Verify a certificate⟧" in french  # French text


def test_verification_not_found(app):
    client = app.test_client()
    response = client.get("/certificates/verify/ZZZZ-ZZZZ-ZZZZ")
    assert response.status_code == 404 and "Not found" in response.get_data(as_text=True)
    data = client.get(
        "/certificates/verify/nonsense", headers={"Accept": "application/json"}
    ).get_json()
    assert data == {"status": "not_found"}


def test_expired_certificate(app, issued):
    import datetime as dt

    _owner, cert = issued
    cert.valid_until = cert.issued_dt + dt.timedelta(seconds=1)
    cert.issued_dt = cert.issued_dt - dt.timedelta(days=2)
    cert.valid_until = cert.issued_dt + dt.timedelta(days=1)
    _db.session.commit()
    data = app.test_client().get(
        f"/certificates/verify/{cert.code}", headers={"Accept": "application/json"}
    ).get_json()
    assert data["status"] == "expired"


def _revoke(client, code, reason="Plagiarism found"):
    path = f"/certificates/manage/{code}"
    return client.post(
        f"{path}/revoke",
        data={"revoke-reason": reason, "revoke-csrf_token": csrf_token(client, path)},
    )


def test_revoke_flips_the_status_bit_and_the_page(app, make_user, login, issued):
    _owner, cert = issued
    officer = login(make_user(roles=("certificate_officer",)))
    assert _revoke(officer, cert.code).status_code == 302
    client = app.test_client()
    html = client.get(f"/certificates/verify/{cert.code}").get_data(as_text=True)
    assert "Revoked on" in html and "Plagiarism" not in html
    data = client.get(
        f"/certificates/verify/{cert.code}", headers={"Accept": "application/json"}
    ).get_json()
    assert data["status"] == "revoked" and "Plagiarism" not in json.dumps(data)
    status = json.loads(client.get("/certificates/status/1").data)
    assert vc.status_bit(status["credentialSubject"]["encodedList"], cert.status_index)
    issuer = json.loads(client.get("/certificates/issuer").data)
    assert vc.verify_credential(status, issuer_keys(issuer)).valid
    event = _db.session.scalars(
        _db.select(AuditEvent).where(AuditEvent.action == "certificates.certificate.revoked")
    ).one()
    assert event.data["reason"] == "Plagiarism found"


def issuer_keys(profile: dict) -> dict:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from certificates.credentials.multibase import multikey_public_raw

    return {
        m["id"]: Ed25519PublicKey.from_public_bytes(multikey_public_raw(m["publicKeyMultibase"]))
        for m in profile["verificationMethod"]
    }


def test_issued_credential_verifies_with_the_published_keys(app, issued):
    _owner, cert = issued
    issuer = json.loads(app.test_client().get("/certificates/issuer").data)
    doc = json.loads(cert.credential_json)
    assert vc.verify_credential(doc, issuer_keys(issuer)).valid
    doc["credentialSubject"]["achievement"]["name"] = "Something else"
    assert not vc.verify_credential(doc, issuer_keys(issuer)).valid


def _upload(client, data: bytes, name: str):
    token = csrf_token(client, "/certificates/verify-file")
    return client.post(
        "/certificates/verify-file",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    ).get_data(as_text=True)


def _tampered_pdf(pdf: bytes, credential: str) -> bytes:
    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.add_attachment("credential.json", credential.encode("utf-8"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_verify_a_file_genuine_tampered_revoked(app, make_user, login, issued):
    _owner, cert = issued
    client = app.test_client()
    assert "Genuine and current" in _upload(client, cert.pdf, "c.pdf")
    assert "Genuine and current" in _upload(client, cert.credential_json.encode(), "c.json")
    forged = cert.credential_json.replace("Co-op Basics", "Co-op Mastery")
    assert forged != cert.credential_json
    assert "Not genuine" in _upload(client, forged.encode(), "c.json")
    assert "Not genuine" in _upload(client, _tampered_pdf(cert.pdf, forged), "c.pdf")
    assert "no credential" in _upload(client, b"%PDF-1.7 rubbish", "x.pdf")
    _revoke(login(make_user(roles=("admin",))), cert.code)
    assert "revoked" in _upload(client, cert.pdf, "c.pdf")


def test_rerender_keeps_the_credential_and_correct_revokes(app, make_user, login, issued):
    owner, cert = issued
    admin = login(make_user(roles=("admin",)))
    path = f"/certificates/manage/{cert.code}"
    credential = cert.credential_json
    response = admin.post(f"{path}/rerender",
                          data={"rerender-csrf_token": csrf_token(admin, path)})
    assert response.status_code == 302
    _db.session.expire_all()
    cert = _db.session.get(Certificate, cert.id)
    assert cert.credential_json == credential and cert.pdf_rendered_dt is not None
    response = admin.post(
        f"{path}/correct",
        data={"correct-learner_name": "Owner Corrected", "correct-course_title": "Co-op Basics",
              "correct-reason": "Name misspelt", "correct-csrf_token": csrf_token(admin, path)},
    )
    assert response.status_code == 302
    _db.session.expire_all()
    certs = _db.session.scalars(
        _db.select(Certificate).where(Certificate.user_id == owner.id).order_by(Certificate.id)
    ).all()
    assert [c.revision for c in certs] == [1, 2]
    assert certs[0].revoked_dt is not None and certs[0].replaced_by_id == certs[1].id
    assert certs[1].learner_name == "Owner Corrected" and certs[1].status() == "valid"
    assert certs[1].credential_json != credential


def test_verification_is_rate_limited(make_app, make_user):
    app = make_app({"RATELIMIT_ENABLED": True, "CERTIFICATES_VERIFY_LIMIT": "3 per minute"})
    client = app.test_client()
    codes = [client.get("/certificates/verify/AAAA-AAAA-AAAA").status_code for _ in range(5)]
    assert codes[:3] == [404, 404, 404] and codes[-1] == 429


def test_settings_admin_only(app, make_user, login, make_course):
    make_course("co-op-basics", lessons=1, quiz=False)
    tutor = login(make_user(roles=("tutor",)))
    assert tutor.get("/certificates/manage/settings").status_code == 403
    admin = login(make_user(roles=("admin",)))
    path = "/certificates/manage/settings"
    response = admin.post(path, data={"course_slug": "co-op-basics", "validity_months": "12",
                                      "csrf_token": csrf_token(admin, path)})
    assert response.status_code == 302
    assert "co-op-basics" in admin.get(path).get_data(as_text=True)


@pytest.mark.parametrize("slug", ["nope", "co-op-basic", "Not A Slug"])
def test_settings_refuse_a_course_that_does_not_exist(app, make_user, login, make_course, slug):
    from certificates.models import CourseSetting

    make_course("co-op-basics", lessons=1, quiz=False)
    admin = login(make_user(roles=("admin",)))
    path = "/certificates/manage/settings"
    response = admin.post(path, data={"course_slug": slug, "validity_months": "12",
                                      "csrf_token": csrf_token(admin, path)})
    assert response.status_code == 400
    assert "No course has this short name." in response.get_data(as_text=True)
    assert "Saved." not in response.get_data(as_text=True)
    assert _db.session.scalar(_db.select(_db.func.count(CourseSetting.course_slug))) == 0
