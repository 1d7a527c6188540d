"""The page weight measure: the heaviest page each role visits, with its CSS.

Every role of the bench dataset (a visitor, the learner, a member of the co-op,
the tutor of the cohort measures' groups) starts at the home page and follows
the site's own links with ``GET``, as a person clicking through would (GET never
writes), in-process through Flask's test client. Every kind of page is fetched:
addresses that differ only in their numbers (``/cohorts/3/learners/17``) or in
their query values are one kind, of which the first few are fetched; files
(PDF, CSV, JSON) are not pages and are skipped.

A page's weight is its HTML plus the stylesheets it links, uncompressed, less
the text people wrote (the ``class="prose"`` blocks: a lesson's text, a
course's description, an announcement), which is content, not the page: the
measure is what the platform adds around it. The heaviest page is reported
against :data:`MAX_KB`, with the heaviest of each role and the five heaviest
pages in the details.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

from .dataset import in_process_app
from .scenarios import BULK_PASSWORD, LEARNER, MEMBER, TUTOR

#: The target: the heaviest page with its CSS, in KB (1,024 bytes), uncompressed.
MAX_KB = 60
#: Pages fetched per kind of address (see :func:`kind_of`), and per role in all.
PER_KIND = 3
PER_ROLE = 400

_HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)', re.IGNORECASE)
_STYLESHEET = re.compile(r'<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]+)"', re.IGNORECASE)
_PROSE = re.compile(r'<div\b[^>]*\bclass="prose\b[^"]*"[^>]*>', re.IGNORECASE)
_DIV = re.compile(r"<(/?)div\b", re.IGNORECASE)
_FILES = (".pdf", ".csv", ".json", ".zip", ".xml", ".png", ".svg", ".ico")


def kind_of(path: str) -> str:
    """The kind of page an address is: its numbers and query values left out."""
    parts = urlsplit(path)
    keys = sorted(k.split("=", 1)[0] for k in parts.query.split("&") if k)
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(keys) if keys else "")


def without_prose(html: str) -> str:
    """``html`` without the contents of its ``class="prose"`` blocks (nested ``div``s too)."""
    out, at = [], 0
    for match in _PROSE.finditer(html):
        if match.start() < at:
            continue  # inside a block already cut
        out.append(html[at:match.end()])
        depth, end = 1, len(html)
        for div in _DIV.finditer(html, match.end()):
            depth += -1 if div.group(1) else 1
            if depth == 0:
                end = div.start()
                break
        at = end
    out.append(html[at:])
    return "".join(out)


def _links(path: str, html: str) -> list[str]:
    found = []
    for href in _HREF.findall(html):
        href = href.replace("&amp;", "&")
        parts = urlsplit(urljoin("https://localhost" + path, href))
        if parts.netloc != "localhost" or parts.path.startswith("/_bench"):
            continue
        if parts.path.lower().endswith(_FILES) or "/export" in parts.path:
            continue
        found.append(parts.path + ("?" + parts.query if parts.query else ""))
    return found


def crawl(client, css_size) -> list[tuple[int, int, str]]:
    """Fetch every kind of page reachable from ``/``; return ``(bytes, css bytes, path)``."""
    seen_kinds: dict[str, int] = {}
    queue, seen, pages = deque(["/"]), {"/"}, []
    while queue and len(pages) < PER_ROLE:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code in (301, 302, 303, 307, 308):
            target = urlsplit(urljoin("https://localhost" + path, response.location))
            nxt = target.path + ("?" + target.query if target.query else "")
            if target.netloc in ("", "localhost") and nxt not in seen:
                seen.add(nxt)
                queue.appendleft(nxt)
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        css = sum(css_size(href) for href in _STYLESHEET.findall(html))
        pages.append((len(without_prose(html).encode()), css, path))
        for link in _links(path, html):
            kind = kind_of(link)
            if link in seen or seen_kinds.get(kind, 0) >= PER_KIND:
                continue
            seen.add(link)
            seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
            queue.append(link)
    return pages


def _client(app, account: tuple[str, str] | None):
    from .cohort_measures import _isolated, _token

    client = app.test_client()
    # https, as production's Secure cookies need; CSRF checks the referrer on https.
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    if account is not None:
        email, password = account
        answer = _isolated(client.post, "/account/login", data={
            "csrf_token": _token(client, "/account/login"), "email": email,
            "password": password})
        if answer.status_code != 302:
            raise SystemExit(f"bench: {email} could not log in ({answer.status})")
    return client


def page_weight(env: dict[str, str], settings: dict, backend: str, _facts: dict) -> list[dict]:
    """Issue 18: the heaviest page any role visits, with its CSS, under 60 KB."""
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.db import db

    from .cohort_measures import _isolated
    from .cohort_measures import seed as seed_cohorts
    from .measures import entry

    sizes: dict[str, int] = {}
    heaviest: dict[str, tuple[int, str]] = {}
    every: list[tuple[int, str, str]] = []
    with in_process_app(env, settings) as app:
        if db.session.scalar(select(User.id).where(User.email == TUTOR[0])) is None:
            seed_cohorts()
        db.session.commit()
        roles = {"visitor": None, "learner": LEARNER, "member": (MEMBER[0], BULK_PASSWORD),
                 "tutor": TUTOR}
        for role, account in roles.items():
            client = _client(app, account)

            def css_size(href, client=client):
                if href not in sizes:
                    sizes[href] = len(_isolated(client.get, href).get_data())
                return sizes[href]

            pages = crawl(_IsolatedClient(client), css_size)
            for html, css, path in pages:
                every.append((html + css, role, path))
            weight, path = max(((h + c, p) for h, c, p in pages), default=(0, "-"))
            heaviest[role] = (weight, path)
    every.sort(reverse=True)
    top_bytes, top_role, top_path = every[0]
    return [entry(
        "page weight, heaviest page + CSS", backend, top_bytes / 1024, "KB", MAX_KB,
        page=f"{top_role} {top_path}", pages=len(every),
        by_role={role: f"{w / 1024:.1f} KB {p}" for role, (w, p) in heaviest.items()},
        heaviest=[f"{w / 1024:.1f} KB {role} {p}" for w, role, p in every[:5]],
    )]


class _IsolatedClient:
    """The test client, each request in a context of its own as a served request is."""

    def __init__(self, client) -> None:
        self._client = client

    def get(self, path):
        from .cohort_measures import _isolated

        return _isolated(self._client.get, path)
