"""No unmarked interface text: every page, as each role, in a pseudo-translation.

The app is given a complete Urdu catalogue in which every string is its English
between ``⟦`` and ``⟧`` (``lms.testing.write_pseudo_catalogues``). Babel's Urdu
data formats dates and numbers in Urdu script, so on every page any Latin letters
left outside the markers are English that did not go through the catalogue, or
content people and authors wrote (names, course titles, lessons), which is
recognised by being in the database or the settings. The pages are every GET
route of ``app.url_map`` (as the hostile walker finds them, with its seeded ids),
and the links they hold (a few per endpoint), for a visitor, a learner, a member, a
tutor, a certificate officer and an admin.
"""

from __future__ import annotations

import contextlib
import json
import re
from functools import cache
from html.parser import HTMLParser

import pytest
from sqlalchemy import String, Text, select
from werkzeug.exceptions import HTTPException

from lms.accounts.operations import create_user
from lms.db import db
from lms.testing import PSEUDO_CLOSE, PSEUDO_OPEN, TEST_PASSWORD, sign_in

from .test_routes import seed_site
from .walker import build_path, route_cases

ROLES = {
    "anonymous": None,
    "learner": "newcomer@example.org",  # a learner who is not a member
    "member": "learner@example.org",  # seed_site makes the demo learner a member
    "tutor": "tutor@example.org",
    "officer": "officer@example.org",
    "admin": "admin@example.org",
}
#: Where people and authors write, read or copy text that is no interface string.
_NOT_INTERFACE = {"script", "style", "template", "code", "kbd", "samp", "pre", "textarea"}
_READABLE = ("alt", "title", "placeholder", "aria-label", "aria-description")
_MARKED = re.compile(re.escape(PSEUDO_OPEN) + "[^" + PSEUDO_OPEN + PSEUDO_CLOSE + "]*"
                     + re.escape(PSEUDO_CLOSE))
_LATIN = re.compile(r"[A-Za-z]")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    return {**app_config, "WTF_CSRF_ENABLED": False, "LMS_LANGUAGES": "ur",
            "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("ur")}


def unmarked(text: str) -> list[str]:
    """The pieces of ``text`` (text nodes joined by new lines) outside every marker."""
    previous = None
    while previous != text:  # a translation may hold another (a label in a sentence)
        previous, text = text, _MARKED.sub("\n", text)
    return [piece.strip() for piece in text.split("\n") if _LATIN.search(piece)]


class VisibleText(HTMLParser):
    """A page's text nodes and readable attributes, without what is not interface text."""

    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[bool] = []  # per open element: is it (or an ancestor) left out?
        self.text: list[str] = []
        self.attributes: list[str] = []

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        lang = values.get("lang")
        skip = self.skipping or tag in _NOT_INTERFACE or values.get("translate") == "no" or (
            tag != "html" and lang is not None and lang != self.page_lang)
        if not skip:
            self.attributes += [values[a] for a in _READABLE if values.get(a)]
            if tag == "input" and values.get("type") in ("submit", "button", "reset"):
                self.attributes.append(values.get("value") or "")
        if tag not in _VOID:
            self.stack.append(skip)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.text.append(data)


def interface_text_outside_markers(html: str) -> list[str]:
    lang = re.search(r'<html lang="([^"]+)"', html)
    parser = VisibleText(lang.group(1) if lang else "")
    parser.feed(html)
    parser.close()
    return unmarked("\n".join(parser.text)) + [
        piece for value in parser.attributes for piece in unmarked(value)]


def _content_strings(app) -> str:
    """Every text the database holds (names, titles, lessons, settings) and the site's name."""
    from governance.rules import DEFAULT_RULES

    # The co-operative's rules (its member classes' names, ...) are its own text, amended by
    # its votes; the model rules' are the defaults of what the database holds.
    found = [app.config["LMS_SITE_NAME"], app.config["LMS_BASE_URL"],
             json.dumps(DEFAULT_RULES, ensure_ascii=False, default=str)]

    def collect(value):
        if isinstance(value, str):
            found.append(value)
            if value[:1] in "[{":
                with contextlib.suppress(ValueError):  # text that only starts like JSON
                    collect(json.loads(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(key)
                collect(item)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)

    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns
                   if isinstance(c.type, String | Text) or c.type.__class__.__name__ == "JSON"]
        if columns:
            for row in db.session.execute(select(*columns)):
                collect(list(row))
    return "\n".join(found)


#: Latin letters in Babel's Urdu data (times are "9:20 PM" in it).
_LOCALE_WORDS = re.compile(r"\b(AM|PM)\b")


def _is_code(text: str) -> bool:
    """A code people read as it is: an IANA time zone (the profile's list), an address."""
    return (text.replace(" ", "_") in _zones() or "@" in text
            or text.startswith(("http://", "https://", "/")))


@cache
def _zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones() | {"UTC"})


