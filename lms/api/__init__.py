"""The REST API's core: one OpenAPI document, personal access tokens, scopes, errors, paging.

The API is served under ``/api/v1``. The core owns what every endpoint shares
(the flask-smorest :class:`Api` that builds the OpenAPI 3.1 document from the
code, token authentication, scopes, rate limits, the error shape and cursor
paging); each plugin registers its own endpoints with :func:`register` from
its ``setup``, on a blueprint named ``<plugin>_api`` at ``/api/v1/<plugin>``.
So a plugin's endpoints call that plugin's own permission and scope functions
(the same ones its pages call), and plugins still never import each other.

Every API view carries exactly one policy, :func:`token_required`, which
authenticates the bearer token, checks that the token holds the view's scope,
counts the request against the token's rate limit and signs the token's owner
in for the request only (no cookie is read or set).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import Flask, Response, current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from flask_smorest import Api, Blueprint
from limits import parse_many

from ..permissions import POLICY_ATTR
from .errors import ApiError

PREFIX = "/api/v1"
SECURITY_SCHEME = "bearerAuth"

#: The core's own scope: who the token belongs to.
LMS_PROFILE_READ = "lms:profile:read"


class LmsApi(Api):
    """flask-smorest's :class:`Api`, without its application-wide error handlers.

    flask-smorest registers a handler for every ``HTTPException`` of the whole
    application, which would turn the site's HTML error pages into JSON; the
    core's error handlers answer API paths with :mod:`lms.api.errors` instead.
    """

    ERROR_SCHEMA = None  # set below, once the schema module is importable

    def _register_error_handlers(self):  # noqa: D401 (flask-smorest's hook)
        return None


@dataclass
class ApiState:
    """What the core and the plugins registered, kept in ``app.extensions['lms_api']``."""

    api: LmsApi
    #: scope name -> label shown on the account page
    scopes: dict[str, Any] = field(default_factory=dict)
    _spec: dict[str, Any] | None = None

    def spec(self) -> dict[str, Any]:
        """The OpenAPI document, built once (it is fixed once the app has started)."""
        if self._spec is None:
            self._spec = self.api.spec.to_dict()
        return self._spec


def init_app(app: Flask) -> None:
    """Make the app's API and register the core's endpoints (the core step of the factory)."""
    from . import schemas, views

    LmsApi.ERROR_SCHEMA = schemas.ErrorSchema
    app.config.setdefault("API_TITLE", "Co-operative Education Centre API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    # No flask-smorest documentation blueprint (it loads Swagger UI from a CDN and its
    # routes carry no policy): ``lms.api.views`` serves the document and the reference.
    app.config["OPENAPI_URL_PREFIX"] = None
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": schemas.API_DESCRIPTION},
            "servers": [{"url": "/"}],
            "security": [{SECURITY_SCHEME: []}],
            "components": {
                "securitySchemes": {
                    SECURITY_SCHEME: {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A personal access token made at /account/tokens.",
                    }
                }
            },
        },
    )
    state = ApiState(api=LmsApi(app))
    app.extensions["lms_api"] = state
    app.register_blueprint(views.bp)
    app.register_blueprint(views.tokens_bp)
    register(app, views.api_bp, owner="lms", scopes={LMS_PROFILE_READ: _l("Read my profile")})


def state_of(app: Flask | None = None) -> ApiState:
    return (app or current_app).extensions["lms_api"]


def register(
    app: Flask, blueprint: Blueprint, *, owner: str, scopes: Mapping[str, Any] = ()
) -> None:
    """Add a plugin's (or the core's) API endpoints and the scopes they use.

    :param blueprint: a :class:`flask_smorest.Blueprint` named ``<owner>_api`` with the URL
        prefix ``/api/v1/<owner>`` (the core's: ``lms_api`` at ``/api/v1``).
    :param scopes: scope name (``<owner>:<resource>:read``) -> label for the account page.
    :raises ValueError: a name or prefix does not carry the owner's name, or a scope is
        registered twice.
    """
    state = state_of(app)
    if blueprint.name != f"{owner}_api":
        raise ValueError(f"API blueprint {blueprint.name!r} must be named '{owner}_api'")
    expected = PREFIX if owner == "lms" else f"{PREFIX}/{owner}"
    if blueprint.url_prefix != expected:
        raise ValueError(f"API blueprint {blueprint.name!r} must have the URL prefix {expected}")
    for name, label in dict(scopes).items():
        if not name.startswith(f"{owner}:") or name in state.scopes:
            raise ValueError(f"API scope {name!r} must start with '{owner}:' and be new")
        state.scopes[name] = label
    state.api.register_blueprint(blueprint)
    state._spec = None


def token_required(scope: str) -> Callable[[Callable], Callable]:
    """The policy of an API view: a current bearer token that holds ``scope``.

    Put it right under the blueprint's ``route`` so that it runs before the
    arguments are parsed (an anonymous request gets 401, not a 422). The view
    then sees the token's owner as ``current_user``; it must still make the
    same permission and object checks as the matching page.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            authenticate(scope)
            return view(*args, **kwargs)

        if hasattr(wrapped, POLICY_ATTR):
            raise TypeError(f"{view.__name__} declares its access policy twice")
        setattr(wrapped, POLICY_ATTR, f"token:{scope}")
        doc = wrapped.__dict__.setdefault("_apidoc", {})
        manual = doc.setdefault("manual_doc", {})
        manual["security"] = [{SECURITY_SCHEME: [scope]}]
        manual["x-required-scope"] = scope
        return wrapped

    return decorator


def authenticate(scope: str) -> None:
    """Sign in the owner of the request's bearer token, if it holds ``scope``.

    :raises ApiError: 401 without a current token or while its owner's account is being
        closed, 403 when it lacks the scope, 429 over the token's rate limit.
    """
    from flask_login import AnonymousUserMixin

    from .tokens import find_usable

    # Never the session cookie: the API answers tokens only (no CSRF on a cookie-less call).
    ctx_g = g._get_current_object()
    ctx_g._login_user = AnonymousUserMixin()
    header = request.environ.get("HTTP_AUTHORIZATION", "")
    kind, _, secret = header.partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        raise ApiError(401, "unauthorized", _l("Send a personal access token as a Bearer token."))
    token = find_usable(secret.strip())
    if token is None:
        raise ApiError(401, "invalid_token", _l("This token is unknown, expired or revoked."))
    if token.closing:
        raise ApiError(401, "account_closing", _l(
            "The account this token belongs to is being closed, so its tokens do not work. "
            "Signing in on the site before the closing date cancels the closure, and the "
            "token works again."))
    _count(token.id)
    if scope not in token.scope_set:
        raise ApiError(
            403,
            "insufficient_scope",
            _l("This token does not hold the scope %(scope)s.", scope=scope),
        )
    ctx_g._login_user = TokenOwner(token.user_id, token.role_names)
    ctx_g.api_token = token


class TokenOwner(UserMixin):
    """The token's owner as the API's ``current_user``: the id and roles the token lookup
    read are at hand (what the scope and permission checks ask), and the account is
    loaded from the session only when a view asks for anything else."""

    def __init__(self, user_id: int, role_names: frozenset[str]):
        self.id = user_id
        self.role_names = role_names

    is_active = True  # the lookup finds only active accounts' tokens

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        user = self.__dict__.get("_user")
        if user is None:
            from ..accounts.models import User
            from ..db import db

            user = self.__dict__["_user"] = db.session.get(User, self.id)
        return getattr(user, name)


@functools.cache
def _limits(setting: str) -> tuple:
    return tuple(sorted(parse_many(setting)))


def _count(token_id: int) -> None:
    from ..extensions import limiter

    if not (limiter.enabled and limiter.initialized):
        return
    strategy = limiter.limiter
    for item in _limits(current_app.config["LMS_API_RATE_LIMIT"]):
        if not strategy.hit(item, "lms-api-token", str(token_id)):
            raise ApiError(
                429, "rate_limited", _l("Too many requests with this token; wait a minute.")
            )


def current_scopes() -> frozenset[str]:
    token = g.get("api_token")
    return token.scope_set if token is not None else frozenset()


# -- lists ---------------------------------------------------------------------------------


def listing(bp: Blueprint, item, name: str) -> Callable[[Callable], Callable]:
    """A list endpoint: ``after`` and ``limit`` in the query, a page ``{items, next_cursor}``.

    Put it under :func:`token_required`. It documents the arguments
    (:class:`~.schemas.CursorArgs`) and the page (``item`` schema, page schema ``name``)
    as ``bp.arguments`` and ``bp.response`` would, and parses the two arguments itself
    (webargs costs more than the busiest lists' queries; the errors have the same shape).
    The view gets ``after`` (the raw cursor) and ``limit``, and returns :func:`page` (a
    dict the item schema dumps) or a ready :class:`~flask.Response` (:func:`json_page`).
    """
    from .schemas import CursorArgs, page_schema

    def decorator(view: Callable) -> Callable:
        responder = bp.response(200, page_schema(item, name))(view)
        documented = bp.arguments(CursorArgs, location="query", as_kwargs=True)(responder)

        @functools.wraps(responder)
        def wrapped(*args, **kwargs):
            return responder(*args, **cursor_args(), **kwargs)

        wrapped._apidoc = documented._apidoc
        return wrapped

    return decorator


#: A number as the query string may give it: ASCII digits only. ``int()`` also takes other
#: scripts' digits ("５", "٥"), a sign, spaces around and underscores ("5_0").
_DIGITS = re.compile(r"[0-9]+")


def cursor_args() -> dict[str, Any]:
    """``after`` and ``limit`` from the query string, checked as :class:`~.schemas.CursorArgs`.

    :raises ApiError: 422 with the messages by location and field, as webargs gives them,
        in the request's language (as the error's ``message`` is).
    """
    from .schemas import MAX_LIMIT

    args = request.args
    errors: dict[str, list[str]] = {}
    after = args.get("after")
    if after is not None and len(after) > 1000:
        errors["after"] = [_("Longer than maximum length %(max)d.", max=1000)]
    raw = args.get("limit")
    limit = 50
    if raw is not None:
        if not _DIGITS.fullmatch(raw):
            errors["limit"] = [_("Not a valid integer.")]
        else:
            # Past nine digits it is out of range anyway (and int() of thousands is refused).
            digits = raw.lstrip("0") or "0"
            limit = int(digits) if len(digits) <= 9 else MAX_LIMIT + 1
            if not 1 <= limit <= MAX_LIMIT:
                errors["limit"] = [_("Must be greater than or equal to %(min)d and less than "
                                     "or equal to %(max)d.", min=1, max=MAX_LIMIT)]
    if errors:
        raise ApiError(422, "invalid_request", _l("The request's parameters are not valid."),
                       errors={"query": errors})
    return {"after": after, "limit": limit}


def page_of(query, keys, types: tuple[type, ...], key_of: Callable, after: str | None,
            limit: int, *, descending: bool = False, scalars: bool = False):
    """One page of ``query`` by keyset (:func:`lms.paging.keyset_page`) after the raw cursor
    ``after``, whose values are of ``types`` (a cursor that does not decode: the first page)."""
    from ..paging import keyset_page
    from .schemas import cursor

    return keyset_page(query, keys, cursor(after, types), key_of, per_page=limit,
                       descending=descending, scalars=scalars)


def json_page(items: list[dict[str, Any]], next_cursor: str | None):
    """A page ready to send: ``items`` must hold JSON values (dates as ISO 8601 strings).

    Serialised with orjson: the standard library's encoder took a third of the
    catalogue's time with a token.
    """
    return Response(orjson.dumps({"items": items, "next_cursor": next_cursor}),
                    mimetype="application/json")
