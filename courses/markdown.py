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
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

#: The shape of every id in the content format (slugs, lesson and quiz ids).
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

LESSON_SCHEME = "lesson:"
COURSE_SCHEME = "course:"

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
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
FILTER_STYLE = frozenset({"text-align"})
EXTERNAL_REL = "noopener noreferrer"

_parser = MarkdownIt("commonmark", {"html": False}).enable("table")
# Only used to find raw HTML, which _parser shows as text, so authors can be warned.
_html_finder = MarkdownIt("commonmark", {"html": True}).enable("table")


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


def sanitize(html: str) -> str:
    """Clean HTML against the allow-list used for all course content."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        filter_style_properties=set(FILTER_STYLE),
        # rel is set by _rewrite_links on external links only; internal links
        # need none.
        link_rel=None,
        strip_comments=True,
    )


def render_markdown(source: str, course_slug: str | None = None) -> str:
    """Render Markdown to sanitised HTML.

    ``lesson:<key>`` links become ``/courses/<course_slug>/learn/<key>`` and
    ``course:<slug>`` links become ``/courses/<slug>``. External ``http`` and
    ``https`` links get ``rel="noopener noreferrer"``. Raw HTML in the source
    is shown as text, and anything unsafe that remains is removed.

    :param source: the Markdown text.
    :param course_slug: the course that ``lesson:`` links refer to; without
        it those links render as plain text.
    """
    tokens = parse(source)
    _rewrite_links(tokens, course_slug)
    html = _parser.renderer.render(tokens, _parser.options, {})
    return sanitize(html)
