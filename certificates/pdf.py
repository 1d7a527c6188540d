"""Render a certificate as PDF/A-3b with its signed credential attached.

The page is HTML rendered by WeasyPrint. Nothing is fetched while rendering:
the URL fetcher refuses every URL except ``data:`` and the fonts shipped in
``certificates/static/fonts`` (asked for as ``lms-font:NAME``). Names in the
scripts those fonts lack (Arabic's Urdu Nastaliq, Devanagari, Gujarati,
Bengali, Chinese) take their glyphs from the system's Noto fonts, named in the
default CSS and found by fontconfig: Debian's ``fonts-noto-core`` and
``fonts-noto-cjk``, which ``make pdf-deps`` installs. Every font used is
embedded (PDF/A), subsetted to the glyphs the page shows. The QR code is
inline SVG (vector) and the template is rendered in a Jinja sandbox with
autoescape, so a template edited in the browser can neither read files nor
reach the network.

Rendering is CPU-bound, so what does not change between certificates is
kept: the compiled page template per template text, and the loaded fonts
with the parsed CSS per design and thread (see :func:`_styles`); and
fontTools' subsetter is kept from decoding the layout tables it is about to
drop (see :func:`_drop_doomed_tables_first`). None of this changes a byte of
the output; a bulk issue runs this same :func:`render_pdf` in worker processes.
"""

from __future__ import annotations

import atexit
import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import segno
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from . import actual_text

FONT_DIR = Path(__file__).parent / "static" / "fonts"
FONT_SCHEME = "lms-font:"
FONTS = {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}
CREDENTIAL_NAME = "credential.json"

#: The page's CSS when a course has no template of its own (fonts via ``lms-font:NAME``).
DEFAULT_CSS = """\
@font-face { font-family: "Cert Sans"; src: url("lms-font:DejaVuSans.ttf"); }
@font-face { font-family: "Cert Sans"; font-weight: bold;
             src: url("lms-font:DejaVuSans-Bold.ttf"); }
@page { size: A4 landscape; margin: 14mm; }
html { font-family: "Cert Sans", "Noto Naskh Arabic", "Noto Sans Devanagari",
                    "Noto Sans Gujarati", "Noto Sans Bengali", "Noto Sans CJK SC"; color: #1b1b1b; }
/* Urdu in Nastaliq: the page in Urdu, or a name in Urdu on a page in another language. */
:lang(ur) { font-family: "Noto Nastaliq Urdu", "Cert Sans", "Noto Sans Devanagari",
                         "Noto Sans Gujarati", "Noto Sans Bengali", "Noto Sans CJK SC"; }
body { margin: 0; }
.frame { border: 3px solid #0b5d3b; padding: 14mm 18mm; height: 150mm; position: relative; }
.issuer { font-size: 13pt; letter-spacing: 0.08em; text-transform: uppercase; color: #0b5d3b; }
h1 { font-size: 30pt; margin: 8mm 0 4mm; }
.name { font-size: 24pt; font-weight: bold; margin: 4mm 0; }
.course { font-size: 18pt; font-weight: bold; margin: 2mm 0 4mm; }
.outcomes { font-size: 10pt; margin: 0 0 4mm 5mm; padding: 0; max-width: 170mm; }
.meta { font-size: 10pt; }
.verify { position: absolute; right: 18mm; bottom: 12mm; width: 56mm; text-align: center;
          font-size: 8pt; overflow-wrap: anywhere; }
.verify svg { width: 36mm; height: 36mm; }
.code { font-size: 12pt; font-weight: bold; letter-spacing: 0.04em; white-space: nowrap;
        color: #0b5d3b; }
"""

#: The page's HTML (a Jinja template run in the sandbox) when a course has none of its own.
DEFAULT_HTML = """\
<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
</head>
<body>
<div class="frame">
  <div class="issuer">{{ issuer_name }}</div>
  <h1>{{ heading }}</h1>
  <p class="meta">{{ certifies }}</p>
  <p class="name"{% if learner_name_lang %} lang="{{ learner_name_lang }}"{% endif -%}
  >{{ learner_name }}</p>
  <p class="meta">{{ completed }}</p>
  <p class="course">{{ course_title }}</p>
  {% if outcomes %}<ul class="outcomes">
    {% for o in outcomes %}<li>{{ o }}</li>{% endfor %}
  </ul>{% endif %}
  <p class="meta">{{ issued_line }}{% if hours_line %} · {{ hours_line }}{% endif %}</p>
  {% if valid_until_line %}<p class="meta">{{ valid_until_line }}</p>{% endif %}
  <div class="verify">
    {{ qr_svg }}
    <div class="code">{{ code }}</div>
    <div>{{ verify_url }}</div>
  </div>
</div>
</body>
</html>
"""


