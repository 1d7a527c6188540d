"""An Urdu name prints in Nastaliq on a certificate that is not itself in Urdu (issue 22).

The page's CSS picks Nastaliq for Urdu by language; a name gets its own
``lang`` from the holder's language at issue or from letters only Urdu
writes (:mod:`certificates.names`). The PDF stays PDF/A-3b with the
credential attached, and every glyph drawn is a real one.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from certificates.names import name_language
from certificates.operations import page_data, render
from lms.db import db as _db

from .test_pdf_scripts import _fonts, _glyphs, _missing


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    # Polish and Gujarati offered; Urdu withheld (no catalogue), as a language can be.
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("pl", "gu")}


def _embedded(data: bytes) -> set[str]:
    return {str(f["/BaseFont"]).split("+", 1)[-1] for f in _fonts(PdfReader(io.BytesIO(data)))}


def _rendered(make_user, complete, name: str, language: str | None):
    cert = complete(make_user(name=name))
    cert.language = language
    render(cert)
    _db.session.commit()
    return cert


def _still_a_good_pdf(cert, name: str, *, text: bool = True) -> None:
    """Every glyph a real one, still PDF/A-3b with the credential, and (``text``) every
    letter of the name back out of the PDF's text.

    Not for a name in Nastaliq: WeasyPrint maps each glyph to one text, and Nastaliq
    draws different letters with shared glyphs (a skeleton, its dots), so the text read
    back can miss or swap letters (a known limit, docs/architecture.md).
    """
    reader = PdfReader(io.BytesIO(cert.pdf))
    if text:
        assert _missing(cert.pdf, name) == []
    glyphs = _glyphs(reader)
    assert glyphs and 0 not in glyphs  # no .notdef
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert reader.attachments["credential.json"] == [cert.credential_json.encode("utf-8")]


def test_an_urdu_speakers_name_on_an_english_page_is_in_nastaliq(app, make_user, complete):
    """The holder's language is Urdu, not offered: the page is English, the name Urdu."""
    name = "احمد خان"  # no letter only Urdu writes: the holder's language decides
    cert = _rendered(make_user, complete, name, "ur")
    page = page_data(cert)
    assert (page.lang, page.learner_name_lang) == ("en", "ur")
    assert any(f.startswith("Noto-Nastaliq-Urdu") for f in _embedded(cert.pdf))
    assert not any(f.startswith("Noto-Naskh-Arabic") for f in _embedded(cert.pdf))
    _still_a_good_pdf(cert, name, text=False)


def test_urdu_letters_make_a_name_urdu_on_a_polish_page(app, make_user, complete):
    name = "ٹیپو سلطان"  # ٹ is Urdu's alone
    cert = _rendered(make_user, complete, name, "pl")
    assert (page_data(cert).lang, page_data(cert).learner_name_lang) == ("pl", "ur")
    assert any(f.startswith("Noto-Nastaliq-Urdu") for f in _embedded(cert.pdf))
    _still_a_good_pdf(cert, name, text=False)


def test_an_arabic_name_is_not_put_in_nastaliq(app, make_user, complete):
    name = "محمد عبد الله"
    cert = _rendered(make_user, complete, name, "pl")
    assert page_data(cert).learner_name_lang == ""
    embedded = _embedded(cert.pdf)
    assert not any(f.startswith("Noto-Nastaliq-Urdu") for f in embedded), embedded
    _still_a_good_pdf(cert, name)


def _actual_texts(data: bytes) -> list:
    """The ``/ActualText`` of each tagged run of the page (``None`` where it has none)."""
    reader = PdfReader(io.BytesIO(data))
    return [operands[1].get("/ActualText")
            for operands, operator in ContentStream(reader.pages[0].get_contents(), reader)
            .operations if operator == b"BDC" and operands[0] == "/Span"]


def test_the_name_in_nastaliq_carries_its_actual_text(app, make_user, complete):
    """What a screen reader or a copy reads: the name, not the glyphs' lossy map."""
    name = "احمد خان"
    cert = _rendered(make_user, complete, name, "ur")
    texts = _actual_texts(cert.pdf)
    assert name in texts
    # Only the Arabic-script line: the others map glyph by glyph already.
    assert [t for t in texts if t is not None] == [name]


@pytest.mark.parametrize(("name", "holder", "page", "expected"), [
    ("احمد خان", "ur", "en", "ur"),  # the holder's language
    ("احمد خان", "ur", "ur", ""),  # the page's already
    ("محمد", "ar", "en", "ar"),  # Arabic: marked, and Naskh it stays
    ("احمد خان", "pl", "pl", ""),  # no signal: the page's
    ("فاطمہ", None, "en", "ur"),  # ہ: Urdu's letter
    ("Sam Sample", "ur", "en", ""),  # not in the Arabic script
    ("Sam ٹیپو", "ur", "en", ""),  # not in the Arabic script alone
])
def test_the_names_language(name, holder, page, expected):
    assert name_language(name, holder, page) == expected
