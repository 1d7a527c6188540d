"""The frozen PDF: PDF/A-3b, output intent, credential attached byte for byte, fonts embedded."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from certificates.pdf import RefusedURL, url_fetcher
from lms.db import db as _db


def _fonts(reader: PdfReader):
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            yield ref.get_object()


def test_pdf_is_pdfa3b_with_the_stored_credential_attached(app, make_user, complete):
    cert = complete(make_user(name="Zoë <O'Brien>"))
    reader = PdfReader(io.BytesIO(cert.pdf))
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    intents = reader.trailer["/Root"]["/OutputIntents"]
    assert intents and intents[0]["/S"] == "/GTS_PDFA1"
    assert reader.attachments["credential.json"] == [cert.credential_json.encode("utf-8")]
    fonts = list(_fonts(reader))
    assert fonts
    for font in fonts:
        descendants = font.get("/DescendantFonts")
        desc = (descendants[0].get_object() if descendants else font)["/FontDescriptor"]
        assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    text = reader.pages[0].extract_text()
    assert cert.code in text and "Zoë <O'Brien>" in text


def test_pdf_embeds_the_packaged_fonts(app, make_user, complete):
    """The page's ``@font-face`` fonts (``lms-font:``), not whatever the server has."""
    cert = complete(make_user())
    names = {str(font["/BaseFont"]).split("+", 1)[-1]
             for font in _fonts(PdfReader(io.BytesIO(cert.pdf)))}
    assert names == {"Cert-Sans", "Cert-Sans-Bold"}


def test_pdf_download_is_the_stored_bytes(app, make_user, complete, login):
    user = make_user()
    cert = complete(user)
    client = login(user)
    response = client.get(f"/certificates/{cert.code}/certificate.pdf")
    assert response.status_code == 200
    assert response.data == cert.pdf
    again = client.get(f"/certificates/{cert.code}/certificate.pdf")
    assert again.data == cert.pdf  # served as stored, never re-rendered
    cred = client.get(f"/certificates/{cert.code}/credential.json")
    assert cred.data == cert.credential_json.encode("utf-8")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://example.org/x.png", "https://example.org/a.css",
            "ftp://example.org/f", "lms-font:../../secret"]
)
def test_url_fetcher_refuses_files_and_network(url):
    with pytest.raises(RefusedURL):
        url_fetcher().fetch(url)


def test_url_fetcher_allows_data_and_package_fonts():
    assert url_fetcher().fetch("data:text/plain,hi").read() == b"hi"
    assert url_fetcher().fetch("lms-font:DejaVuSans.ttf").read()[:4] == b"\x00\x01\x00\x00"


def test_template_cannot_pull_in_a_file(app):
    from certificates.operations import page_data  # noqa: F401
    from certificates.pdf import Design, PageData, render_pdf

    page = PageData("en", "t", "i", "h", "c", "n", "d", "course", (), "x", "", "", "CODE", "u")
    template = '<p>secret</p><img src="file:///etc/hostname"><link rel=stylesheet href="http://127.0.0.1:1/x.css">'
    refused = []
    data = render_pdf(page, "{}", design=Design(html=template), refused=refused)
    reader = PdfReader(io.BytesIO(data))
    assert not reader.pages[0].images
    assert sorted(refused) == ["file:///etc/hostname", "http://127.0.0.1:1/x.css"]
    _db.session.rollback()
