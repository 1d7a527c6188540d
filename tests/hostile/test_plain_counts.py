"""Counts and durations read as plain English on every page: never "1 days", "1 members"
or "(s)", with the periods people can configure set to one day."""

from __future__ import annotations

import html
import re

import pytest

from lms.accounts.operations import create_user
from lms.db import db
from lms.testing import TEST_PASSWORD

from .test_routes import seed_site
from .test_unmarked_text import ROLES, html_pages

_NOUNS = ("days|hours|weeks|months|minutes|members|accounts|votes|learners|courses|lessons|"
          "items|questions|attempts|groups|people|notifications|files|times|tutors|seconders|"
          "proposals|ballots|certificates|invitations|answers|replies|posts|threads|modules")
#: "1 days" and the like (not "1.5 hours", nor "21 days": a word boundary on each side).
_ONE_PLURAL = re.compile(r"(?<![\d.,])\b1 (?:" + _NOUNS + r")\b")
_HIDDEN = re.compile(r"<(script|style|pre|code|textarea)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


@pytest.fixture()
def app_config(app_config):
    # Every period a person can set, at one: the wording must then be singular.
    return {**app_config, "WTF_CSRF_ENABLED": False, "LMS_DATA_EXPORT_HOURS": 24,
            "LMS_CLOSURE_GRACE_DAYS": 1, "LMS_OUTBOX_RETENTION_DAYS": 1}


def visible_text(page: str) -> str:
    """The words a person reads on ``page``: tags, scripts, styles and code left out."""
    return " ".join(html.unescape(_TAG.sub(" ", _HIDDEN.sub(" ", page))).split())


def plural_slips(text: str) -> list[str]:
    """The places in ``text`` where a count of one meets a plural, or "(s)" stands in."""
    return _ONE_PLURAL.findall(text) + re.findall(r"\w+\(s\)", text)


def test_the_check_finds_slips():
    assert plural_slips("Voting lasts 1 days; 1 members voted; 3 member(s)") == [
        "1 days", "1 members", "member(s)"]
    assert plural_slips("1 day, 21 days, 1.5 hours, 11 hours, 2 members") == []
    assert visible_text("<p>1 <b>day</b></p><script>'1 days'</script>") == "1 day"


def test_no_page_shows_a_count_of_one_with_a_plural(app):
    path_values = seed_site(app)
    create_user(ROLES["learner"], "New Comer", TEST_PASSWORD)
    db.session.commit()
    roles = {role: ROLES[role] for role in ("anonymous", "learner", "member", "admin")}
    findings: dict[str, set[str]] = {}
    pages = 0
    for role, path, page in html_pages(app, path_values, roles, per_endpoint=1):
        pages += 1
        for slip in plural_slips(visible_text(page)):
            findings.setdefault(slip, set()).add(f"{role} {path}")
    assert pages > 100, pages
    assert not findings, "\n".join(f"{slip!r}: {sorted(where)[:4]}"
                                   for slip, where in sorted(findings.items()))