@dataclass(frozen=True)
class Design:
    """A certificate template: the HTML (Jinja, sandboxed) and its CSS (plain)."""

    html: str = DEFAULT_HTML
    css: str = DEFAULT_CSS


DEFAULT_DESIGN = Design()


#: The XMP description that declares PDF/UA-1 (ISO 14289-1) conformance.
PDFUA_XMP = (
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"'
    b' pdfuaid:part="1" />'
)


def _declare_pdfua(document, pdf) -> None:
    """Add the PDF/UA-1 identification to WeasyPrint's PDF/A metadata (a ``write_pdf`` finisher).

    WeasyPrint writes one identification (its ``pdf_variant``); the tags that PDF/UA needs
    come from ``pdf_tags``. XMP allows one ``rdf:RDF`` per packet, so the description goes
    inside WeasyPrint's, not in a packet of its own.
    """
    number = int(bytes(pdf.catalog["Metadata"]).split()[0])
    stream = pdf.objects[number]
    stream.stream = [
        chunk.replace(b"</rdf:RDF>", PDFUA_XMP + b"</rdf:RDF>", 1) for chunk in stream.stream
    ]


class RefusedURL(ValueError):
    """The renderer asked for a URL it may not fetch."""


@cache
def _font(name: str) -> bytes:
    return (FONT_DIR / name).read_bytes()


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SandboxFetcher(URLFetcher):
        """Serve ``data:`` URLs and the package's fonts; refuse everything else.

        Every refused URL is also appended to ``self.refused``: WeasyPrint logs a
        failed fetch and carries on, so the template editor reads this list to
        tell the admin which URL was refused.
        """

        refused: list[str]

        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if url.startswith(FONT_SCHEME):
                name = url[len(FONT_SCHEME) :]
                if name in FONTS:
                    return URLFetcherResponse(url, _font(name), {"Content-Type": "font/ttf"})
            elif scheme == "data":
                return super().fetch(url, headers)
            self.refused.append(url)
            raise RefusedURL(f"refused to fetch {url!r}: only data: URLs and packaged fonts")

    return SandboxFetcher


def url_fetcher():
    """A WeasyPrint URL fetcher that refuses ``file:``, network and any other URLs."""
    fetcher = _fetcher_class()(allowed_protocols={"data"})
    fetcher.refused = []
    return fetcher


@dataclass(frozen=True)
class PageData:
    """What the certificate page shows, all plain strings."""

    lang: str
    title: str
    issuer_name: str
    heading: str
    certifies: str
    learner_name: str
    completed: str
    course_title: str
    outcomes: tuple[str, ...]
    issued_line: str
    hours_line: str
    valid_until_line: str
    code: str
    verify_url: str
    #: What the QR code is, for screen readers (the SVG's ``<title>``, the PDF's ``/Alt``).
    qr_alt: str = ""
    #: The name's language when it is not the page's (``ur``: Nastaliq), else ``""``
    #: (see :mod:`certificates.names`).
    learner_name_lang: str = ""


def qr_svg(data: str, title: str | None = None) -> Markup:
    """The QR code of ``data`` as inline SVG markup (vector, no XML declaration).

    :param title: the SVG's ``<title>``: WeasyPrint's tagged PDF gives it to the
        code's ``Figure`` as its alternative text, which PDF/UA requires.
    """
    svg = segno.make(data, error="m").svg_inline(border=2, omitsize=True, title=title)
    return Markup(svg)  # noqa: S704 (segno's own SVG, built from escaped data)


#: Undefined names are errors, so a misspelt variable is caught when the template is saved.
_sandbox = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


@lru_cache(maxsize=32)
def compile_template(html: str):
    """Compile ``html`` in the sandbox (raises ``jinja2.TemplateSyntaxError``).

    Kept per template text: compiling costs more than rendering, and a course's
    template is the same for every certificate (an edited one is another text).
    """
    return _sandbox.from_string(html)


def render_html(page: PageData, template: str = DEFAULT_HTML) -> str:
    """Render the certificate page's HTML in the Jinja sandbox."""
    context = {k: getattr(page, k) for k in page.__dataclass_fields__}
    context["qr_svg"] = qr_svg(page.verify_url, page.qr_alt or page.verify_url)
    return compile_template(template).render(context)


