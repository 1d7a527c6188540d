"""Public pages: verify a code or a file, the issuer profile and the status list."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import threading
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Hashable

from flask import Response, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Dialect, bindparam, select
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from lms.db import db, utcnow
from lms.directread import fetch_one_autocommit
from lms.extensions import count_request, limiter
from lms.i18n import select_locale
from lms.permissions import public

from .. import signing
from ..forms import VerifyFileForm
from ..models import STATUS_LIST_ID, Certificate, StatusList, certificate_status
from ..operations import CODE_CHARS, CROCKFORD, normalise_code
from ..verify_file import check_file
from . import bp

#: Where the app keeps its :class:`PageCache` of verification pages.
PAGES = "certificates.verify_pages"

#: A code as printed and linked (``7KQ2-M4XD-9TPW``), which :func:`normalise_code`
#: would return unchanged: most lookups, spared its work.
_PRINTED_CODE = re.compile("-".join([f"[{CROCKFORD}]{{4}}"] * (CODE_CHARS // 4)))

_replacement = aliased(Certificate, name="replacement")
_replaced = aliased(Certificate, name="replaced")

#: What the public may know about a certificate (no email, no revocation reason), read
#: in one query on every request: the status always comes from the database. Built
#: once, compiled once per dialect (:func:`_facts_query`): the page needs the columns,
#: not a model object. With them, its public history: the certificate it replaces
#: (a correction's "reissued on"), the one that replaced it, the last re-render; two
#: index probes (``code``, ``replaced_by_id``) in the same statement.
_PUBLIC_FACTS = select(
    Certificate.code,
    Certificate.learner_name,
    Certificate.course_title,
    Certificate.course_version,
    Certificate.issued_dt,
    Certificate.valid_until,
    Certificate.revoked_dt,
    Certificate.revision,
    Certificate.rerendered_dt,
    select(_replacement.code)
    .where(_replacement.id == Certificate.replaced_by_id)
    .scalar_subquery()
    .label("replaced_by"),
    select(_replaced.code)
    .where(_replaced.replaced_by_id == Certificate.id)
    .scalar_subquery()
    .label("replaces"),
).where(Certificate.code == bindparam("code"))


class PageCache:
    """Rendered pages by key, the least recently used dropped beyond ``size``.

    One per application and process, shared by its threads. It only saves
    rendering: each key holds everything its page is made of, so a page is
    never stale and no other process needs it.
    """

    def __init__(self, size: int = 1024):
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: str) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def _verify_limit() -> str:
    return current_app.config["CERTIFICATES_VERIFY_LIMIT"]


def _wants_json() -> bool:
    accept = request.environ.get("HTTP_ACCEPT")
    if not accept:
        return False  # no Accept header: anything goes, and HTML comes first
    return _prefers_json(accept)


@functools.lru_cache(maxsize=256)
def _prefers_json(accept: str) -> bool:
    """Whether an ``Accept`` header ranks JSON above HTML.

    Worked out once per header and process: browsers send few distinct ones,
    and parsing and ranking a browser's cost the page a fifth of its time.
    """
    accepted = parse_accept_header(accept, MIMEAccept)
    best = accepted.best_match(["text/html", "application/json"])
    return best == "application/json" and accepted[best] > accepted["text/html"]


def _json(data, status: int = 200, mimetype: str = "application/json") -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype=mimetype)


#: The public facts of one certificate, as :func:`public_facts` returns them.
PublicFacts = namedtuple("PublicFacts", [column.key for column in _PUBLIC_FACTS.selected_columns])


@functools.cache
def _facts_query(dialect: Dialect) -> tuple[str, bool, tuple[Callable | None, ...]]:
    """:data:`_PUBLIC_FACTS` compiled for ``dialect``: its SQL, whether it takes
    the code by position, and each column's conversion from the driver's value
    (None: none needed), as SQLAlchemy would apply them."""
    compiled = _PUBLIC_FACTS.compile(dialect=dialect)
    processors = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in _PUBLIC_FACTS.selected_columns
    )
    return compiled.string, compiled.positional, processors


def public_facts(code: str) -> PublicFacts | None:
    """The public facts of the certificate with ``code``, or None.

    The statement runs with :func:`lms.directread.fetch_one_autocommit` (a pooled
    DBAPI connection in autocommit, as ``/healthz`` does), with SQLAlchemy's
    own SQL and column conversions: through the ORM session, or even a Core
    connection, SQLAlchemy's execution cost several times the query.
    """
    sql, positional, processors = _facts_query(db.engine.dialect)
    row = fetch_one_autocommit(sql, (code,) if positional else {"code": code})
    if row is None:
        return None
    return _converted(row, processors)


@functools.lru_cache(maxsize=1024)
def _converted(row: tuple, processors: tuple[Callable | None, ...]) -> PublicFacts:
    """``row``, as the driver gave it, converted by ``processors`` into :class:`PublicFacts`.

    Kept for the rows most recently read: a certificate is looked up again
    and again, and on SQLite converting its dates from text cost about as
    much as the query. The row is the key, so a row that changed in the
    database (a revocation, a correction) is converted afresh.
    """
    return PublicFacts(*(f(v) if f else v for f, v in zip(processors, row, strict=True)))


def history(cert) -> list[dict]:
    """A certificate's public history, oldest first: issued (or reissued, replacing
    another), its PDF re-rendered, revoked or replaced. Never why: reasons are private.

    :param cert: its public facts (:func:`public_facts`).
    """
    events = [{"event": "reissued" if cert.replaces else "issued", "on": cert.issued_dt,
               "certificate": cert.replaces}]
    if cert.rerendered_dt is not None:
        events.append({"event": "rerendered", "on": cert.rerendered_dt, "certificate": None})
    if cert.revoked_dt is not None:
        events.append({"event": "replaced" if cert.replaced_by else "revoked",
                       "on": cert.revoked_dt, "certificate": cert.replaced_by})
    return events


def describe(cert, now: dt.datetime | None = None) -> dict:
    """What the public may know about a certificate (its public facts) at ``now``:
    no reason, no email."""
    if cert is None:
        return {"status": "not_found"}
    return {
        "status": certificate_status(cert.revoked_dt, cert.valid_until, now or utcnow()),
        "code": cert.code,
        "learner_name": cert.learner_name,
        "course_title": cert.course_title,
        "course_version": cert.course_version,
        "issuer": current_app.config["LMS_SITE_NAME"],
        "issued": cert.issued_dt.isoformat(),
        "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
        "revoked": cert.revoked_dt.isoformat() if cert.revoked_dt else None,
        "credential": signing.verify_url(cert.code),
        "revision": cert.revision,
        "replaces": signing.verify_url(cert.replaces) if cert.replaces else None,
        "replaced_by": signing.verify_url(cert.replaced_by) if cert.replaced_by else None,
        "history": [
            {"event": e["event"], "on": e["on"].isoformat(),
             "certificate": signing.verify_url(e["certificate"]) if e["certificate"] else None}
            for e in history(cert)
        ],
    }


@bp.route("/verify")
@public
def verify_form():
    """Type the code printed on a certificate."""
    raw = request.args.get("code", "")
    if raw:
        code = normalise_code(raw)
        if code:
            return redirect(url_for("certificates.verify", code=code))
    return render_template("certificates/verify_form.html", raw=raw, invalid=bool(raw))


@bp.route("/verify/<code>")
@public
def verify(code: str):
    """The public verification page (JSON to ``Accept: application/json``).

    Every lookup, found or not, counts against ``CERTIFICATES_VERIFY_LIMIT``
    for the visitor's address; over it, the answer is 429. Counted by
    :func:`~lms.extensions.count_request`, the ``@limiter.limit`` decorator's
    counting without its per-request bookkeeping.
    """
    count_request(current_app.config["CERTIFICATES_VERIFY_LIMIT"])
    normal = code if _PRINTED_CODE.fullmatch(code) else normalise_code(code)
    cert = public_facts(normal) if normal else None
    if _wants_json():
        return _json(describe(cert), 404 if cert is None else 200)
    return _verification_page(cert)


#: The kept pages depend on who asks: a signed-in visitor gets another page.
_VARY_COOKIE = {"Vary": "Cookie"}


def _verification_page(cert):
    """The page of a certificate (its public facts) or of a code that has none,
    rendered once per process for each set of facts, status and language, for
    visitors who are not signed in.

    The key holds every fact the page shows and the status, which is read from
    the database on every request, so a revocation or an expiry shows at once.
    Signed-in visitors (their name and menu are on the page) and visitors with
    flash messages pending get the page rendered for them.
    """
    code = 200 if cert is not None else 404
    # Both live in cookies: without any, nobody is signed in and no message
    # waits, which is what asking Flask-Login would find out, at a cost.
    if "HTTP_COOKIE" in request.environ and (
        current_user.is_authenticated or "_flashes" in session
    ):
        info = describe(cert)
        return render_template("certificates/verify.html", cert=cert, info=info,
                               history=history(cert) if cert else []), code
    now = utcnow()
    facts = status = None
    if cert is not None:
        facts = tuple(cert)
        status = certificate_status(cert.revoked_dt, cert.valid_until, now)
    # The core's locale selector, as Flask-Babel calls it, without Flask-Babel's
    # per-request parsing of the answer into a Locale (only a miss renders).
    key = (facts, status, select_locale(), request.script_root)
    pages: PageCache = current_app.extensions[PAGES]
    page = pages.get(key)
    if page is None:
        # Kept for every visitor alike, so without a form token (each visitor's own): its
        # language chooser links to the language page (lms.choose_language) instead.
        page = render_template("certificates/verify.html", cert=cert, info=describe(cert, now),
                               history=history(cert) if cert else [], language_links=True)
        pages.put(key, page)
    return page, code, _VARY_COOKIE


@bp.route("/verify-file", methods=["GET", "POST"])
@public
@limiter.limit(_verify_limit, methods=["POST"])
def verify_file():
    """Upload a certificate PDF or credential JSON; its signature is checked here."""
    form = VerifyFileForm()
    result = None
    if form.validate_on_submit():
        result = check_file(form.file.data.read())
    return render_template("certificates/verify_file.html", form=form, result=result)


@bp.route("/issuer")
@public
def issuer():
    """The issuer's profile with its public keys as Multikeys (current and retired)."""
    return _json(signing.issuer_profile(), mimetype="application/ld+json")


@bp.route("/status/<int:list_id>")
@public
def status_list(list_id: int):
    """The signed Bitstring Status List credential."""
    if list_id != STATUS_LIST_ID:
        return _json({"error": _("Not found")}, 404)
    row = db.session.get(StatusList, STATUS_LIST_ID)
    text = row.credential_json if row else signing.status_list_credential([])
    return Response(text, mimetype="application/vc+ld+json")
