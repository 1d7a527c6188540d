"""Refuse control characters in what a request sends, before any view sees it.

A NUL in a URL or a form field made PostgreSQL fail the query (its text
cannot hold NUL), so ``GET /courses/%00`` answered 500; other control
characters have no business in a name, a search or a slug, and in a mail
header or a log line they forge new lines. So the path, the query string and
the form fields are checked once, here, and a request carrying one gets a
400 page that says why. Form fields may still hold tabs and line breaks
(text areas do); fields that must be one line (mail subjects) refuse those in
their form (:class:`lms.forms.SingleLine`). The names of uploaded files are
checked too, with no exception: they are kept (an assignment's file, a group's
enrolment file) and given back in a download's ``Content-Disposition`` header.
"""

from __future__ import annotations

import re

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from .errors import abort_with

#: C0 controls, DEL and C1 controls: never in a path or a query parameter.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
#: The same, minus tab, line feed and carriage return, which text areas send.
CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

MESSAGE = _l(
    "What you sent contains control characters (such as a null byte), which we do not"
    " accept. Please remove them and try again."
)


def refuse_control_characters() -> None:
    """``before_request``: 400 when the path, a query parameter, a form field or the name
    of an uploaded file holds a control character (tab and line breaks allowed in form
    values)."""
    if CONTROL.search(request.path):
        abort_with(400, MESSAGE)
    if request.environ.get("QUERY_STRING"):
        for key, value in request.args.items(multi=True):
            if CONTROL.search(key) or CONTROL.search(value):
                abort_with(400, MESSAGE)
    if request.method in _BODY_METHODS and request.mimetype in _FORM_TYPES:
        for key, value in request.form.items(multi=True):
            if CONTROL.search(key) or CONTROL_IN_TEXT.search(value):
                abort_with(400, MESSAGE)
        for key, upload in request.files.items(multi=True):
            if CONTROL.search(key) or CONTROL.search(upload.filename or ""):
                abort_with(400, MESSAGE)


def init_app(app: Flask) -> None:
    """Run the check before every other ``before_request`` hook (CSRF, limits, views')."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters)
