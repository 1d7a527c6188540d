"""Every user-facing string is marked for translation, and extraction runs clean."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lms", "courses", "certificates", "governance")
TEMPLATES = sorted(
    path
    for package in PACKAGES
    for pattern in ("*.html", "*.txt")
    for path in (ROOT / package).glob(f"templates/**/{pattern}")
)
#: Attributes whose values people read (or hear).
READABLE_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description"}
_JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.DOTALL)
_TRANS_BLOCK = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", re.DOTALL)
_LETTER = re.compile(r"[^\W\d_]")
#: An element whose name the template chooses (``<{{ tag }} class="...">``): read as an element.
_JINJA_TAG_NAME = re.compile(r"(</?)\{\{.*?\}\}")


class UnmarkedText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_data(self, data):
        if _LETTER.search(data):
            self.found.append(data.strip())

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in READABLE_ATTRIBUTES and value and _LETTER.search(value):
                self.found.append(f'{name}="{value}"')
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            value = dict(attrs).get("value") or ""
            if _LETTER.search(value):
                self.found.append(f'value="{value}"')


def unmarked(source: str, *, html: bool) -> list[str]:
    text = _JINJA.sub(" ", _TRANS_BLOCK.sub(" ", _JINJA_TAG_NAME.sub(r"\1x-tag", source)))
    if not html:
        return [line.strip() for line in text.splitlines() if _LETTER.search(line)]
    parser = UnmarkedText()
    parser.feed(text)
    parser.close()
    return parser.found


def test_templates_are_found():
    assert ROOT / "lms/templates/lms/base.html" in TEMPLATES


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_template_text_is_marked(path):
    found = unmarked(path.read_text(encoding="utf-8"), html=path.suffix == ".html")
    assert found == [], f"{path.relative_to(ROOT)}: wrap these in _(): {found}"


def test_the_check_catches_unmarked_text():
    assert unmarked("<p>{{ _('Fine') }}</p><p>Not fine</p>", html=True) == ["Not fine"]
    assert unmarked('<img alt="A cat" src="{{ x }}">', html=True) == ['alt="A cat"']
    assert unmarked("{% trans %}Fine too{% endtrans %}<p>{{ n }} #</p>", html=True) == []
    assert unmarked('<{{ tag }} class="a{% if b %} b{% endif %}">{{ _("Fine") }}</{{ tag }}>'
                    "<{{ tag }}>Not fine</{{ tag }}>", html=True) == ["Not fine"]


def test_pybabel_extract_runs_clean(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    result = subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    problems = [
        line
        for line in result.stderr.splitlines()
        if not line.startswith(("extracting messages from", "writing PO template file"))
    ]
    assert problems == []
    catalogue = pot.read_text(encoding="utf-8")
    for message in (
        "Skip to main content",
        "The email address or password is not correct.",
        "This link has already been used.",
        "Too many attempts",
        "Use at least %(num)d character.",
        "Administrator",
    ):
        assert f'msgid "{message}"' in catalogue, message
