"""Render members' Markdown (proposal texts, comments) to safe HTML.

markdown-it-py parses CommonMark with raw HTML disabled; nh3 then cleans the
HTML against a small allow-list, so no script, event handler, style or
``javascript:`` URL survives. External links get ``rel="nofollow noopener
noreferrer"``.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {"a", "blockquote", "br", "code", "em", "hr", "li", "ol", "p", "pre", "strong", "ul"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})

_parser = MarkdownIt("commonmark", {"html": False})


def render_markdown(source: str) -> str:
    """Render Markdown to sanitised HTML (headings become paragraphs of strong text)."""
    html = _parser.render(source or "")
    html = _demote_headings(html)
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


def _demote_headings(html: str) -> str:
    # A comment must not add headings to the page's outline.
    for level in range(1, 7):
        html = html.replace(f"<h{level}>", "<p><strong>").replace(f"</h{level}>", "</strong></p>")
    return html
