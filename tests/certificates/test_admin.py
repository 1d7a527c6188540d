"""Per-course templates (sandbox, preview, validation, frozen PDFs) and the bulk actions."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from certificates.models import Certificate, CourseTemplate
from courses.models import Completion
from lms.audit import AuditEvent
from lms.db import db as _db
from lms.db import utcnow
from lms.testing import csrf_token

EDIT = "/certificates/manage/templates/co-op-basics"
GOOD_HTML = (
    "<!doctype html><html lang='{{ lang }}'><head><title>{{ title }}</title></head>"
    "<body><h1>Custom design for {{ learner_name }}</h1><p>{{ course_title }}</p>"
    "{{ qr_svg }}<p>{{ code }}</p></body></html>"
)
GOOD_CSS = 'h1 { font-family: "X"; color: #123456; } @font-face { font-family: "X"; ' \
    'src: url("lms-font:DejaVuSans.ttf"); }'


def _text(pdf_bytes: bytes) -> str:
    return PdfReader(io.BytesIO(pdf_bytes)).pages[0].extract_text()


@pytest.fixture()
def admin(make_user, login):
    return login(make_user(roles=("admin",)))


def _post(client, action: str, html: str = GOOD_HTML, css: str = GOOD_CSS):
    return client.post(EDIT, data={"csrf_token": csrf_token(client, EDIT), "html": html,
                                   "css": css, "action": action})


def test_template_pages_are_admin_only(app, make_user, login):
    for roles, status in ((("tutor",), 403), (("learner",), 403)):
        client = login(make_user(roles=roles))
        assert client.get(EDIT).status_code == status
        assert client.get("/certificates/manage/templates").status_code == status


def test_editor_shows_the_default_and_the_variables(app, admin):
    page = admin.get(EDIT).get_data(as_text=True)
    assert "uses the default template" in page
    assert "{{ learner_name }}" in page  # the default HTML, escaped in the textarea
    for name in ("learner_name", "course_title", "qr_svg", "verify_url", "valid_until_line"):
        assert f"<code>{name}</code>" in page


def test_preview_renders_the_sample_pdf_and_saves_nothing(app, admin):
    response = _post(admin, "preview")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert "Custom design for Sam Sample" in _text(response.data)
    assert _db.session.scalar(select(func.count(CourseTemplate.id))) == 0


def test_save_then_new_certificates_use_it_and_old_ones_stay_frozen(
    app, admin, make_user, complete
):
    before = complete(make_user(name="Early Bird"))
    frozen = before.pdf
    response = _post(admin, "save")
    assert response.status_code == 302
    row = _db.session.scalars(select(CourseTemplate)).one()
    assert row.html == GOOD_HTML
    _db.session.expire_all()
    assert _db.session.get(Certificate, before.id).pdf == frozen  # issued PDFs never change
    assert "Custom design" not in _text(frozen)
    after = complete(make_user(name="Late Comer"))
    assert "Custom design for Late Comer" in _text(after.pdf)
    # Re-render uses the current template, with the same credential.
    page = "/certificates/manage/" + before.code
    credential = before.credential_json
    admin.post(page + "/rerender", data={"rerender-csrf_token": csrf_token(admin, page)})
    _db.session.expire_all()
    again = _db.session.get(Certificate, before.id)
    assert "Custom design for Early Bird" in _text(again.pdf)
    assert again.credential_json == credential


def test_save_and_rerender_runs_a_job_with_a_progress_page(app, admin, make_user, complete):
    from lms.jobs import Job

    issued = [complete(make_user(name=f"Learner {n}")) for n in range(2)]
    response = admin.post(EDIT, data={"csrf_token": csrf_token(admin, EDIT), "html": GOOD_HTML,
                                      "css": GOOD_CSS, "action": "save", "rerender": "y"})
    assert response.status_code == 302
    job = _db.session.scalars(select(Job)).one()
    assert response.location.startswith(f"/jobs/{job.id}?back=")
    assert (job.name, job.state, job.progress_done, job.progress_total) == (
        "certificates.rerender", "done", 2, 2)
    page = admin.get(response.location).get_data(as_text=True)
    assert "co-op-basics: 2 PDFs re-rendered with the current template." in page
    _db.session.expire_all()
    for cert in issued:
        assert f"Custom design for {cert.learner_name}" in _text(
            _db.session.get(Certificate, cert.id).pdf)


@pytest.mark.parametrize(
    "html, css, message",
    [
        ("<p>{% if %}</p>", "", "does not compile (line 1)"),
        ("<p>{{ learner_nme }}</p>", "", "learner_nme"),
        ("<p>{{ ''.__class__.__mro__ }}</p>", "", "sandbox forbids"),
        ('<img src="file:///etc/hostname" alt="">', "", "file:///etc/hostname"),
        ("<p>x</p>", '@import url("http://127.0.0.1:1/x.css");', "http://127.0.0.1:1/x.css"),
        ("<p>x</p>", 'p { background: url("file:///etc/passwd"); }', "file:///etc/passwd"),
    ],
)
@pytest.mark.parametrize("action", ["save", "preview"])
def test_bad_templates_are_refused_with_a_message_and_nothing_saved(
    app, admin, html, css, message, action
):
    response = _post(admin, action, html=html, css=css)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert message.replace("'", "&#39;") in page
    assert _db.session.scalar(select(func.count(CourseTemplate.id))) == 0


def test_a_refused_template_keeps_the_saved_one(app, admin):
    assert _post(admin, "save").status_code == 302
    assert _post(admin, "save", html="{{ nope }}").status_code == 400
    _db.session.expire_all()
    assert _db.session.scalars(select(CourseTemplate)).one().html == GOOD_HTML


def test_reset_goes_back_to_the_default(app, admin, make_user, complete):
    _post(admin, "save")
    reset = admin.post(EDIT + "/reset", data={"reset-csrf_token": csrf_token(admin, EDIT)})
    assert reset.status_code == 302
    assert _db.session.scalar(select(func.count(CourseTemplate.id))) == 0
    cert = complete(make_user())
    assert "Certificate of completion" in _text(cert.pdf)
    actions = _db.session.scalars(select(AuditEvent.action)).all()
    assert {"certificates.template.saved", "certificates.template.reset"} <= set(actions)


def test_unknown_course_slug_shape_is_404(app, admin):
    assert admin.get("/certificates/manage/templates/Not%20a%20slug").status_code == 404


def test_admin_index_links_the_certificate_pages(app, admin):
    page = admin.get("/admin/").get_data(as_text=True)
    assert 'href="/certificates/manage/bulk"' in page
    assert 'href="/certificates/manage/templates"' in page


def _completions(make_user, make_course, enrol, n):
    course = make_course("co-op-basics", lessons=1, quiz=False)
    users = []
    for _ in range(n):
        enrolment = enrol(make_user(), course)
        users.append(enrolment.user_id)
        _db.session.add(Completion(enrolment_id=enrolment.id, user_id=enrolment.user_id,
                                   course_id=course.id, course_version=1, completed_dt=utcnow()))
    _db.session.commit()
    return users


def test_bulk_issue_and_rerender(app, make_user, make_course, enrol, login, outbox):
    users = _completions(make_user, make_course, enrol, 3)
    admin = login(make_user(roles=("admin",)))  # a whole course: admins only
    token = csrf_token(admin, "/certificates/manage/bulk")
    response = admin.post("/certificates/manage/bulk/issue",
                          data={"csrf_token": token, "course": "co-op-basics"},
                          follow_redirects=True)
    assert "co-op-basics: 3 certificates issued, 0 already there." in response.get_data(
        as_text=True)
    certs = _db.session.scalars(select(Certificate)).all()
    assert sorted(c.user_id for c in certs) == sorted(users)
    assert len(outbox()) == 3
    again = admin.post("/certificates/manage/bulk/issue",
                       data={"csrf_token": token, "course": "co-op-basics"},
                       follow_redirects=True)
    assert "co-op-basics: no completion lacks a certificate" in again.get_data(as_text=True)
    old = {c.id: c.pdf_rendered_dt for c in certs}
    response = admin.post("/certificates/manage/bulk/rerender",
                          data={"csrf_token": token, "course": "co-op-basics"},
                          follow_redirects=True)
    assert "co-op-basics: 3 PDFs re-rendered" in response.get_data(as_text=True)
    _db.session.expire_all()
    for cert in _db.session.scalars(select(Certificate)):
        assert cert.pdf_rendered_dt > old[cert.id]


def test_bulk_needs_a_course_and_the_permission(app, make_user, login):
    learner = login(make_user())
    assert learner.get("/certificates/manage/bulk").status_code == 403
    admin = login(make_user(roles=("admin",)))
    token = csrf_token(admin, "/certificates/manage/bulk")
    bad = admin.post("/certificates/manage/bulk/issue", data={"csrf_token": token, "course": ""})
    assert bad.status_code == 400
    assert admin.post("/certificates/manage/bulk/nope",
                      data={"csrf_token": token, "course": "x"}).status_code == 404
