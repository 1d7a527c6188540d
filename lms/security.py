"""What every request and response goes through: security headers, the session
cookie and the rate limiter's request hooks, each costing as little as it can.

Every response pays for these, the cheapest probe included, so the work that
does not depend on the request is done once at start-up: the header values are
constants checked once, the cookie signer is built once, and the limiter's
hooks run only where there is something to limit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from flask import Flask, request
from flask.globals import request_ctx
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_login import LoginManager
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import Headers

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


BASE_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
#: Added to HTML responses: pages can show personal data; shared machines must not keep them.
NO_STORE = ("Cache-Control", "no-store")


def register(app: Flask) -> None:
    """Add the security headers to every response of ``app``."""
    headers = BASE_HEADERS + ((HSTS,) if app.config["LMS_ENV"] == "production" else ())
    app.wsgi_app = SecurityHeaders(app.wsgi_app, headers)


class SecurityHeaders:
    """WSGI middleware adding constant headers to every response.

    A response that sets one of the headers itself (e.g. a stricter CSP, its
    own ``Cache-Control``) keeps its value; ours are defaults. The values are
    validated once, here, instead of by :class:`~werkzeug.datastructures.Headers`
    on every response, which cost more than everything else this does.

    :param wsgi_app: the application to wrap.
    :param headers: ``(name, value)`` pairs for every response.
    """

    def __init__(self, wsgi_app: Callable, headers: Iterable[tuple[str, str]]) -> None:
        self.wsgi_app = wsgi_app
        self.headers = tuple(headers)
        Headers([*self.headers, NO_STORE])  # refuses a value that would split a header
        self.names = frozenset(name.lower() for name, _ in self.headers)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def add_headers(status: str, response_headers: list, exc_info=None):
            present = {name.lower() for name, _ in response_headers}
            if present.isdisjoint(self.names):
                response_headers.extend(self.headers)
            else:
                response_headers.extend(h for h in self.headers if h[0].lower() not in present)
            if "cache-control" not in present and _is_html(response_headers):
                response_headers.append(NO_STORE)
            extra = environ.get(_RAW_HEADERS)
            if extra:
                response_headers.extend(extra)
            return start_response(status, response_headers, exc_info)

        return self.wsgi_app(environ, add_headers)


#: Where a request keeps the headers :func:`add_raw_headers` gave its response.
_RAW_HEADERS = "lms.raw_response_headers"


def add_raw_headers(headers: Iterable[tuple[str, str]]) -> None:
    """Give this request's response ``headers``, which :class:`SecurityHeaders` adds as they are.

    For headers a busy view sends on every response (the rate limit's counts
    on the certificate verification page): setting them on the response
    through :class:`~werkzeug.datastructures.Headers`, from an after-request
    hook, cost more than counting the request. Names and values are not
    checked here, so they must be the caller's own (names constant, values
    digits); they go on every response to this request, error pages included.
    """
    request.environ.setdefault(_RAW_HEADERS, []).extend(headers)


def _is_html(response_headers: list[tuple[str, str]]) -> bool:
    for name, value in response_headers:
        if name.lower() == "content-type":
            return value.partition(";")[0].strip().lower() == "text/html"
    return False


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without per-request set-up.

    Flask builds the cookie's signer for every request, even one that sends
    no cookie. Here it is built once per secret key, and a request without a
    session cookie gets an empty session without touching the signer (the
    signer is still needed to save a session the view fills).
    """

    def __init__(self) -> None:
        # (key, signer) in one attribute: threads replace it in one step.
        self._signer: tuple[tuple, URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        # Keyed by the keys themselves, so a changed SECRET_KEY (or a rotation
        # through SECRET_KEY_FALLBACKS) takes effect at the next request.
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._signer
        if cached is not None and cached[0] == key:
            return cached[1]
        signer = super().get_signing_serializer(app)
        self._signer = (key, signer)
        return signer

    def open_session(self, app: Flask, request):
        if not app.secret_key:
            return None
        # Without a Cookie header (probes, first visits) there is nothing to parse.
        has_cookies = "HTTP_COOKIE" in request.environ
        if not has_cookies or not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        # Flask works out every cookie setting before it finds that an empty,
        # unchanged session has nothing to save; the answer is the same.
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def guard_csrf_hook(app: Flask) -> None:
    """Run Flask-WTF's CSRF hook only for the methods that carry a token.

    The hook works out whether the view is exempt before it looks at the
    method, so every GET paid for a check that ends in "nothing to do".
    """

    def is_hook(fn: Callable) -> bool:
        name = (getattr(fn, "__module__", None), getattr(fn, "__name__", None))
        return name == ("flask_wtf.csrf", "csrf_protect")

    def guard(protect: Callable) -> Callable:
        def csrf_protect():
            if request.method in app.config["WTF_CSRF_METHODS"]:
                return protect()
            return None

        return csrf_protect

    _swap(app.before_request_funcs.setdefault(None, []), is_hook, guard, "Flask-WTF")


def guard_rate_limit_hooks(app: Flask, limiter: Limiter) -> None:
    """Run the limiter's request hooks only when they have something to do.

    Flask-Limiter registers three hooks on every request. The ``before`` hook
    enforces the limits that apply outside the views' own ``@limiter.limit``
    decorators (default, application, blueprint and meta limits, and the
    in-memory fallback); the core configures none, so it resolves, for every
    request, that there is nothing to check. The decorators check their own
    limits when their view runs. The ``after`` hook adds the ``X-RateLimit-*``
    headers and the teardown resets the limiter's per-request state; both
    only have work after a check made that state.

    The hooks are wrapped, not dropped: limits configured later (for example
    ``RATELIMIT_DEFAULT`` in the instance file, or a plugin limiting a whole
    blueprint) are seen at the next request.

    :raises RuntimeError: Flask-Limiter no longer registers the hooks this
        expects (see :func:`_swap`).
    """

    if not app.config["RATELIMIT_ENABLED"]:
        return  # a disabled limiter registers no hooks

    def bound_to_limiter(fn: Callable) -> bool:
        return getattr(fn, "__self__", None) is limiter

    def applied_to_limiter(fn: Callable) -> bool:
        return isinstance(fn, functools.partial) and fn.args == (limiter,)

    def limiter_ran() -> bool:
        # Flask-Limiter keeps its per-request state on the request context,
        # created by the first check of the request.
        return hasattr(request_ctx._get_current_object(), "_limiter_request_context")

    def guard_check(check: Callable) -> Callable:
        def check_request_limits():
            if _has_limits_outside_views(limiter):
                return check()
            return None

        return check_request_limits

    def guard_headers(inject: Callable) -> Callable:
        def inject_limit_headers(response):
            return inject(response) if limiter_ran() else response

        return inject_limit_headers

    def guard_release(release: Callable) -> Callable:
        def release_limit_state(exc: BaseException | None = None) -> None:
            if limiter_ran():
                release(exc)

        return release_limit_state

    hooks = (
        (app.before_request_funcs, bound_to_limiter, guard_check),
        (app.after_request_funcs, applied_to_limiter, guard_headers),
        (app.teardown_request_funcs, bound_to_limiter, guard_release),
    )
    for funcs, is_hook, wrap in hooks:
        _swap(funcs.setdefault(None, []), is_hook, wrap, "Flask-Limiter")


def guard_remember_cookie_hook(app: Flask, manager: LoginManager) -> None:
    """Run Flask-Login's remember-cookie hook only after a request that changed the session.

    The hook looks for the mark that ``login_user(remember=True)`` and
    ``logout_user()`` leave in the session; looking marks the session as
    accessed, which gave every response, the health probe's included,
    ``Vary: Cookie``. The hook removes the mark in the request that set it, so
    a session this request did not change cannot hold it.
    """

    def is_hook(fn: Callable) -> bool:
        return (
            getattr(fn, "__self__", None) is manager
            and getattr(fn, "__name__", None) == "_update_remember_cookie"
        )

    def guard(update: Callable) -> Callable:
        def update_remember_cookie(response):
            if app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST") or _session_changed():
                return update(response)
            return response

        return update_remember_cookie

    _swap(app.after_request_funcs.setdefault(None, []), is_hook, guard, "Flask-Login")


def _session_changed() -> bool:
    # The session object without going through ``RequestContext.session``,
    # which would mark it accessed. Unknown (Flask changed): assume changed.
    session = getattr(request_ctx._get_current_object(), "_session", None)
    return session is None or getattr(session, "modified", True)


def _swap(funcs: list, is_hook: Callable[[Callable], bool], wrap: Callable, owner: str) -> None:
    """Replace the one hook in ``funcs`` that ``is_hook`` picks by ``wrap(hook)``.

    :raises RuntimeError: not exactly one hook matches: the extension changed
        how it registers its hooks and the guard must be reviewed rather than
        silently dropped.
    """
    found = [i for i, fn in enumerate(funcs) if is_hook(fn)]
    if len(found) != 1:
        raise RuntimeError(
            f"{owner}'s request hooks are not the ones lms.security expects;"
            " review its guards for this version."
        )
    funcs[found[0]] = wrap(funcs[found[0]])


def _has_limits_outside_views(limiter: Limiter) -> bool:
    """Tell whether any limit applies to requests outside the views' own decorators."""
    manager = limiter.limit_manager
    return bool(
        manager._default_limits
        or manager._application_limits
        or manager._blueprint_limits
        or limiter._meta_limits
        or limiter._in_memory_fallback
    )
