"""Error pages in the site's layout, never a traceback."""

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .db import db

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("We could not understand that request. Please go back and try again."),
    ),
    403: (_l("Not allowed"), _l("Your account does not have permission to see this page.")),
    404: (
        _l("Page not found"),
        _l("We could not find that page. It may have moved, or the link may be wrong."),
    ),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    410: (_l("Gone"), _l("This link is no longer valid.")),
    413: (
        _l("Too large"),
        _l("What you sent is larger than we accept. Please send a smaller file."),
    ),
    429: (_l("Too many attempts"), _l("Please wait a minute before trying again.")),
    500: (
        _l("Something went wrong"),
        _l(
            "Something went wrong on our side. Nothing you did was lost;"
            " please try again in a moment."
        ),
    ),
    503: (_l("Unavailable"), _l("The site is briefly unavailable. Please try again in a moment.")),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def abort_with(code: int, message) -> None:
    """Abort with a user-facing message shown on the error page."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[code](description=str(message))
    exc.lms_message = True
    raise exc


def render_error(code: int, description=None, exc: HTTPException | None = None):
    title, default = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    message = description or default
    from .api.errors import is_api_request, response_for

    if is_api_request():  # the API's one JSON shape (lms/api/errors.py)
        return response_for(exc or default_exceptions_for(code), message)
    if _wants_json():
        response = jsonify(error=str(title), message=str(message))
    else:
        response = make_response(
            render_template("lms/error.html", code=code, title=title, message=message)
        )
    response.status_code = code
    return response


def default_exceptions_for(code: int) -> HTTPException:
    from werkzeug.exceptions import default_exceptions

    return default_exceptions.get(code, InternalServerError)()


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(
            400,
            _l(
                "This form has expired or was sent from another site."
                " Please go back, reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        # Our own aborts may carry a specific, user-facing description, and so may a
        # rate limit given an ``error_message`` (Flask-Limiter's default names the limit).
        custom = exc.description if getattr(exc, "lms_message", False) else None
        limit = getattr(exc, "limit", None)
        if exc.code == 429 and limit is not None and getattr(limit, "error_message", None):
            custom = exc.description
        response = render_error(exc.code, custom, exc)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http(exc)
        if app.config.get("PROPAGATE_EXCEPTIONS"):
            raise exc
        from .observability import printable

        # Escaped here too: whatever handler the host gives the log must get one line.
        app.logger.exception(
            "unhandled error on %s %s", request.method, printable(request.path)
        )
        db.session.rollback()
        return render_error(500)

    app.register_error_handler(InternalServerError, lambda e: render_error(500))
