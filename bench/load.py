"""Serving with gunicorn, logging in with http.client, and driving load with wrk."""

from __future__ import annotations

import http.client
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class GunicornSettings:
    """The same for the real app and the bare baseline, so the ratio is fair."""

    workers: int = 2
    worker_class: str = "gthread"
    threads: int = 4

    def args(self) -> list[str]:
        # --reuse-port, as docs/operations.md runs production: each worker
        # listens on a socket of its own and the kernel spreads connections
        # evenly. With one shared socket the workers race to accept, and the
        # winner of a burst keeps its connections (wrk's 32 voters split 5/27
        # as often as 16/16, and the busier worker's queue sets the p95).
        return [
            "--workers", str(self.workers),
            "--worker-class", self.worker_class,
            "--threads", str(self.threads),
            "--reuse-port",
            "--log-level", "warning",
            "--keep-alive", "5",
        ]


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int
    #: Responses wrk's Lua script refused (see :func:`checking_lua`); also in ``errors``.
    unexpected: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app: str, env: dict[str, str], settings: GunicornSettings,
             ready_path: str = "/") -> Iterator[str]:
    """Serve ``app`` (``module:attr``) on a loopback port; yield its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
         *settings.args(), app],
        cwd=ROOT, env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"bench: gunicorn for {app} exited with {proc.returncode}")
            try:
                status, _h, _b = request("127.0.0.1", port, "GET", ready_path)
                if status < 500:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"bench: gunicorn for {app} did not answer within 30 s")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def request(host: str, port: int, method: str, path: str, body: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, str]:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _cookies(headers: http.client.HTTPMessage) -> dict[str, str]:
    jar = SimpleCookie()
    for value in headers.get_all("Set-Cookie") or []:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _parse_cookie_header(value: str) -> dict[str, str]:
    pairs = (part.strip().partition("=") for part in value.split(";") if part.strip())
    return {name: val for name, _eq, val in pairs}


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def log_in(base_url: str, email: str, password: str) -> str:
    """Log in through the real form; return a ``Cookie`` header value for the session."""
    host, port = base_url.removeprefix("http://").split(":")
    status, headers, html = request(host, int(port), "GET", "/account/login")
    match = _CSRF.search(html)
    if status != 200 or match is None:
        raise SystemExit(f"bench: the login page answered {status} without a CSRF token")
    cookies = _cookies(headers)
    body = urlencode({"csrf_token": match.group(1), "email": email, "password": password})
    status, headers, _body = request(
        host, int(port), "POST", "/account/login", body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": _cookie_header(cookies),
        },
    )
    if status != 302:
        raise SystemExit(f"bench: logging in as {email} answered {status}, not 302")
    cookies.update(_cookies(headers))
    # Follow the redirect, as a browser does: the page it leads to shows (and so
    # removes from the session) the "You are logged in" message. Without this,
    # every request of a scenario would carry that message in its cookie and
    # pay for showing it and for a new session cookie, as no browser's would.
    location = urlsplit(headers.get("Location", "/"))
    path = location.path + (f"?{location.query}" if location.query else "")
    status, headers, _body = request(host, int(port), "GET", path,
                                     headers={"Cookie": _cookie_header(cookies)})
    if status != 200:
        raise SystemExit(f"bench: the page after logging in as {email} answered {status}")
    cookies.update(_cookies(headers))
    return _cookie_header(cookies)


def scrape_csrf(base_url: str, path: str, cookie: str) -> tuple[str, str]:
    """Open ``path`` with the ``cookie`` header as a browser would; return its form's
    CSRF token and the cookie header updated with whatever the page set."""
    host, port = base_url.removeprefix("http://").split(":")
    status, headers, html = request(host, int(port), "GET", path, headers={"Cookie": cookie})
    match = _CSRF.search(html)
    if status != 200 or match is None:
        raise SystemExit(f"bench: {path} answered {status} without a form's CSRF token")
    cookies = _parse_cookie_header(cookie)
    cookies.update(_cookies(headers))
    return match.group(1), _cookie_header(cookies)


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(
            "bench: wrk is not installed. Install it (Debian: apt-get install wrk;"
            " `make bench` does so when run as root) and run `make bench` again."
        )
    return path


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse_wrk(output: str) -> WrkResult:
    """Read requests/s, the 50/90/99 percentiles and errors from ``wrk --latency`` output.

    p95 comes from the Lua ``done`` hook (see :func:`checking_lua`), which wrk
    has no flag for, and so does the count of unexpected responses, which is
    added to the errors.
    """
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)[ \t]*$", output, re.MULTILINE))
    p95 = re.search(r"^p95_us=([\d.]+)$", output, re.MULTILINE)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    unexpected = re.search(r"^unexpected=(\d+)$", output, re.MULTILINE)
    if unexpected is None:
        raise ValueError("wrk's Lua script did not report its count of unexpected responses")
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += int(unexpected.group(1))
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return WrkResult(
        rps=rps,
        p50_ms=_ms(pct["50"]),
        p95_ms=float(p95.group(1)) / 1000 if p95 else float("nan"),
        p99_ms=_ms(pct["99"]),
        requests=requests,
        errors=errors,
        unexpected=int(unexpected.group(1)),
    )


#: The Lua script of every wrk run. It sets the method and body, counts each
#: response whose status is not the expected one, which redirects to the
#: login page (a lost session) or lacks the expected text, and adds that
#: count and the 95th percentile (latency is recorded in microseconds) to
#: wrk's report. Each wrk thread has
#: its own Lua state, hence the per-thread counters summed in ``done``.
_LUA = """
wrk.method = %(method)s
wrk.body = %(body)s
local expected = %(status)d
local text = %(text)s
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0
end

