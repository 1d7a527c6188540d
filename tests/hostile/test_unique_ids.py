"""No page repeats an ``id``, and every link within a page lands: every page of the
crawl, as each role.

A repeated id breaks what points at it: a label's ``for``, ``aria-labelledby``
and ``aria-describedby`` name the first element with the id, and a link to
``#id`` (the menu's "Language", which leads to the footer's chooser) lands on
whichever comes first. A link to an id no element carries goes nowhere. Pages
are crawled as in :mod:`.test_unmarked_text`.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from lms.accounts.operations import create_user
from lms.db import db
from lms.testing import TEST_PASSWORD

from .test_routes import seed_site
from .test_unmarked_text import ROLES, html_pages

_ID = re.compile(r'<[a-zA-Z][^>]*?\sid="([^"]*)"')
_IN_PAGE_LINK = re.compile(r'<a\b[^>]*\bhref="#([^"]+)"')


@pytest.fixture()
def app_config(app_config):
    # The crawl signs in with the form, like the unmarked-text crawl, without a token.
    return {**app_config, "WTF_CSRF_ENABLED": False}


def repeated_ids(html: str) -> list[str]:
    """The ids that more than one element of ``html`` carries."""
    return sorted(name for name, n in Counter(_ID.findall(html)).items() if n > 1)


def links_nowhere(html: str) -> list[str]:
    """The ``#id`` links of ``html`` whose id no element carries."""
    ids = set(_ID.findall(html))
    return sorted({name for name in _IN_PAGE_LINK.findall(html) if name not in ids})


def test_the_check_finds_a_link_to_nowhere():
    html = '<a href="#main">Skip</a><main id="main"></main><a href="#gone">Gone</a>'
    assert links_nowhere(html) == ["gone"]


def test_the_check_finds_a_repeated_id():
    html = ('<form id="a"><input name="csrf_token" type="hidden" value="x"></form>'
            '<form id="a"></form><p id="b">id="c"</p><select id="c"></select>')
    assert repeated_ids(html) == ["a"]


def test_no_page_repeats_an_id(app):
    path_values = seed_site(app)
    create_user(ROLES["learner"], "New Comer", TEST_PASSWORD)
    db.session.commit()
    findings: dict[str, set[str]] = {}
    pages = 0
    for role, path, page in html_pages(app, path_values, ROLES):
        pages += 1
        for name in repeated_ids(page):
            findings.setdefault(name, set()).add(f"{role} {path}")
        for name in links_nowhere(page):
            findings.setdefault(f"#{name} (linked, missing)", set()).add(f"{role} {path}")
    assert pages > 100, pages
    report = "\n".join(f"{name!r} ({len(where)}: {sorted(where)[:4]})"
                       for name, where in sorted(findings.items()))
    assert not findings, f"ids repeated on a page, or linked to and missing:\n{report}"
