"""Flask extension instances, created unbound and initialised by the factory."""

import functools
import time

from flask import abort, current_app, request, session
from flask_babel import Babel, Domain
from flask_limiter import HeaderNames, Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_login.signals import user_accessed
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from limits import RateLimitItem, parse_many
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

from . import limiter_storage  # noqa: F401  (registers the lms-memory:// storage)
from .accounts.emails import normalise_email
from .security import add_raw_headers

migrate = Migrate()


class _CookieLoginManager(LoginManager):
    """Flask-Login's manager, answering "anonymous" at once to a request without cookies.

    The platform signs people in through Flask-Login only with cookies (the
    session and the remember-me cookie; the API signs a token's owner in
    itself, see :func:`lms.api.authenticate`). Without a ``Cookie`` header
    Flask-Login's look-up ends in the anonymous user after hashing the
    visitor's address and browser for session protection, reading the empty
    session and looking for the remember-me cookie and a header: on a public
    page that shows the language chooser (its locale asks who is signed in),
    a tenth of the request. The look-up still marks the session read, so the
    answer says it depends on cookies (``Vary: Cookie``) as before.
    """

    def _load_user(self):
        if (
            "HTTP_COOKIE" in request.environ
            or self._request_callback is not None
            or self._header_callback is not None
        ):
            return super()._load_user()
        user_accessed.send(current_app._get_current_object())
        session.accessed = True
        return self._update_request_context_with_user()


login_manager = _CookieLoginManager()
csrf = CSRFProtect()


class _AppDomain(Domain):
    """Flask-Babel's message domain, with the catalogues it loaded cached per application.

    ``babel`` is one instance for the process and its domain caches catalogues
    by locale alone, so a second application with other translation folders
    (a test's pseudo-translations, an embedding with its own catalogues) was
    served the first one's Urdu.
    """

    def get_translations_cache(self, ctx):
        return current_app.extensions.setdefault("lms.translations", {})


babel = Babel()
babel.domain_instance = _AppDomain()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def form_email_key() -> str:
    """Rate-limit key for "per account" limits: the email typed into the form."""
    return "account:" + normalise_email(request.form.get("email", ""))


def count_request(limit_value: str, scope: str | None = None) -> None:
    """Count the current request against ``limit_value``; abort with 429 when over it.

    What ``@limiter.limit(limit_value)`` does for a view, for views too busy to
    pay the decorator: the same storage and strategy and the same counters (the
    key is the remote address and the scope the endpoint, as the decorator's),
    the limits taken shortest window first up to the first one exceeded, whose
    request answers 429 through the app's error page, and the ``X-RateLimit-*``
    and ``Retry-After`` headers (default names) when ``RATELIMIT_HEADERS_ENABLED``.
    Around the count itself, a few microseconds, the decorator resolves on
    every request which limits apply to the view and whether an exemption does,
    and builds a request state and an after-request hook: ~0.2 ms.

    Unlike the decorator it leaves default and blueprint limits in force for the
    view, as for any view without a decorator.

    :param limit_value: one or more limits, e.g. ``"30 per minute; 300 per hour"``.
    :param scope: the counters' scope; default: the request's endpoint.
    """
    if not (limiter.enabled and limiter.initialized):
        return
    config = current_app.config
    args = (get_remote_address(), scope or request.endpoint)
    if config.get("RATELIMIT_KEY_PREFIX"):
        args = (config["RATELIMIT_KEY_PREFIX"], *args)
    strategy = limiter.limiter
    items = _parsed_limits(limit_value)
    if type(strategy) is FixedWindowRateLimiter:
        exceeded, shown, window = _hit_fixed_windows(strategy.storage, items, args)
    else:
        exceeded = next((item for item in items if not strategy.hit(item, *args)), None)
        shown, window = exceeded or items[0], None
    if config.get("RATELIMIT_HEADERS_ENABLED"):
        reset, remaining = window or strategy.get_window_stats(shown, *args)
        reset_at = int(reset + 1)
        add_raw_headers((
            (_LIMIT, str(shown.amount)),
            (_REMAINING, str(remaining)),
            (_RESET, str(reset_at)),
            (_RETRY_AFTER, str(int(reset_at - time.time()))),
        ))
    if exceeded is not None:
        limiter.logger.info("ratelimit %s (%s) exceeded at endpoint: %s", exceeded, *args[-2:])
        abort(429)


def _hit_fixed_windows(
    storage: Storage, items: tuple[RateLimitItem, ...], args: tuple[str, ...]
) -> tuple[RateLimitItem | None, RateLimitItem, tuple[float, int]]:
    """What :class:`~limits.strategies.FixedWindowRateLimiter` (Flask-Limiter's default
    strategy) answers, from one key and one count per limit.

    Counts the request against each of ``items`` in turn up to the first one
    exceeded, as the strategy's ``hit`` does, and reads the shown limit's
    window (the exceeded one, else the first) as its ``get_window_stats``
    does, from the count just made: the strategy builds the counter's key
    again for each of those calls and reads the counter back, a third of the
    cost of counting a request.

    :return: the exceeded limit or ``None``, the shown limit, and its window's
        ``(reset time, remaining)``.
    """
    shown = None
    for item in items:
        key = item.key_for(*args)
        count = storage.incr(key, item.get_expiry())
        exceeded = count > item.amount
        if shown is None or exceeded:
            shown = (item, key, count)
        if exceeded:
            break
    item, key, count = shown
    window = (storage.get_expiry(key), max(0, item.amount - count))
    return (item if exceeded else None), item, window


_LIMIT, _REMAINING, _RESET, _RETRY_AFTER = (
    HeaderNames.LIMIT.value,
    HeaderNames.REMAINING.value,
    HeaderNames.RESET.value,
    HeaderNames.RETRY_AFTER.value,
)


@functools.lru_cache(maxsize=64)
def _parsed_limits(limit_value: str) -> tuple[RateLimitItem, ...]:
    # Parsed once per value, not per request; the order Flask-Limiter checks them in.
    return tuple(sorted(parse_many(limit_value)))


@migrate.configure
def _version_locations(config):
    """Point Alembic at the core's and every loaded plugin's revision folders."""
    import os

    from flask import current_app

    dirs = current_app.extensions["lms"].migration_dirs
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(dirs))
    return config
