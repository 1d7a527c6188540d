"""The certificate reads well to people and to screen readers: tagged PDF, the site's look."""

from __future__ import annotations

import io

from pypdf import PdfReader

from certificates.operations.amending import revoke
from certificates.pdf import DEFAULT_CSS
from lms.db import db as _db
from lms.templating import format_day


def _structure(node):
    """Every structure element under ``node`` (the tagged PDF's tree), depth first."""
    node = node.get_object()
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict) and "/S" in kid:
            yield kid
            yield from _structure(kid)


def test_pdf_is_tagged_pdfua_and_stays_pdfa3b_with_its_credential(app, make_user, complete):
    cert = complete(make_user(name="Zoë Reader"))
    reader = PdfReader(io.BytesIO(cert.pdf))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root  # the structure screen readers follow
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    metadata = root["/Metadata"].get_object().get_data().decode()
    assert metadata.count("<rdf:RDF") == 1  # one packet, both identifications
    assert 'pdfuaid:part="1"' in metadata
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="B"' in metadata
    assert reader.attachments["credential.json"] == [cert.credential_json.encode("utf-8")]
    elements = list(_structure(root["/StructTreeRoot"]))
    kinds = [e["/S"] for e in elements]
    assert "/H1" in kinds and "/P" in kinds
    # PDF/UA: every figure has a text alternative; the QR code's says where it leads.
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert figures and all(f.get("/Alt") for f in figures)
    assert f"/certificates/verify/{cert.code}" in figures[0]["/Alt"]
    assert figures[0]["/Alt"].startswith("QR code")


def test_certificate_uses_the_site_green_date_format_and_an_unbroken_code(
    app, make_user, complete
):
    assert "#0b5d3b" in DEFAULT_CSS and "#1d4e89" not in DEFAULT_CSS
    assert "white-space: nowrap" in DEFAULT_CSS.split(".code {")[1].split("}")[0]
    cert = complete(make_user())
    text = PdfReader(io.BytesIO(cert.pdf)).pages[0].extract_text()
    with app.test_request_context():
        assert f"Issued on {format_day(cert.issued_dt)}" in text
    assert cert.code in text.replace("\n", " ").split()


def test_revoked_certificate_page_does_not_promise_no_expiry(app, make_user, complete, client):
    cert = complete(make_user())
    revoke(cert, "Issued by mistake", None)
    _db.session.commit()
    page = client.get(f"/certificates/verify/{cert.code}").get_data(as_text=True)
    assert "Revoked on" in page
    assert "No expiry" not in page and "Valid until" not in page
