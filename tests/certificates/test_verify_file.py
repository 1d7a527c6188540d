"""Verify a file: an employer learns whose certificate it is, and is warned when the PDF
shows something its credential does not say.

The tester's case (issue 16): a new PDF showing another person's name, with a
genuine credential attached, was called "Genuine and current", and the result
named only the course.
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from pypdf import PdfReader, PdfWriter

from certificates import operations, pdf
from certificates.design import design_for
from lms.testing import csrf_token

FILE_PAGE = "/certificates/verify-file"


@pytest.fixture()
def cert(app, make_user, complete):
    return complete(make_user(name="Grace Hopper"))


def _upload(client, data: bytes, name: str = "certificate.pdf") -> str:
    token = csrf_token(client, FILE_PAGE)
    response = client.post(FILE_PAGE, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _pdf_showing(cert, **shown) -> bytes:
    """A PDF made with our own renderer, showing ``shown`` instead of the certificate's
    words, with the certificate's genuine credential attached."""
    page = dataclasses.replace(operations.page_data(cert), **shown)
    return pdf.render_pdf(page, cert.credential_json, design=design_for(cert.course_slug),
                          when=cert.issued_dt)


def _pdf_without_text(credential: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("credential.json", credential.encode("utf-8"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _facts_shown(html: str, cert) -> None:
    assert "Grace Hopper" in html and "Co-op Basics" in html and cert.code in html
    assert cert.issued_dt.strftime("%Y") in html
    assert f'href="/certificates/verify/{cert.code}"' in html


def test_the_issued_pdf_names_its_holder(app, cert):
    html = _upload(app.test_client(), cert.pdf)
    assert "Genuine and current." in html and "Warning" not in html
    _facts_shown(html, cert)


def test_a_copy_with_the_same_text_is_not_flagged(app, cert):
    """Re-saved (not the bytes we rendered), it still shows what the credential says."""
    reader, writer = PdfReader(io.BytesIO(cert.pdf)), PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.add_attachment("credential.json", cert.credential_json.encode("utf-8"))
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue() != cert.pdf
    html = _upload(app.test_client(), out.getvalue())
    assert "Genuine and current." in html and "does not match" not in html


def test_another_persons_name_with_a_genuine_credential_warns(app, cert):
    html = _upload(app.test_client(), _pdf_showing(cert, learner_name="Mallory Impostor"))
    assert "Genuine and current." not in html
    assert "does not match its signed credential" in html
    assert "the holder&#39;s name, Grace Hopper" in html
    _facts_shown(html, cert)  # the holder as our records have it


def test_another_course_with_a_genuine_credential_warns(app, cert):
    forged = "Master of Co-operative Law (Distinction)"
    html = _upload(app.test_client(), _pdf_showing(cert, course_title=forged,
                                                   title=forged))
    assert "does not match its signed credential" in html and "the course, Co-op Basics" in html


def test_a_pdf_whose_text_cannot_be_read_warns(app, cert):
    html = _upload(app.test_client(), _pdf_without_text(cert.credential_json))
    assert "We could not read the text of this PDF" in html
    assert "Genuine and current." not in html
    _facts_shown(html, cert)


def test_the_credential_alone_names_its_holder(app, cert):
    html = _upload(app.test_client(), cert.credential_json.encode("utf-8"), "credential.json")
    assert "Genuine and current." in html and "Warning" not in html
    _facts_shown(html, cert)


def test_a_replaced_certificate_says_so(app, cert, make_user):
    operations.correct(cert, learner_name="Grace B. Hopper", reason="Full name",
                       actor_id=make_user(roles=("certificate_officer",)).id)
    from lms.db import db as _db

    _db.session.commit()
    html = _upload(app.test_client(), cert.pdf)
    assert "replaced by a reissued certificate" in html


@pytest.mark.parametrize("hiding", [
    "color: #ffffff", "opacity: 0", "font-size: 0.3pt", "position: absolute; left: -300mm",
])
def test_the_genuine_name_hidden_under_another_still_warns(app, cert, hiding):
    """A forger keeps the genuine name in the page's text, where nobody can see it."""
    design = design_for(cert.course_slug)
    html = design.html.replace(
        "{{ learner_name }}", 'Mallory Impostor<span class="x">{{ learner_name }}</span>')
    assert html != design.html
    forged = pdf.render_pdf(operations.page_data(cert), cert.credential_json,
                            design=pdf.Design(html=html, css=design.css + f".x {{ {hiding} }}"),
                            when=cert.issued_dt)
    html = _upload(app.test_client(), forged)
    assert "does not match its signed credential" in html
    assert "the holder&#39;s name, Grace Hopper" in html
