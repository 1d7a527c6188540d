"""What a PDF shows in words: its text as pypdf extracts it, compared loosely.

Used to tell whether a certificate PDF shows what its credential says (verify
a file) and whether a course's template prints the holder's name and the
course title at all (the template editor).
"""

from __future__ import annotations

import io
import unicodedata

from pypdf import PdfReader

#: Pages whose text is read: a certificate is one page; a longer file is not ours anyway.
TEXT_PAGES = 4


def visible_text(pdf: PdfReader | bytes) -> str:
    """The text of the PDF's first pages, as a reader of the page would see it;
    "" when none can be read."""
    try:
        reader = pdf if isinstance(pdf, PdfReader) else PdfReader(io.BytesIO(pdf))
        return "\n".join(page.extract_text() or "" for page in reader.pages[:TEXT_PAGES])
    except Exception:  # a broken file or content stream reads as no text, and says so
        return ""


def squeezed(text: str) -> str:
    """``text`` compared loosely: compatibility forms (ligatures), any case, no spaces
    (letter-spacing and line breaks split words in extracted text)."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def shows(text: str, value: str) -> bool:
    """Whether ``text`` (a PDF's :func:`visible_text`) shows ``value``."""
    return squeezed(value) in squeezed(text)
