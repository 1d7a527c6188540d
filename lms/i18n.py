"""Locale selection: the user's choice, else the browser's, else English."""

from functools import cache

from flask import current_app, has_request_context, request
from flask_login import current_user


def select_locale() -> str:
    """Choose the locale of the current request, once per request (Flask-Babel keeps it).

    With one language there is nothing to choose: no user is loaded and no
    header parsed for it.
    """
    languages = current_app.config["LMS_LANGUAGE_LIST"]
    if len(languages) == 1 or not has_request_context():
        # The CLI and cron jobs (e.g. enacting decisions at close-due) have no request.
        # One language: the answer is known without loading anyone.
        return languages[0]
    chosen = getattr(current_user, "locale", None) if current_user else None
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone this machine knows (``zoneinfo``), sorted; read once."""
    import zoneinfo

    return tuple(sorted(zoneinfo.available_timezones() | {"UTC"}))


def select_time_zone() -> str:
    """The signed-in person's time zone, else the site's (``LMS_TIME_ZONE``)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        chosen = getattr(current_user, "time_zone", None)
        if chosen:
            return chosen
    return current_app.config["LMS_TIME_ZONE"]


def zone_of(time_zone: str | None) -> str:
    """A person's stored time zone, or the site's when they have none (or it vanished)."""
    return time_zone if time_zone in time_zone_names() else current_app.config["LMS_TIME_ZONE"]


def format_in_zone(value, time_zone: str, locale: str) -> str:
    """``value`` (aware) as a long date and time in ``time_zone`` and ``locale``, zone named.

    For emails and notices written for someone else than the current visitor.
    """
    import zoneinfo

    from babel.dates import format_datetime

    zone = zoneinfo.ZoneInfo(time_zone)
    when = format_datetime(value, "EEEE d MMMM y, HH:mm", tzinfo=zone, locale=locale)
    return f"{when} ({time_zone.replace('_', ' ')})"


def escape_lazy_strings() -> None:
    """Make Flask-Babel's lazy strings escaped in templates, like any other string.

    ``LazyString`` defines ``__html__`` as ``str(self)``, which tells Jinja and
    MarkupSafe that it is already safe markup: ``{{ message }}``, ``|e``,
    ``escape()`` and ``Markup("...%s") % message`` all left it as it was. A lazy
    message interpolating what a user typed (``_l("%(name)s replied", name=...)``)
    would then put their HTML into the page, and the help text "Issued on <date>"
    of the certificate template page showed as "Issued on" (``<date>`` became a
    tag). No message of this project is markup, so a lazy string's ``__html__``
    escapes its text. Done once, by the factory; safe to repeat.
    """
    from flask_babel.speaklater import LazyString
    from markupsafe import escape

    def __html__(self) -> str:  # noqa: N807 (the protocol's name)
        return str(escape(str(self)))

    LazyString.__html__ = __html__
