"""What a PDF shows in words: its text as pypdf extracts it, compared loosely.

Used to tell whether a certificate PDF shows what its credential says (verify
a file) and whether a course's template prints the holder's name and the
course title at all (the template editor).

Text a reader cannot see is left out, so that a forger cannot hide the
genuine holder's name in a page that shows another: text drawn invisible
(render modes 3 and 7), in white or fully transparent fill, smaller than a
point, or outside the page. Anything subtler (text under an image, clipped
away) still counts as shown: the details from our records are what an
employer must rely on, and the page says so.
"""

from __future__ import annotations

import io
import math
import unicodedata

from pypdf import PageObject, PdfReader

#: Pages whose text is read: a certificate is one page; a longer file is not ours anyway.
TEXT_PAGES = 4
#: Text smaller than this (in points, on the page) cannot be read.
_MIN_SIZE = 1.0
_SHOW = (b"Tj", b"TJ", b"'", b'"')


def _mult(m: list[float], n: list[float]) -> list[float]:
    return [
        m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5],
    ]


def _numbers(operands) -> list[float]:
    try:
        return [float(x) for x in operands]
    except (TypeError, ValueError):
        return []


def _white(operands) -> bool:
    """Whether fill colour operands are white (gray 1, RGB 1 1 1 or CMYK 0 0 0 0)."""
    values = _numbers(operands)
    if len(values) in (1, 3):
        return all(v >= 0.99 for v in values)
    if len(values) == 4:
        return all(v <= 0.01 for v in values)
    return False


class _Reader:
    """Collects the visible text of one page (a pypdf ``extract_text`` visitor)."""

    def __init__(self, page: PageObject):
        self.page = page
        box = page.mediabox
        self.box = (float(box.left), float(box.bottom), float(box.right), float(box.top))
        # Graphics state: render mode, white fill, transparent fill, drawn inside a
        # transparent group (a form drawn with no opacity: what it draws stays unseen,
        # whatever it sets inside); saved by q, restored by Q.
        self.states = [{"mode": 0, "white": False, "clear": False, "group_clear": False}]
        self.hidden = False  # text was shown unseen since the last chunk
        self.parts: list[str] = []

    def _transparent(self, name) -> bool:
        try:
            alpha = self.page["/Resources"]["/ExtGState"][name].get("/ca", 1)
            return float(alpha) <= 0.01
        except Exception:
            return False

    def before(self, operator, operands, _cm, _tm) -> None:
        state = self.states[-1]
        if operator == b"q":
            self.states.append(dict(state))
        elif operator == b"Q":
            if len(self.states) > 1:
                self.states.pop()
        elif operator == b"Tr" and operands:
            mode = _numbers(operands[:1])
            state["mode"] = int(mode[0]) if mode else 0
        elif operator in (b"g", b"rg", b"k", b"sc", b"scn"):
            state["white"] = _white(operands)
        elif operator == b"cs":
            state["white"] = False
        elif operator == b"gs" and operands:
            state["clear"] = self._transparent(operands[0])
        elif operator == b"Do":
            # The form's own operators come next, in this state (until the Q that ends it).
            state["group_clear"] = state["group_clear"] or state["clear"]
        elif operator in _SHOW:
            fills = state["mode"] in (0, 2, 4, 6)
            unseen = state["white"] or state["clear"] or state["group_clear"]
            if state["mode"] in (3, 7) or (fills and unseen):
                self.hidden = True

    def text(self, text: str, cm, tm, _font, size) -> None:
        hidden, self.hidden = self.hidden, False
        if hidden or not text.strip():
            if not hidden:
                self.parts.append(text)
            return
        try:
            m = _mult(list(map(float, tm)), list(map(float, cm)))
            scale = math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))
            if float(size or 0) * scale < _MIN_SIZE:
                return
            left, bottom, right, top = self.box
            if not (left - 1 <= m[4] <= right + 1 and bottom - 1 <= m[5] <= top + 1):
                return
        except (TypeError, ValueError):
            pass
        self.parts.append(text)


def visible_text(pdf: PdfReader | bytes) -> str:
    """The text of the PDF's first pages that a reader of the page can see; "" when none
    can be read."""
    try:
        reader = pdf if isinstance(pdf, PdfReader) else PdfReader(io.BytesIO(pdf))
        out = []
        for page in reader.pages[:TEXT_PAGES]:
            seen = _Reader(page)
            page.extract_text(visitor_operand_before=seen.before, visitor_text=seen.text)
            out.append("".join(seen.parts))
        return "\n".join(out)
    except Exception:  # a broken file or content stream reads as no text, and says so
        return ""


def squeezed(text: str) -> str:
    """``text`` compared loosely: compatibility forms (ligatures), any case, no spaces
    (letter-spacing and line breaks split words in extracted text)."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def shows(text: str, value: str) -> bool:
    """Whether ``text`` (a PDF's :func:`visible_text`) shows ``value``."""
    return squeezed(value) in squeezed(text)
