"""Every request gets an id, is timed, and logs as one structured line per record.

:class:`RequestObserver` (WSGI middleware) takes the request id from an
incoming ``X-Request-ID`` made of safe characters (a proxy's), or makes one,
returns it as the response's ``X-Request-ID`` and keeps it in a context
variable for the log formatter; it records the time to the response's start
in ``lms_request_duration_seconds`` by endpoint (:mod:`lms.metrics`).

Logs: with ``LMS_LOG_FORMAT=json`` each record is one JSON object per line
(time, level, logger, message, request id, exception); ``text`` prints the
same fields in a line for people. Outside requests (the job worker, the CLI)
the request id is empty, and a job's records carry ``job`` instead.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable

from flask import Flask

from .metrics import REQUEST_LATENCY

#: The current request's id ("" outside requests).
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("lms_request_id", default="")
#: The job being run by this thread (0 outside jobs).
job_id: contextvars.ContextVar[int] = contextvars.ContextVar("lms_job_id", default=0)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
HEADER = "X-Request-ID"


def current_request_id() -> str:
    return request_id.get()


class RequestObserver:
    """WSGI middleware: request id in, request id out, latency recorded."""

    def __init__(self, wsgi_app: Callable) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else os.urandom(8).hex()
        environ["lms.request_id"] = rid
        token = request_id.set(rid)

        def observed_start_response(status: str, headers: list, exc_info=None):
            headers.append((HEADER, rid))
            request_obj = environ.get("werkzeug.request")
            rule = getattr(request_obj, "url_rule", None)
            REQUEST_LATENCY.labels(
                rule.endpoint if rule is not None else "none",
                environ.get("REQUEST_METHOD", "?"),
                status[:1] + "xx",
            ).observe(time.perf_counter() - started)
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, observed_start_response)
        finally:
            request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``ts``, ``level``, ``logger``, ``msg``, ``request_id``, ..."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id.get()
        if rid:
            entry["request_id"] = rid
        job = job_id.get()
        if job:
            entry["job"] = job
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x00``), for one log line.

    A URL or a name carrying a line break (or a NUL, or an ANSI escape) must
    not start what looks like a new record of the log, nor repaint a terminal.
    """
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class TextFormatter(logging.Formatter):
    """A line for people with the same fields: time, level, logger, [request id], message.

    The message is escaped by :func:`printable`, so a record is one line (its
    traceback, when there is one, follows on the next lines as Python prints it).
    """

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(lms_context)s%(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = printable(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        rid, job = request_id.get(), job_id.get()
        record.lms_context = f"[{rid}] " if rid else (f"[job {job}] " if job else "")
        return super().format(record)


_configured = False


def init_app(app: Flask) -> None:
    """Wrap ``app`` in the observer; set up the process's log output once (not in tests)."""
    global _configured
    app.wsgi_app = RequestObserver(app.wsgi_app)
    if app.config["LMS_ENV"] == "testing" or _configured:
        return
    _configured = True
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if app.config["LMS_LOG_FORMAT"] == "json" else TextFormatter()
    )
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    # Flask's own handler would print every app.logger record a second time.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