function response(status, headers, body)
  local location = headers["Location"] or headers["location"] or ""
  if status ~= expected or string.find(location, "/account/login", 1, true)
     or (text ~= nil and not string.find(body or "", text, 1, true)) then
    unexpected = unexpected + 1
  end
end

done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("unexpected")
  end
  io.write(string.format("p95_us=%%d\\n", latency:percentile(95)))
  io.write(string.format("unexpected=%%d\\n", total))
end
"""


def _lua_string(text: str | None) -> str:
    if text is None:
        return "nil"
    if "]==]" in text:
        raise ValueError("the request body cannot go into a Lua long string")
    return f"[==[{text}]==]"


def checking_lua(method: str = "GET", body: str | None = None, status: int = 200,
                 text: str | None = None) -> str:
    """The wrk script for one request: ``method`` with ``body``, expecting ``status``
    (and ``text`` in the body, when given)."""
    return _LUA % {"method": _lua_string(method), "body": _lua_string(body), "status": status,
                   "text": _lua_string(text)}


#: Added to :data:`_LUA` for one session per wrk thread: ``setup`` hands each
#: thread its session's cookie and bodies (``thread:set`` makes them globals of
#: that thread's Lua state), and ``request`` cycles through the bodies with that
#: cookie. Run with as many threads as connections, so each connection is one
#: person.
_SESSIONS_LUA = """
local sessions = {%(sessions)s}
local next_session = 1

local check_setup = setup
function setup(thread)
  local s = sessions[(next_session - 1) %% #sessions + 1]
  next_session = next_session + 1
  thread:set("cookie", s[1])
  thread:set("nbodies", #s - 1)
  for i = 2, #s do thread:set("body_" .. (i - 1), s[i]) end
  check_setup(thread)
end

local check_init = init
function init(args)
  check_init(args)
  requests_ = {}
  for i = 1, nbodies do
    local headers = {["Cookie"] = cookie,
                     ["Content-Type"] = "application/x-www-form-urlencoded"}
    requests_[i] = wrk.format(nil, nil, headers, _G["body_" .. i])
  end
  sent = 0
end

function request()
  sent = sent + 1
  return requests_[(sent - 1) %% nbodies + 1]
end
"""


def sessions_lua(method: str, sessions: list[tuple[str, list[str]]], status: int,
                 text: str | None = None) -> str:
    """The wrk script for many people: ``sessions`` are ``(cookie, bodies)`` pairs, one
    per wrk thread, each thread cycling through its bodies with its cookie."""
    rows = ", ".join(
        "{" + ", ".join(_lua_string(v) for v in (cookie, *bodies)) + "}"
        for cookie, bodies in sessions
    )
    return checking_lua(method, None, status, text) + _SESSIONS_LUA % {"sessions": rows}


def run_wrk(url: str, *, duration: int, connections: int, threads: int,
            headers: dict[str, str], script: Path) -> WrkResult:
    args = [require_wrk(), "--latency", "-t", str(threads), "-c", str(connections),
            "-d", f"{duration}s", "-s", str(script)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    done = subprocess.run([*args, url], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)