def render_pdf(
    page: PageData,
    credential_json: str,
    *,
    design: Design = DEFAULT_DESIGN,
    when: dt.datetime | None = None,
    refused: list[str] | None = None,
) -> bytes:
    """Render the certificate as PDF/A-3b bytes with ``credential.json`` attached.

    :param credential_json: the signed credential, attached byte for byte.
    :param design: the HTML template and CSS.
    :param when: the attachment's dates (the certificate's issue time), so a
        re-render of the same certificate attaches an identical file entry.
    :param refused: if given, every URL the fetcher refused is appended to it
        (the design is then read afresh, so that its CSS's refusals count too).
    """
    from weasyprint import HTML, Attachment

    _drop_doomed_tables_first()
    actual_text.install()
    fetcher = url_fetcher()
    if refused is None:
        font_config, css = _styles(design)
    else:
        fetcher.refused = refused
        font_config, css = _parse_css(design.css, fetcher)
    attachment = Attachment(
        string=credential_json.encode("utf-8"),
        name=CREDENTIAL_NAME,
        description="Open Badges 3.0 credential (signed)",
        relationship="Data",
        created=when,
        modified=when,
        url_fetcher=fetcher,
    )
    html = HTML(string=render_html(page, design.html), url_fetcher=fetcher, base_url="data:,")
    return html.write_pdf(
        stylesheets=[css],
        font_config=font_config,
        pdf_variant="pdf/a-3b",
        # Tagged for screen readers (structure tree, reading order, the page's language,
        # the title shown) and identified as PDF/UA-1 beside PDF/A-3b.
        pdf_tags=True,
        finisher=_declare_pdfua,
        attachments=[attachment],
        custom_metadata=False,
    )


def _parse_css(css: str, fetcher):
    """Parse ``css`` into a new font configuration that holds its ``@font-face`` fonts.

    WeasyPrint adds a stylesheet's fonts to the configuration it is parsed
    with; the same configuration must then render the page, or the fonts are
    not there and the system's fonts stand in for them.
    """
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    return font_config, CSS(string=css, url_fetcher=fetcher, base_url="data:,",
                            font_config=font_config)


#: Per thread: a font configuration is a Pango font map, which is not thread-safe.
_local = threading.local()
#: Designs whose parsed CSS and fonts a thread keeps.
_STYLES_KEPT = 4


@atexit.register
def _forget_styles() -> None:
    """Release the main thread's fonts while WeasyPrint still works.

    Left to the interpreter's final teardown, a font configuration's
    ``__del__`` runs after WeasyPrint's modules are gone and prints an error.
    """
    kept = getattr(_local, "styles", None)
    if kept:
        kept.clear()


def _styles(design: Design):
    """The design's font configuration and parsed CSS, kept per thread and design.

    Loading the fonts and parsing the CSS cost a third of a page's rendering.
    They are kept per design (HTML and CSS: a ``<style>`` in the template adds
    its fonts to the same configuration), so what one design's page can use
    never depends on which designs were rendered before it.
    """
    kept = getattr(_local, "styles", None)
    if kept is None:
        kept = _local.styles = OrderedDict()
    styles = kept.get(design)
    if styles is None:
        styles = kept[design] = _parse_css(design.css, url_fetcher())
        while len(kept) > _STYLES_KEPT:
            kept.popitem(last=False)
    else:
        kept.move_to_end(design)
    return styles


@cache
def _drop_doomed_tables_first() -> None:
    """Make fontTools' subsetter delete the tables it drops before it reads any.

    Without HarfBuzz-Subset, WeasyPrint subsets every embedded font with
    fontTools, asking it to drop GSUB and GPOS (and, with them, ``kern`` and
    the hinting tables). fontTools 4.68 decodes GSUB and GPOS in full (in
    ``_compact_layout_tables``) before its own dropping step: for DejaVu Sans,
    over half of a certificate's rendering time. Deleting the very tables that
    step would delete, by its own rule and in its own order, before calling it
    leaves that step nothing to do and the output unchanged (a test in
    ``tests/certificates/test_bulk.py`` compares the bytes). Installed once per
    process, at the first render; with HarfBuzz-Subset, WeasyPrint does not
    use fontTools and this changes nothing.
    """
    from fontTools import subset

    original = subset.Subsetter.subset
    if getattr(original, "_drops_doomed_tables_first", False) or not hasattr(
        subset.Subsetter, "_sort_tables"
    ):
        return

    def subset_font(self, font):
        options = self.options
        for tag in self._sort_tables(font):
            # The same test as Subsetter._prune_pre_subset, tag by tag, so that
            # ``kern`` goes exactly when it would (while GPOS is still there).
            if (
                tag.strip() in options.drop_tables
                or (tag.strip() in options.hinting_tables and not options.hinting)
                or (tag == "kern" and not options.legacy_kern and "GPOS" in font)
            ):
                del font[tag]
        return original(self, font)

    subset_font._drops_doomed_tables_first = True
    subset_font.__wrapped__ = original
    subset.Subsetter.subset = subset_font
