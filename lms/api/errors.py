"""The API's one error shape: ``{"status": 404, "code": "not_found", "message": "..."}``.

``code`` is stable (clients branch on it); ``message`` is for people and may
change or be translated; ``errors`` (validation only) maps each location and
field to its messages.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from werkzeug.exceptions import HTTPException

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid_request",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


class ApiError(HTTPException):
    """An API refusal with its stable code."""

    def __init__(self, status: int, code: str, message: Any, errors: dict | None = None):
        super().__init__(description=str(message))
        self.code = status
        self.api_code = code
        self.errors = errors


def is_api_request() -> bool:
    return request.path == "/api/v1" or request.path.startswith("/api/v1/")


def response_for(exc: HTTPException, default_message: Any = "") -> Response:
    """The JSON answer to ``exc`` on an API path."""
    status = exc.code or 500
    code = getattr(exc, "api_code", None) or CODES.get(status, "error")
    body: dict[str, Any] = {
        "status": status,
        "code": code,
        "message": str(exc.description if getattr(exc, "api_code", None) else default_message),
    }
    errors = getattr(exc, "errors", None)
    data = getattr(exc, "data", None)
    if errors is None and isinstance(data, dict) and "messages" in data:
        errors = data["messages"]  # webargs' validation messages, by location and field
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    response.headers["Cache-Control"] = "no-store"
    return response
