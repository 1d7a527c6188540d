"""The optional network check of the web addresses in the courses.

``flask courses check-links`` asks each address the lessons cite or link to
whether it still answers, with a HEAD request (a GET when the server refuses
HEAD), a few at a time, each with a time limit. It is separate from the
review report, which never uses the network.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select

from lms.db import db

from .markdown import iter_links, parse
from .models import KIND_LESSON, Course, Item

USER_AGENT = "coop-lms-link-check/1.0"
#: Statuses that mean the server dislikes HEAD (or robots), not that the page is gone.
_RETRY_WITH_GET = {403, 405, 501}


@dataclass(frozen=True)
class LinkResult:
    url: str
    #: The HTTP status, or ``None`` when no answer came.
    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400


def _ask(url: str, method: str, timeout: float) -> int:
    # check_url lets only http and https addresses through.
    request = urllib.request.Request(  # noqa: S310
        url, method=method, headers={"User-Agent": USER_AGENT}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def check_url(url: str, timeout: float = 10.0) -> LinkResult:
    """Ask whether ``url`` still answers (redirects are followed)."""
    if not url.lower().startswith(("http://", "https://")):
        return LinkResult(url, None, "not a web address")
    try:
        status = _ask(url, "HEAD", timeout)
        if status in _RETRY_WITH_GET:
            status = _ask(url, "GET", timeout)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return LinkResult(url, None, str(reason))
    return LinkResult(url, status)


def check_urls(urls: Iterable[str], timeout: float = 10.0, workers: int = 4) -> list[LinkResult]:
    """Check each address once, ``workers`` at a time; results in the order given."""
    unique = list(dict.fromkeys(urls))
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(lambda url: check_url(url, timeout), unique))


def course_urls(slug: str | None = None) -> dict[str, list[str]]:
    """Every web address in the lessons (sources and links): url -> where, as ``course/lesson``."""
    query = (
        select(Course.slug, Item.key, Item.sources, Item.body_md)
        .join(Item, Item.course_id == Course.id)
        .where(Item.kind == KIND_LESSON)
        .order_by(Course.slug, Item.key)
    )
    if slug is not None:
        query = query.where(Course.slug == slug)
    found: dict[str, list[str]] = {}
    for course_slug, key, sources, body in db.session.execute(query):
        where = f"{course_slug}/{key}"
        for source in sources or ():
            if source.get("url"):
                found.setdefault(source["url"], []).append(where)
        for _block, link in iter_links(parse(body or "")):
            href = str(link.attrGet("src" if link.type == "image" else "href") or "")
            if href.lower().startswith(("http://", "https://")):
                found.setdefault(href, []).append(where)
    return {url: list(dict.fromkeys(places)) for url, places in found.items()}
