"""The words behind Arabic-script text on a certificate: ``/ActualText`` on its marked content.

A PDF maps each glyph to text once (its ``ToUnicode`` map), and WeasyPrint
maps it to the first text it drew with that glyph. Noto Nastaliq Urdu draws
different letters with shared glyphs (a letter's skeleton, its dots), so Urdu
in Nastaliq read back from the PDF misses or swaps letters ("احمد خان" reads
"امد خان"). PDF's answer is ``/ActualText``: the text a run of glyphs stands
for, given on its marked content, which screen readers and copy-and-paste use
(PDF/UA asks for it where glyphs do not map to the text). WeasyPrint tags each
line of text as a ``Span`` with its own marked content; :func:`install` adds the
line's text to the marked content of every line in the Arabic script.

The file check (:mod:`certificates.pdftext`) reads the glyphs, not this: what a
page says it shows is exactly what a forger could set.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cache

from .names import ARABIC


@cache
def install() -> None:
    """Make WeasyPrint give a tagged line of Arabic-script text its ``/ActualText``.

    Installed once per process, at the first render (as
    :func:`certificates.pdf._drop_doomed_tables_first` is). It steps aside if
    WeasyPrint no longer marks text the way it expects.
    """
    import pydyf
    from weasyprint.formatting_structure.boxes import TextBox
    from weasyprint.pdf.stream import Stream

    original = getattr(Stream, "marked", None)
    if original is None or getattr(original, "_gives_actual_text", False):
        return

    @contextmanager
    def marked(self, box, tag):
        with original(self, box, tag):
            if (getattr(self, "_tags", None) is not None and tag == "Span"
                    and isinstance(box, TextBox) and ARABIC.search(box.text or "")):
                # begin_marked_content appended the tag, this property list and BDC.
                properties = self.stream[-2] if len(self.stream) > 1 else None
                if isinstance(properties, pydyf.Dictionary) and "MCID" in properties:
                    properties["ActualText"] = pydyf.String(box.text)
            yield

    marked._gives_actual_text = True
    marked.__wrapped__ = original
    Stream.marked = marked