#: Where content pieces meet in a line: "Title · Site", "Name, date", "1. Title", "Publisher (x)".
_PARTS = re.compile(r"\s*[·›»|–—]\s*|[.,;:،]\s|\s\(|\)|^\d+\.\s")


def _is_content(piece: str, content: str, markdown: str) -> bool:
    """Whether ``piece`` is content (from the database or settings), a code, or no words."""
    for part in _PARTS.split(_LOCALE_WORDS.sub("", piece)):
        core = part.strip(" \t.,:;!?()[]\"'·–—-•|/#*→←↑↓›»")
        if _LATIN.search(core) and not (core in content or core in markdown or _is_code(core)):
            return False
    return True


def test_the_check_finds_unmarked_text():
    html = (f'<html lang="ur"><title>{PSEUDO_OPEN}Home{PSEUDO_CLOSE} · Site</title>'
            f'<p>{PSEUDO_OPEN}Hello <b>{PSEUDO_OPEN}you{PSEUDO_CLOSE}</b>{PSEUDO_CLOSE}</p>'
            '<p>Not marked</p><button lang="en">English</button><code>x = 1</code>'
            f'<img alt="A cat"><a title="{PSEUDO_OPEN}Fine{PSEUDO_CLOSE}">12</a></html>')
    assert interface_text_outside_markers(html) == ["· Site", "Not marked", "A cat"]


_LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#?]*)[^"]*"')
#: Pages fetched per endpoint (and role) beyond the url map's one: other lessons, quizzes...
PER_ENDPOINT = 3


def crawl(app, path_values: dict[str, str], roles: dict[str, str | None],
          per_endpoint: int = PER_ENDPOINT, cookies: dict[str, str] | None = None):
    """Fetch every GET page of the url map (with the seeded ids) as each role, then the links
    the pages hold, breadth first, ``per_endpoint`` more per endpoint; yield each HTML page as
    ``(role, path, response)`` (redirects left out: nobody sees their bodies), or the
    exception a page raised (tests propagate them) in place of its response."""
    rules = [case.rule for case in route_cases(app) if "GET" in case.methods
             and not case.rule.rule.startswith("/static") and "logout" not in case.rule.endpoint]
    adapter = app.url_map.bind("localhost")
    for role, email in roles.items():
        visitor = app.test_client()
        for name, value in (cookies or {}).items():
            visitor.set_cookie(name, value)
        if email:
            sign_in(visitor, email)
        queue = []
        for rule in rules:
            values = {name: path_values.get(name, "1" if name.endswith("_id") else "x")
                      for name in rule.arguments}
            queue.append(build_path(rule, values))
        seen = set(queue)
        counted: dict[str, int] = {}
        while queue:
            path = queue.pop(0)
            try:
                response = visitor.get(path)
            except Exception as exc:  # noqa: BLE001 (reported by the caller, like a 500)
                yield role, path, exc
                continue
            if response.status_code in (301, 302, 303):
                continue
            yield role, path, response
            if response.mimetype != "text/html":
                continue
            for link in _LINK.findall(response.get_data(as_text=True)):
                if link in seen or link.startswith("/static"):
                    continue
                seen.add(link)
                try:
                    endpoint, _args = adapter.match(link, method="GET")
                except HTTPException:  # not a page of the app, or not a GET
                    continue
                if "logout" in endpoint or counted.get(endpoint, 0) >= per_endpoint:
                    continue
                counted[endpoint] = counted.get(endpoint, 0) + 1
                queue.append(link)


def html_pages(app, path_values: dict[str, str], roles: dict[str, str | None], **options):
    """:func:`crawl`'s HTML pages as ``(role, path, html)``; a page that raised fails the test."""
    for role, path, response in crawl(app, path_values, roles, **options):
        assert not isinstance(response, Exception), f"{role} {path}: {response!r}"
        if response.mimetype == "text/html":
            yield role, path, response.get_data(as_text=True)


def test_every_page_shows_only_marked_interface_text(app):
    path_values = seed_site(app)
    create_user(ROLES["learner"], "New Comer", TEST_PASSWORD)
    db.session.commit()
    content = _content_strings(app)
    markdown = content.replace("*", "").replace("`", "")
    findings: dict[str, set[str]] = {}
    pages = 0
    # About 570 pages over the six roles.
    for role, path, page in html_pages(app, path_values, ROLES):
        pages += 1
        for piece in interface_text_outside_markers(page):
            if not _is_content(piece, content, markdown):
                findings.setdefault(piece, set()).add(f"{role} {path}")
    assert pages > 100, pages
    report = "\n".join(f"{piece!r}  ({len(where)}: {sorted(where)[:4]})"
                       for piece, where in sorted(findings.items()))
    assert not findings, (f"{len(findings)} pieces of interface text outside the catalogue "
                          f"(wrap them in _() and run make messages catalogues):\n{report}")
