"""The hostile-input walker: every route of the app, every parameter it reads, hostile values.

The walker takes the routes from ``app.url_map`` (so a route added tomorrow is
walked tomorrow) and, for one role at a time, finds each route's parameters:

* path parameters from the rule;
* query and form parameters *the code reads*, recorded by a request class whose
  argument dictionaries note every key looked up, plus the fields of every form
  the site's own pages show for that URL (with their default values, so the
  other fields of a submission are plausible and the hostile one gets deep).

It then sends, for each parameter in turn, each hostile value (the others
left at their plausible values), and a duplicated field, and records every
response of 500 or more (and every exception) as a finding.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

from flask import Flask
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

#: Values sent in query strings and form fields. Bytes are sent as they are.
HOSTILE_VALUES: tuple[str | bytes, ...] = (
    "9223372036854775808",  # 2**63: past a 64-bit integer
    "2147483648",  # past PostgreSQL's integer
    "-1",
    "1" * 30,
    "\x00",
    "x" * 10_000,
    "²",  # a digit to str.isdigit, not to int
    "١٢",  # Arabic-Indic digits: int() takes them
    "line\r\nBcc: victim@example.org",
    "9999-12-31",
    "2026-02-30",
    "1e309",
    "[]",
    b"\xff\xfe",  # not UTF-8
    "",
)

#: Path segments (percent-encoded here, as a client sends them).
HOSTILE_INT_SEGMENTS = (
    "9223372036854775808",
    "9223372036854775807",
    "2147483648",
    "-1",
    "0",
    "1" * 30,
    "%C2%B2",
    "%D9%A3",
)
HOSTILE_STR_SEGMENTS = (
    "%00",
    "a%00b",
    "x" * 10_000,
    "%C2%B2",
    "%0D%0AX-Forged:%201",
    "%1B%5B31m",
    "9223372036854775808",
    "..%2F..%2Fetc",
    "%FF%FE",
    "%25",
    "9999-12-31",
)

_INT_CONVERTERS = ("IntegerConverter",)


class _Recorder:
    """Collects the keys looked up in request arguments while it is on."""

    def __init__(self) -> None:
        self.keys: set[str] | None = None

    def note(self, key) -> None:
        if self.keys is not None and isinstance(key, str):
            self.keys.add(key)


RECORDER = _Recorder()


class RecordingMultiDict(ImmutableMultiDict):
    """An ``ImmutableMultiDict`` noting every key looked up (see :data:`RECORDER`)."""

    def __getitem__(self, key):
        RECORDER.note(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        RECORDER.note(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        RECORDER.note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        RECORDER.note(key)
        return super().getlist(key, type)


def instrument(app: Flask) -> None:
    """Make ``app``'s requests parse arguments into :class:`RecordingMultiDict`."""
    app.request_class = type(
        "WalkerRequest", (app.request_class,), {"parameter_storage_class": RecordingMultiDict}
    )


#: Inputs a person does not fill in (a hidden one is sent as it is).
_NOT_FILLED = {"hidden", "submit", "image", "button", "reset"}


@dataclass
class FormSeen:
    """A form found on a page: where it posts (``action``, the path), its fields' default
    values, and, for checks that send it as a person would, where exactly it goes
    (``target``: the action resolved against the page, its query kept), what it sends as it
    is (its hidden fields, the CSRF token among them), what a person fills in and its submit
    buttons as ``(name, value, words, formaction)``."""

    action: str
    method: str
    target: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    hidden: list[tuple[str, str]] = field(default_factory=list)
    filled: list[tuple[str, str]] = field(default_factory=list)  # (name, kind)
    buttons: list[tuple[str, str, str, str]] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[FormSeen] = []
        self._current: FormSeen | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._button: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page_path
            self._current = FormSeen(urlsplit(action).path, a.get("method", "get").lower(),
                                     urljoin(self.page_path, action))
            self.forms.append(self._current)
            return
        form = self._current
        if form is None:
            return
        name = a.get("name")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                form.buttons.append((name or "", a.get("value", ""), a.get("value", ""),
                                     a.get("formaction", "")))
            elif kind == "hidden" and name:
                form.hidden.append((name, a.get("value", "")))
            elif kind not in _NOT_FILLED and name:
                form.filled.append((name, kind))
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                form.fields.setdefault(name, a.get("value", ""))
            elif kind in ("checkbox", "radio"):
                form.fields.setdefault(name, a.get("value", "on"))
            elif kind == "file":
                form.fields.setdefault(name, "")
            else:
                form.fields.setdefault(name, a.get("value") or _plausible(kind, name))
        elif tag == "select" and name:
            self._select = name
            form.fields.setdefault(name, "")
            form.filled.append((name, tag))
        elif tag == "option" and self._select:
            if not form.fields.get(self._select):
                form.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            form.fields.setdefault(name, "")
            form.filled.append((name, tag))
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._button = [name or "", a.get("value", ""), "", a.get("formaction", "")]

    def handle_data(self, data):
        if self._button is not None:
            self._button[2] += data
        if self._textarea and self._current and not self._current.fields[self._textarea]:
            self._current.fields[self._textarea] = data.strip() or "Some text"

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "button" and self._button is not None:
            if self._current is not None:
                self._current.buttons.append(tuple(self._button))
            self._button = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea and self._current and not self._current.fields[self._textarea]:
                self._current.fields[self._textarea] = "Some text"
            self._textarea = None


