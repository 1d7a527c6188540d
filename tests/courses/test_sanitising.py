"""Lesson Markdown is sanitised after rendering (through the one render function)."""

from html.parser import HTMLParser

from courses.markdown import render_markdown


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_dangerous_markup_removed():
    source = "\n\n".join(
        [
            "# Title",
            "<script>alert(1)</script>",
            '<img src="x" onerror="alert(1)">',
            "[click](javascript:alert(1))",
            "[click2](JaVaScRiPt:alert(1))",
            "![pic](data:image/png;base64,AAAA)",
            "[data](data:text/html;base64,PHNjcmlwdD4=)",
            '<a href="data:text/html,<script>alert(1)</script>">x</a>',
            '<p onclick="alert(1)">hi</p>',
            "[ok](https://example.org)",
        ]
    )
    html = render_markdown(source, "co-op-basics")
    tags = _tags(html)
    assert "script" not in {t for t, _ in tags}
    for tag, attrs in tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:")), (tag, attrs)
    assert ("a", {"href": "https://example.org", "rel": "noopener noreferrer"}) in tags
