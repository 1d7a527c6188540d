"""The shared components on every page: each table inside the scrolling wrapper (the page
itself never scrolls sideways at 320 px), a reflowing one with its roles and cell labels
written; each radio button in the shared choice group (the quiz's look, the ballot box's too);
each checkbox in a row of a choice group or of the single-checkbox component; each notice
with its kind (info, success, warning, error)."""

from __future__ import annotations

import re

import pytest

from lms.db import db

from .test_routes import seed_site
from .test_unmarked_text import ROLES, html_pages

_TABLE = re.compile(r"<table\b")
_RADIO = re.compile(r"<input\b[^>]*\btype=\"radio\"")
_CHECKBOX = re.compile(r"<input\b[^>]*\btype=\"checkbox\"")
_NOTICE = re.compile(r"<[a-z]+\b[^>]*\bclass=\"(?:[^\"]* )?notice(?: [^\"]*)?\"")
_TONE = re.compile(r"\bnotice-(?:info|success|warning|error)\b")


@pytest.fixture()
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": False}


def _inside(page: str, at: int, opening: str, closing: str, wanted: str) -> bool:
    """Whether position ``at`` of ``page`` is inside the nearest ``opening`` tag before it,
    still open there, whose attributes hold ``wanted``."""
    start = page.rfind(opening, 0, at)
    if start < 0 or closing in page[start:at]:
        return False
    return wanted in page[start:page.index(">", start)]


def _checkbox_placed(page: str, at: int) -> bool:
    """Whether the checkbox at ``at`` is a ``choice`` row of a choice group or of the
    single-checkbox component (``checkbox`` in macros.html)."""
    return _inside(page, at, '<div class="choice', "</div>", "choice") and (
        _inside(page, at, "<fieldset", "</fieldset>", "radio-group")
        or _inside(page, at, '<div class="field checkbox-field', "</div>", "checkbox-field"))


def misplaced(page: str) -> list[str]:
    """The tables outside a ``table-wrap`` (and reflowing ones left without their roles and
    cell labels), the radio buttons outside a ``radio-group``, the checkboxes outside the
    choice components and the notices without a kind."""
    found = []
    for m in _TABLE.finditer(page):
        if not _inside(page, m.start(), '<div class="table-wrap', "</div>", "table-wrap"):
            found.append(f"table at {m.start()}")
        elif (_inside(page, m.start(), '<div class="table-wrap', "</div>", "table-reflow")
              and 'role="table"' not in page[m.start():page.index(">", m.start())]):
            found.append(f"reflowing table without its roles at {m.start()}")
    found += [f"radio at {m.start()}" for m in _RADIO.finditer(page)
              if not _inside(page, m.start(), "<fieldset", "</fieldset>", "radio-group")]
    found += [f"checkbox at {m.start()}" for m in _CHECKBOX.finditer(page)
              if not _checkbox_placed(page, m.start())]
    found += [f"notice without a kind at {m.start()}" for m in _NOTICE.finditer(page)
              if not _TONE.search(m.group())]
    return found


def test_the_check_finds_bare_tables_and_radios():
    assert misplaced('<div class="table-wrap"><table></table></div>') == []
    assert misplaced("<table></table>") == ["table at 0"]
    assert misplaced('<fieldset class="radio-group"><legend>x</legend>'
                     '<div class="choice"><input type="radio"></div></fieldset>') == []
    assert misplaced('<fieldset><input type="radio"></fieldset>') == ["radio at 10"]


def test_the_check_finds_bare_checkboxes_notices_and_unlabelled_reflowing_tables():
    single = ('<div class="field checkbox-field"><div class="choice">'
              '<input type="checkbox" id="a"> <label for="a">A</label></div></div>')
    grouped = ('<fieldset class="radio-group"><legend>x</legend>'
               '<div class="choice"><input type="checkbox"></div></fieldset>')
    assert misplaced(single) == misplaced(grouped) == []
    assert misplaced('<div class="checkbox"><input type="checkbox"></div>') == ["checkbox at 22"]
    assert misplaced('<div class="choice"><input type="checkbox"></div>') == ["checkbox at 20"]
    assert misplaced('<p class="notice notice-warning">x</p>') == []
    assert misplaced('<p class="notice">x</p>') == ["notice without a kind at 0"]
    assert misplaced('<ul class="notification-list"></ul>') == []
    reflowing = '<div class="table-wrap table-reflow"><table{}></table></div>'
    assert misplaced(reflowing.format(' role="table"')) == []
    assert misplaced(reflowing.format("")) == ["reflowing table without its roles at 37"]


def test_every_page_uses_the_shared_table_choice_and_notice_components(app):
    path_values = seed_site(app)
    db.session.commit()
    roles = {role: ROLES[role] for role in ("member", "tutor", "admin")}
    findings: dict[str, list[str]] = {}
    pages = 0
    for role, path, page in html_pages(app, path_values, roles, per_endpoint=1):
        pages += 1
        if found := misplaced(page):
            findings[f"{role} {path}"] = found
    assert pages > 100, pages
    assert not findings, findings
