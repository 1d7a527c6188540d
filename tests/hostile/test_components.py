"""The shared components on every page: each table inside the scrolling wrapper (the page
itself never scrolls sideways at 320 px), each radio button and checkbox group in the shared
choice group (the quiz's look, the ballot box's too)."""

from __future__ import annotations

import re

import pytest

from lms.db import db

from .test_routes import seed_site
from .test_unmarked_text import ROLES, crawl

_TABLE = re.compile(r"<table\b")
_RADIO = re.compile(r"<input\b[^>]*\btype=\"radio\"")


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


def misplaced(page: str) -> list[str]:
    """The tables outside a ``table-wrap`` and the radio buttons outside a ``radio-group``."""
    found = [f"table at {m.start()}" for m in _TABLE.finditer(page)
             if not _inside(page, m.start(), '<div class="table-wrap', "</div>", "table-wrap")]
    found += [f"radio at {m.start()}" for m in _RADIO.finditer(page)
              if not _inside(page, m.start(), "<fieldset", "</fieldset>", "radio-group")]
    return found


def test_the_check_finds_bare_tables_and_radios():
    assert misplaced('<div class="table-wrap"><table></table></div>') == []
    assert misplaced("<table></table>") == ["table at 0"]
    assert misplaced('<fieldset class="radio-group"><legend>x</legend>'
                     '<div class="choice"><input type="radio"></div></fieldset>') == []
    assert misplaced('<fieldset><input type="radio"></fieldset>') == ["radio at 10"]


def test_every_page_uses_the_shared_table_and_choice_components(app):
    path_values = seed_site(app)
    db.session.commit()
    roles = {role: ROLES[role] for role in ("member", "tutor", "admin")}
    findings: dict[str, list[str]] = {}
    pages = 0
    for role, path, response in crawl(app, path_values, roles, per_endpoint=1):
        assert not isinstance(response, Exception), f"{role} {path}: {response!r}"
        if response.mimetype != "text/html":
            continue
        pages += 1
        if found := misplaced(response.get_data(as_text=True)):
            findings[f"{role} {path}"] = found
    assert pages > 100, pages
    assert not findings, findings
