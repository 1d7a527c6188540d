"""What every notification email carries: absolute links, an unsubscribe token, its headers.

A notice sent by email goes out as :func:`single_mail` builds it; the daily
digest (:mod:`.digests`) builds its own body but the same links and headers.
Every one of them carries a signed, never-expiring unsubscribe link, both in
its footer and in the RFC 8058 one-click headers, and the views read the
token back with :func:`read_unsubscribe_token`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from ..contracts import NotificationKind

#: The unsubscribe token of a daily digest (it stops every kind now sent by digest).
DIGEST_TOKEN_KIND = "*digest"  # noqa: S105 (a kind, not a secret)


def site_url(path: str) -> str:
    """An absolute URL for a path of this site (as ``url_for`` gives it), on ``LMS_BASE_URL``."""
    parts = urlsplit(current_app.config["LMS_BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}{path}"


def absolute_url(endpoint: str, **values) -> str:
    """An absolute URL of one of this site's pages, for an email.

    It is :func:`lms.accounts.operations.external_url` (always on ``LMS_BASE_URL``),
    imported when first needed rather than with this module.
    """
    from ..accounts.operations import external_url

    return external_url(endpoint, **values)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="lms.notifications.unsubscribe")


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A signed token that stops emails of ``kind`` (or every digest) for ``user_id``.

    It does not expire: an email read a year later must still unsubscribe.
    It only ever turns email off, so a leaked one can do no more than that.
    """
    return _serializer().dumps([user_id, kind])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """``(user_id, kind)`` from a token, or ``None`` if it was not made here."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or type(value[0]) is not int
        or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]


def unsubscribe_headers(unsubscribe: str) -> dict[str, str]:
    """The headers that let a mail client unsubscribe through the URL ``unsubscribe``.

    RFC 8058: a mail client may POST to this address to unsubscribe in one click.
    """
    return {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


#: Stands for the unsubscribe URL in a body written once per language (tokens never hold it).
_UNSUBSCRIBE = "\x00unsubscribe\x00"


def single_mail(
    user_id, email, lang, kind: NotificationKind, subject, text, link, cache: dict
) -> tuple:
    """One notice's email. The URLs and the body are built once per publication and language
    (``cache``), so a ballot opening for thousands of members signs one token per member and
    does nothing else per member."""
    if "unsubscribe" not in cache:
        marker = "TOKEN"  # a URL with a marker where each member's signed token goes
        cache["unsubscribe"] = absolute_url("notifications.unsubscribe", token=marker).rsplit(
            marker, 1
        )
        cache["prefs"] = absolute_url("notifications.preferences")
    if lang not in cache:
        with force_locale(lang):
            parts = [text.strip()] if text.strip() else []
            if link:
                parts.append(_("Open it on the site:\n%(url)s", url=site_url(link)))
            parts.append(
                "-- \n"
                + _(
                    "You get this email because of your choice for “%(kind)s”.\n"
                    "Choose which notices you get, and how: %(prefs)s\n"
                    "Stop these emails: %(unsubscribe)s",
                    kind=str(kind.label),
                    prefs=cache["prefs"],
                    unsubscribe=_UNSUBSCRIBE,
                )
            )
        cache[lang] = "\n\n".join(parts) + "\n"
    before, after = cache["unsubscribe"]
    unsubscribe = before + unsubscribe_token(user_id, kind.key) + after
    body = cache[lang].replace(_UNSUBSCRIBE, unsubscribe)
    return (email, subject, body, unsubscribe_headers(unsubscribe))
