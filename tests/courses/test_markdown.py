"""courses.markdown.render_markdown: CommonMark + tables, internal links, nh3 sanitising."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from courses.markdown import render_markdown


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](vbscript:msgbox(1))",
        "![pic](data:image/png;base64,AAAA)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">x</a>',
        '<p onclick="alert(1)">hi</p>',
        "<iframe src=https://evil.example></iframe>",
        '[x](https://example.org "title\\" onmouseover=\\"alert(1)")',
        "<style>body{display:none}</style>",
    ],
)
def test_nothing_dangerous_survives(source):
    elements = _elements(render_markdown(source, "demo"))
    for tag, attrs in elements:
        assert tag not in ("script", "iframe", "style"), elements
        for name, value in attrs:
            assert not name.startswith("on"), elements
            if name in ("href", "src"):
                assert not (value or "").lower().startswith(("javascript:", "vbscript:", "data:"))


def test_raw_html_is_shown_as_text():
    assert render_markdown("a <b>bold</b> word") == "<p>a &lt;b&gt;bold&lt;/b&gt; word</p>\n"


def test_internal_links_become_paths():
    html = render_markdown(
        "[next](lesson:seven-principles) and [more](course:co-op-finance)", "wic"
    )
    assert '<a href="/courses/wic/learn/seven-principles">next</a>' in html
    assert '<a href="/courses/co-op-finance">more</a>' in html
    assert "rel=" not in html


def test_reference_style_internal_link():
    html = render_markdown("See [the lesson].\n\n[the lesson]: lesson:intro\n", "demo")
    assert '<a href="/courses/demo/learn/intro">the lesson</a>' in html


def test_lesson_link_without_course_or_bad_id_keeps_only_text():
    assert render_markdown("[x](lesson:intro)") == "<p><a>x</a></p>\n"
    assert "href" not in render_markdown("[x](lesson:Not_An_Id)", "demo")


def test_external_links_get_rel_and_keep_query():
    html = render_markdown("[ica](https://ica.coop/en?a=1&b=2) [mail](mailto:hi@example.org)")
    assert '<a href="https://ica.coop/en?a=1&amp;b=2" rel="noopener noreferrer">ica</a>' in html
    assert '<a href="mailto:hi@example.org">mail</a>' in html


def test_tables_and_alignment():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert "<table>" in html and '<th style="text-align:left">a</th>' in html
    assert '<td style="text-align:right">2</td>' in html


def test_ordinary_markdown():
    html = render_markdown("## Heading\n\n- *one*\n- **two**\n\n> quote\n\n```\nx < y\n```\n")
    assert "<h2>Heading</h2>" in html and "<em>one</em>" in html
    assert "<strong>two</strong>" in html and "<blockquote>" in html
    assert "<pre><code>x &lt; y\n</code></pre>" in html


def test_image_https_kept():
    html = render_markdown("![A chart](https://example.org/c.png)")
    assert '<img src="https://example.org/c.png" alt="A chart">' in html


def test_an_empty_header_cell_is_a_plain_cell():
    html = render_markdown("| | A | B |\n| --- | :-: | --- |\n| x | 1 | 2 |\n")
    head = html.split("<tbody>")[0]
    assert "<th></th>" not in head and head.count("<th>") + head.count("<th ") == 2
    assert "<td></td>" in head
    assert '<th style="text-align:center">A</th>' in head  # alignment kept on the others
    # A named corner stays a header.
    html = render_markdown("| Feature | A |\n| --- | --- |\n| x | 1 |\n")
    assert "<th>Feature</th>" in html