def _plausible(kind: str, name: str) -> str:
    if kind == "email" or "email" in name:
        return "walker@example.org"
    if kind == "number":
        return "1"
    if kind == "date":
        return "2026-06-01"
    if kind == "password" or "password" in name:
        return "a walker's long password"
    return "Walker text"


def forms_on(html: str, page_path: str) -> list[FormSeen]:
    parser = _FormParser(page_path)
    parser.feed(html)
    return parser.forms


@dataclass
class Finding:
    role: str
    method: str
    url: str
    where: str
    value: str
    status: int | str

    def __str__(self) -> str:
        url = self.url if len(self.url) < 140 else self.url[:120] + "..."
        return f"{self.status} {self.role:9} {self.method:4} {url}  [{self.where}={self.value}]"


def _encode(value: str | bytes) -> str:
    return quote(value, safe="")


def body_of(pairs: Iterable[tuple[str, str | bytes]]) -> str:
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)


def short(value: str | bytes) -> str:
    text = repr(value)
    return text if len(text) < 40 else text[:30] + f"...({len(value)} chars)"


@dataclass
class RouteCase:
    rule: Rule
    methods: tuple[str, ...]

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint


#: Routes whose successful use ends the session or removes things other routes need: last.
_DESTRUCTIVE = re.compile(r"logout|delete|remove|revoke|withdraw|lapse|decline|retire|reset")


def route_cases(app: Flask) -> list[RouteCase]:
    """Every rule of ``app`` with the methods it answers (HEAD and OPTIONS left to Werkzeug)."""
    cases = []
    for rule in app.url_map.iter_rules():
        methods = tuple(sorted(m for m in rule.methods or () if m not in ("HEAD", "OPTIONS")))
        cases.append(RouteCase(rule, methods))
    cases.sort(key=lambda c: (bool(_DESTRUCTIVE.search(c.endpoint)), c.rule.rule))
    return cases


def build_path(rule: Rule, values: dict[str, str]) -> str:
    """The URL path of ``rule`` with ``values`` (already percent-encoded) in its placeholders."""
    out = []
    for is_dynamic, data in rule._trace:  # (False, "|") marks the host part
        if is_dynamic:
            out.append(values[data])
        else:
            out.append(data)
    path = "".join(out)
    return path.split("|", 1)[1] if "|" in path else path


def is_int_param(rule: Rule, name: str) -> bool:
    converter = rule._converters.get(name)
    return converter is not None and (
        type(converter).__name__ in _INT_CONVERTERS
        or any(base.__name__ == "IntegerConverter" for base in type(converter).__mro__)
    )


