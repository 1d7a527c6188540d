"""Names in any script print on the certificate, with fonts embedded, and it stays PDF/A-3b.

The Noto fonts come from Debian packages (``make pdf-deps``), found by
fontconfig; nothing is fetched. A glyph a font lacks would be drawn as
``.notdef`` (glyph 0) or as a box that carries no text: so every glyph drawn
must be a real one, and every character of the name must come back out of
the PDF's text.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from certificates import pdf
from certificates.operations import render
from lms.db import db as _db

#: One name per script the Centre's learners write, as a person would type them.
NAMES = {
    "Polish": "Zażółć Gęślą",
    "Vietnamese": "Nguyễn Thị Ánh",
    "Arabic": "محمد عبد الله",
    "Urdu": "ٹیپو سلطان",
    "Gujarati": "ગુજરાતી નામ",
    "Devanagari": "हिन्दी नाम",
    "Bengali": "বাংলা নাম",
    "Chinese": "王小明",
}


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    # Urdu offered whatever the real catalogues hold (the tests' pseudo-translations).
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("ur", "pl", "gu")}


def _fonts(reader: PdfReader) -> list:
    return [ref.get_object() for page in reader.pages
            for ref in page["/Resources"].get_object().get("/Font", {}).values()]


def _glyphs(reader: PdfReader) -> list[int]:
    """Every glyph id the pages draw (two bytes each: the fonts are Identity-H, CID = GID)."""
    glyphs = []
    for page in reader.pages:
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tj":
                strings = [operands[0]]
            elif operator == b"TJ":
                strings = [s for s in operands[0] if not isinstance(s, int | float)]
            else:
                continue
            for s in strings:
                raw = s.original_bytes if hasattr(s, "original_bytes") else bytes(s)
                glyphs += [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]
    return glyphs


def _missing(data: bytes, name: str) -> list[str]:
    """The characters of ``name`` the PDF does not show as text."""
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    return [c for c in name if not c.isspace() and c not in text]


def test_a_name_in_every_script_is_drawn_with_embedded_fonts(app, make_user, complete):
    name = " ".join(NAMES.values())
    cert = complete(make_user(name=name))
    reader = PdfReader(io.BytesIO(cert.pdf))
    assert _missing(cert.pdf, name) == []
    glyphs = _glyphs(reader)
    assert glyphs and 0 not in glyphs  # no .notdef
    embedded = {str(f["/BaseFont"]).split("+", 1)[-1] for f in _fonts(reader)}
    for family in ("Noto-Sans-Gujarati", "Noto-Sans-Devanagari", "Noto-Sans-Bengali",
                   "Noto-Sans-CJK-SC"):
        assert any(f.startswith(family) for f in embedded), (family, embedded)
    for font in _fonts(reader):
        descendants = font.get("/DescendantFonts")
        desc = (descendants[0].get_object() if descendants else font)["/FontDescriptor"]
        assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert reader.attachments["credential.json"] == [cert.credential_json.encode("utf-8")]


@pytest.mark.parametrize("script", sorted(NAMES))
def test_each_script_alone(app, make_user, complete, script):
    cert = complete(make_user(name=NAMES[script]))
    assert _missing(cert.pdf, NAMES[script]) == []
    assert 0 not in _glyphs(PdfReader(io.BytesIO(cert.pdf)))


def test_a_character_no_font_has_is_caught(app):
    """The check above can fail: a private-use character has no glyph in any font."""
    page = pdf.PageData(
        lang="en", title="t", issuer_name="Centre", heading="Certificate",
        certifies="This certifies that", learner_name="Sam \U0010fffd", completed="has completed",
        course_title="Course", outcomes=(), issued_line="Issued", hours_line="",
        valid_until_line="", code="ABCD-EFGH-JKMN", verify_url="https://example.org/v",
    )
    assert _missing(pdf.render_pdf(page, "{}"), "Sam \U0010fffd") == ["\U0010fffd"]


def test_an_urdu_certificate_writes_in_nastaliq(app, make_user, complete):
    user = make_user(name="ٹیپو سلطان")
    cert = complete(user)
    cert.language = "ur"
    render(cert)
    _db.session.commit()
    embedded = {str(f["/BaseFont"]).split("+", 1)[-1]
                for f in _fonts(PdfReader(io.BytesIO(cert.pdf)))}
    assert any(f.startswith("Noto-Nastaliq-Urdu") for f in embedded), embedded
    assert _missing(cert.pdf, user.display_name) == []
