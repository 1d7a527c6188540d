"""Render course Markdown (lessons, course descriptions) to safe HTML.

Markdown is parsed by markdown-it-py (CommonMark plus tables, raw HTML
disabled) and the HTML it produces is then cleaned by nh3 against an explicit
allow-list, so nothing an author writes can bring a script, an event handler,
or a ``javascript:`` or ``data:`` URL into a page. Lessons are rendered once,
when they are saved or imported, and the HTML is stored next to the source.

Two link schemes point inside the platform and are rewritten to paths:

``lesson:<item-key>``
    another item of the same course: ``/courses/<course-slug>/learn/<item-key>``
``course:<slug>``
    a course page: ``/courses/<slug>``

Lessons cite their sources (listed in the lesson's front matter) with
footnote references, ``[^ica-1995]``, parsed by mdit-py-plugins' footnote
plugin: each becomes a numbered link to the lesson's source list,
``<sup class="citation"><a href="#source-1">[1]</a></sup>``; the page shows
the list itself (``courses/lesson.html``). Footnote definitions in the body are
not used: the front matter holds the sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from html import escape

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

#: The shape of every id in the content format (slugs, lesson and quiz ids).
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

LESSON_SCHEME = "lesson:"
COURSE_SCHEME = "course:"
#: What an author writes after a claim that still needs a source (the review report lists them).
SOURCE_NEEDED = "[source needed]"

ALLOWED_TAGS = frozenset(
    {
        "a",
        "blockquote",
        "br",
        "code",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    # Table column alignment; only ``text-align`` survives (FILTER_STYLE).
    "th": {"style"},
    "td": {"style"},
}
ALLOWED_CLASSES = {"sup": {"citation"}}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
FILTER_STYLE = frozenset({"text-align"})
EXTERNAL_REL = "noopener noreferrer"


def _render_citation(renderer, tokens: list[Token], idx: int, options, env) -> str:
    """A ``[^id]`` reference: a numbered link to the source list, or the text as written."""
    label = tokens[idx].meta["label"]
    cited = env.get("citations", {}).get(label)
    if cited is None:
        return escape(f"[^{label}]", quote=False)
    number, title = cited
    return (
        f'<sup class="citation"><a href="#source-{number}" title="{escape(title)}">'
        f"[{number}]</a></sup>"
    )


def _markdown(html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": html}).enable("table")
    # References only ([^id], whatever the id); the sources are in the front matter.
    footnote_plugin(md, inline=False, move_to_end=False, always_match_refs=True)
    md.block.ruler.disable("footnote_def")
    md.add_render_rule("footnote_ref", _render_citation)
    return md


_parser = _markdown(html=False)
# Only used to find raw HTML, which _parser shows as text, so authors can be warned.
_html_finder = _markdown(html=True)


def lesson_path(course_slug: str, item_key: str) -> str:
    """Return the path of an item (lesson or quiz) of a course."""
    return f"/courses/{course_slug}/learn/{item_key}"


def course_path(course_slug: str) -> str:
    """Return the path of a course's page."""
    return f"/courses/{course_slug}"


def parse(source: str) -> list[Token]:
    """Parse Markdown into markdown-it tokens, with the renderer's settings."""
    return _parser.parse(source)


def raw_html_lines(source: str) -> list[int]:
    """Return the 0-based first lines of the blocks holding raw HTML."""
    lines = []
    for token in _html_finder.parse(source):
        has_html = token.type == "html_block" or any(
            child.type == "html_inline" for child in token.children or ()
        )
        if has_html and token.map:
            lines.append(token.map[0])
    return lines


def iter_links(tokens: list[Token]) -> Iterator[tuple[Token, Token]]:
    """Yield ``(block, link)`` for every link and image in ``tokens``.

    ``block`` is the inline token holding the link; its ``map`` gives the
    source lines the link is on.
    """
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        for child in block.children:
            if child.type in ("link_open", "image"):
                yield block, child