@dataclass
class Walk:
    """One role's walk: the client maker, the plausible values, the forms seen so far."""

    app: Flask
    role: str
    new_client: object  # () -> FlaskClient, signed in as ``role``
    path_values: dict[str, str]
    value_stride: int = 1
    findings: list[Finding] = field(default_factory=list)
    forms: dict[str, dict[str, str]] = field(default_factory=dict)
    requests: int = 0
    seconds: float = 0.0

    def send(self, client, method: str, url: str, body: str | None, where: str, value) -> int:
        started = time.perf_counter()
        self.requests += 1
        try:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(
                    url,
                    method=method,
                    data=body or "",
                    content_type="application/x-www-form-urlencoded",
                )
            status = response.status_code
            is_html = response.mimetype == "text/html"
            html = response.get_data(as_text=True) if status == 200 and is_html else ""
            response.close()
        except Exception as exc:  # noqa: BLE001 (an exception is a finding, like a 500)
            status, html = f"{type(exc).__name__}: {str(exc)[:160]}", ""
        self.seconds += time.perf_counter() - started
        if not isinstance(status, int) or status >= 500:
            self.findings.append(Finding(self.role, method, url, where, short(value), status))
            return 500
        if html and where in ("crawl", "baseline") and "<form" in html:
            path = urlsplit(url).path
            for form in forms_on(html, path):
                if form.method == "post":
                    self.forms.setdefault(form.action, {}).update(
                        {k: v for k, v in form.fields.items() if k not in self.forms.get(
                            form.action, {})}
                    )
        return status

    def values(self, pool: tuple, offset: int) -> Iterator:
        """Every ``value_stride``-th value of ``pool``, starting at ``offset``."""
        stride = self.value_stride
        return iter(pool[(offset % stride)::stride])

    def walk(self, cases: list[RouteCase]) -> None:
        # First the pages as they are, to learn their forms (fields and default values).
        client = self.new_client()
        for case in cases:
            if "GET" in case.methods:
                names = case.rule.arguments
                plain = {name: self.path_values_for(case.rule, name) for name in names}
                self.send(client, "GET", build_path(case.rule, plain), None, "crawl", "")
        for n, case in enumerate(cases):
            # Routes that may end the session or remove things come last, each on a fresh
            # client; the others share one, as a visitor's browser would.
            if _DESTRUCTIVE.search(case.endpoint):
                client = self.new_client()
            self.walk_route(client, case, n)

    def walk_route(self, client, case: RouteCase, n: int) -> None:
        rule = case.rule
        names = sorted(rule.arguments)
        plain = {name: self.path_values_for(rule, name) for name in names}
        url = build_path(rule, plain)
        # Path parameters: each hostile segment in each placeholder, the others plausible.
        for name in names:
            pool = HOSTILE_INT_SEGMENTS if is_int_param(rule, name) else HOSTILE_STR_SEGMENTS
            for segment in self.values(pool, n):
                hostile = build_path(rule, {**plain, name: segment})
                for method in case.methods:
                    self.send(client, method, hostile, None, f"<{name}>", segment)
        for method in case.methods:
            if method == "GET":
                self.walk_query(client, url, n)
            else:
                self.walk_form(client, method, url, n)

    def path_values_for(self, rule: Rule, name: str) -> str:
        if name in self.path_values:
            return quote(self.path_values[name], safe="")
        return "1" if is_int_param(rule, name) else "x"

    def record(self, client, method: str, url: str, body: str | None) -> set[str]:
        RECORDER.keys = set()
        try:
            self.send(client, method, url, body, "baseline", "")
            return set(RECORDER.keys)
        finally:
            RECORDER.keys = None

    def walk_query(self, client, url: str, n: int) -> None:
        keys = self.record(client, "GET", url, None)
        for key in sorted(keys):
            for value in self.values(HOSTILE_VALUES, n):
                self.send(client, "GET", f"{url}?{body_of([(key, value)])}", None, key, value)
            dup = body_of([(key, "1"), (key, HOSTILE_VALUES[0]), (key, "\x00")])
            self.send(client, "GET", f"{url}?{dup}", None, key + "(twice)", "1,2**63,NUL")

    def walk_form(self, client, method: str, url: str, n: int) -> None:
        seen = dict(self.forms.get(url, {}))
        keys = self.record(client, method, url, body_of(seen.items()))
        fields = dict(seen)
        for key in keys:
            fields.setdefault(key, "1")
        for key in sorted(fields):
            for value in self.values(HOSTILE_VALUES, n):
                body = body_of({**fields, key: value}.items())
                self.send(client, method, url, body, key, value)
            others = [(k, v) for k, v in fields.items() if k != key]
            for pair in ((fields[key], "against"), ("against", fields[key])):
                body = body_of([*others, (key, pair[0]), (key, pair[1])])
                self.send(client, method, url, body, key + "(twice)", pair)
            query = body_of([(key, HOSTILE_VALUES[0])])
            self.send(client, method, f"{url}?{query}", body_of(fields.items()), "?" + key, "")