def iter_citations(tokens: list[Token]) -> Iterator[tuple[Token, str]]:
    """Yield ``(block, source id)`` for every ``[^id]`` citation in ``tokens``."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        for child in block.children:
            if child.type == "footnote_ref":
                yield block, child.meta["label"]


def cited_sources(source: str) -> list[str]:
    """The source ids ``source`` cites, each once, in the order first cited."""
    return list(dict.fromkeys(label for _block, label in iter_citations(parse(source))))


def internal_target(href: str, course_slug: str | None) -> str | None:
    """Return the path a ``lesson:`` or ``course:`` link points to.

    :param href: the link as written.
    :param course_slug: the course a ``lesson:`` link belongs to.
    :return: the path, or ``None`` when ``href`` is not a well-formed internal
        link (or a ``lesson:`` link without a course to resolve it in).
    """
    if href.startswith(LESSON_SCHEME):
        key = href[len(LESSON_SCHEME) :]
        if course_slug is None or not ID_PATTERN.match(key):
            return None
        return lesson_path(course_slug, key)
    if href.startswith(COURSE_SCHEME):
        slug = href[len(COURSE_SCHEME) :]
        return course_path(slug) if ID_PATTERN.match(slug) else None
    return None


def _rewrite_links(tokens: list[Token], course_slug: str | None) -> None:
    for _block, link in iter_links(tokens):
        attr = "src" if link.type == "image" else "href"
        href = str(link.attrGet(attr) or "")
        if href.startswith((LESSON_SCHEME, COURSE_SCHEME)):
            target = internal_target(href, course_slug)
            if target is None:
                # Unresolvable: keep the text, drop the link.
                link.attrs.pop(attr, None)
            else:
                link.attrSet(attr, target)
        elif link.type == "link_open" and href.lower().startswith(("http://", "https://")):
            link.attrSet("rel", EXTERNAL_REL)


def _empty_headers_as_cells(tokens: list[Token]) -> None:
    """Make a table's empty header cell (the corner of ``| | A | B |``) a plain cell.

    A header with no text names nothing: screen readers announce it as a
    blank header, and accessibility checkers report it (axe's
    ``empty-table-header``). As a ``<td>`` the corner is simply empty.
    """
    for n, token in enumerate(tokens[:-2]):
        if (token.type == "th_open" and tokens[n + 1].type == "inline"
                and not tokens[n + 1].content.strip() and tokens[n + 2].type == "th_close"):
            token.tag = tokens[n + 2].tag = "td"


def sanitize(html: str) -> str:
    """Clean HTML against the allow-list used for all course content."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        allowed_classes={tag: set(classes) for tag, classes in ALLOWED_CLASSES.items()},
        filter_style_properties=set(FILTER_STYLE),
        # rel is set by _rewrite_links on external links only; internal links
        # need none.
        link_rel=None,
        strip_comments=True,
    )


def render_markdown(
    source: str,
    course_slug: str | None = None,
    sources: Sequence[tuple[str, str]] = (),
) -> str:
    """Render Markdown to sanitised HTML.

    ``lesson:<key>`` links become ``/courses/<course_slug>/learn/<key>`` and
    ``course:<slug>`` links become ``/courses/<slug>``. External ``http`` and
    ``https`` links get ``rel="noopener noreferrer"``. Raw HTML in the source
    is shown as text, and anything unsafe that remains is removed. A table's
    empty header cell becomes a ``<td>``.

    :param source: the Markdown text.
    :param course_slug: the course that ``lesson:`` links refer to; without
        it those links render as plain text.
    :param sources: the lesson's sources as ``(id, title)``, in their order:
        ``[^id]`` becomes a link to ``#source-N``, N counting from 1. A
        citation of any other id is shown as written.
    """
    tokens = parse(source)
    _rewrite_links(tokens, course_slug)
    _empty_headers_as_cells(tokens)
    env = {"citations": {key: (n, title) for n, (key, title) in enumerate(sources, start=1)}}
    html = _parser.renderer.render(tokens, _parser.options, env)
    return sanitize(html)


def render_lesson(source: str, course_slug: str, sources: Sequence[dict] = ()) -> str:
    """Render a lesson's body, its citations numbered by its ``sources``.

    :param sources: the lesson's sources as stored (dicts with ``id`` and ``title``).
    """
    return render_markdown(source, course_slug, [(s["id"], s["title"]) for s in sources])
