"""Publishing notices, and what the core does with them: store, count, email, digest.

A plugin declares its kinds (:class:`lms.contracts.NotificationKind`) and
calls :func:`notify` inside its transaction; everything here writes in that
transaction and never commits, so a request that rolls back leaves no notice
and sends no mail.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement, bindparam, func, insert, select, update

from ..accounts.auth import loaded_with_user
from ..contracts import (
    NOTIFY_DIGEST,
    NOTIFY_EMAIL,
    NOTIFY_OFF,
    NOTIFY_SITE,
    NotificationKind,
)
from ..db import db, utcnow
from ..directread import DirectRead
from ..i18n import recipient_language
from .models import EMAIL_DIGEST, EMAIL_SENT, Notification, NotificationPreference

#: The unread count on the bell stops here ("99+"): counting further costs more and says no more.
UNREAD_CAP = 99
#: The name the unread count is loaded under with the signed-in user.
UNREAD_LOADED = "unread_notices"
#: Recipients looked up per statement (keeps ``IN`` lists a reasonable size).
_CHUNK = 500
#: The unsubscribe token of a daily digest (it stops every kind now sent by digest).
DIGEST_TOKEN_KIND = "*digest"  # noqa: S105 (a kind, not a secret)
DIGEST_JOB_KEY = "lms.notifications.digest"


class NotificationError(ValueError):
    """A notice cannot be published (unknown kind, a link that is not a path on this site)."""


def kinds(app=None) -> dict[str, NotificationKind]:
    """Every declared notification kind, by key."""
    return (app or current_app).extensions["lms"].notification_kinds


def notify(
    recipients: Iterable[int],
    kind: str,
    subject: Any,
    body: Any = "",
    link: str = "",
    *,
    actor_id: int | None = None,
    dedupe_key: str | None = None,
) -> int:
    """Publish one notice to each of ``recipients``, honouring each person's preference.

    :param recipients: user ids; duplicates and inactive accounts are dropped.
    :param kind: a declared :class:`~lms.contracts.NotificationKind` key.
    :param subject: one line; a lazy string (``lazy_gettext("...", title=...)``)
        is rendered in each recipient's language.
    :param body: a few plain sentences (may be lazy too).
    :param link: a path on this site, as ``url_for`` returns it, or "".
    :param actor_id: whoever caused it; they are never told of their own act.
    :param dedupe_key: for publishers that may run twice (jobs): one notice per
        person and key, ever.
    :return: how many notices were stored.
    :raises NotificationError: unknown kind, or a link that is not a local path.
    """
    declared = kinds().get(kind)
    if declared is None:
        raise NotificationError(f"notification kind {kind!r} is not declared")
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise NotificationError(f"a notification link must be a path on this site: {link!r}")
    wanted = sorted({int(u) for u in recipients} - {actor_id})
    if not wanted:
        return 0
    from ..accounts.models import User

    people: list[tuple[int, str, str | None]] = []
    chosen: dict[int, str] = {}
    seen: set[int] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        people += db.session.execute(
            select(User.id, User.email, User.locale).where(
                User.id.in_(chunk), User.is_active_account.is_(True)
            )
        ).all()
        chosen.update(
            db.session.execute(
                select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                    NotificationPreference.kind == kind, NotificationPreference.user_id.in_(chunk)
                )
            ).all()
        )
        if dedupe_key is not None:
            seen.update(
                db.session.scalars(
                    select(Notification.user_id).where(
                        Notification.dedupe_key == dedupe_key, Notification.user_id.in_(chunk)
                    )
                )
            )
    rows, mails, digest = [], [], False
    mail_cache: dict = {}
    texts: dict[str, tuple[str, str]] = {}
    now = utcnow()
    for user_id, email, locale in people:
        delivery = chosen.get(user_id, declared.default)
        if delivery == NOTIFY_OFF or user_id in seen:
            continue
        lang = _language(locale)
        if lang not in texts:
            texts[lang] = (_render(subject, lang)[:300], _render(body, lang))
        subj, text = texts[lang]
        state = {NOTIFY_EMAIL: EMAIL_SENT, NOTIFY_DIGEST: EMAIL_DIGEST}.get(delivery)
        rows.append(
            {
                "user_id": user_id,
                "kind": kind,
                "subject": subj,
                "body": text,
                "link": link,
                "dedupe_key": dedupe_key,
                "created_dt": now,
                "email_state": state,
            }
        )
        if delivery == NOTIFY_EMAIL:
            mails.append(
                _single_mail(user_id, email, lang, declared, subj, text, link, mail_cache)
            )
        digest = digest or delivery == NOTIFY_DIGEST
    if not rows:
        return 0
    from ..db import refuse_write_in_read_request

    refuse_write_in_read_request()
    db.session.execute(insert(Notification), rows)
    if mails:
        from ..mail import send_many

        send_many(mails)
    if digest:
        _schedule_digest()
    from .. import signals

    signals.notifications_created.send(
        current_app._get_current_object(), kind=kind, user_ids=tuple(r["user_id"] for r in rows)
    )
    return len(rows)


def _language(locale: str | None) -> str:
    return recipient_language(locale)


def _render(value: Any, lang: str) -> str:
    if isinstance(value, str):
        return value
    with force_locale(lang):
        return str(value)


def site_url(path: str) -> str:
    """An absolute URL for a path of this site (as ``url_for`` gives it), on ``LMS_BASE_URL``."""
    parts = urlsplit(current_app.config["LMS_BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}{path}"


def path_for(endpoint: str, **values) -> str:
    """``url_for(endpoint, **values)`` as a path, in a request or not (CLI, jobs): for ``link``.

    Outside a request the path is built on ``LMS_BASE_URL`` (its path is the script root).
    """
    from flask import has_request_context

    if has_request_context():
        return url_for(endpoint, **values)
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, **values)


def _external(endpoint: str, **values) -> str:
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


def _mail_headers(unsubscribe: str) -> dict[str, str]:
    # RFC 8058: a mail client may POST to this address to unsubscribe in one click.
    return {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


#: Stands for the unsubscribe URL in a body written once per language (tokens never hold it).
_UNSUBSCRIBE = "\x00unsubscribe\x00"


def _single_mail(
    user_id, email, lang, kind: NotificationKind, subject, text, link, cache: dict
) -> tuple:
    """One notice's email. The URLs and the body are built once per publication and language
    (``cache``), so a ballot opening for thousands of members signs one token per member and
    does nothing else per member."""
    if "unsubscribe" not in cache:
        marker = "TOKEN"  # a URL with a marker where each member's signed token goes
        cache["unsubscribe"] = _external("notifications.unsubscribe", token=marker).rsplit(
            marker, 1
        )
        cache["prefs"] = _external("notifications.preferences")
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
    return (email, subject, body, _mail_headers(unsubscribe))


def _schedule_digest() -> None:
    """Make sure a digest job is waiting for the next digest hour (one at a time, by key)."""
    from ..jobs import enqueue

    now = utcnow()
    hour = current_app.config["LMS_NOTIFY_DIGEST_HOUR"]
    due = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if due <= now:
        due += dt.timedelta(days=1)
    enqueue("lms.notifications.digest", key=DIGEST_JOB_KEY, delay=(due - now).total_seconds())


def send_digests(ctx=None) -> int:
    """Email every person with notices waiting for their digest, one email each.

    Each person's notices are marked sent in the transaction that writes
    their email, so running it twice sends nothing twice. Returns how many
    emails were written.
    """
    from ..accounts.models import User
    from ..mail import send_many

    user_ids = list(
        db.session.scalars(
            select(Notification.user_id)
            .where(Notification.email_state == EMAIL_DIGEST)
            .group_by(Notification.user_id)
            .order_by(Notification.user_id)
        )
    )
    sent = 0
    for start in range(0, len(user_ids), _CHUNK):
        chunk = user_ids[start : start + _CHUNK]
        notices = db.session.scalars(
            select(Notification)
            .where(Notification.email_state == EMAIL_DIGEST, Notification.user_id.in_(chunk))
            .order_by(Notification.user_id, Notification.id)
        ).all()
        by_user: dict[int, list[Notification]] = defaultdict(list)
        for n in notices:
            by_user[n.user_id].append(n)
        people = {
            uid: (email, locale)
            for uid, email, locale in db.session.execute(
                select(User.id, User.email, User.locale).where(
                    User.id.in_(chunk), User.is_active_account.is_(True)
                )
            )
        }
        mails = [
            _digest_mail(uid, *people[uid], items)
            for uid, items in by_user.items()
            if uid in people
        ]
        send_many(mails)
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_([n.id for n in notices]))
            .values(email_state=EMAIL_SENT),
            execution_options={"synchronize_session": False},
        )
        sent += len(mails)
        if ctx is not None:
            ctx.checkpoint(start + len(chunk), len(user_ids))
    return sent


def _digest_mail(user_id: int, email: str, locale: str | None, items: list[Notification]):
    lang = _language(locale)
    unsubscribe = _external("notifications.unsubscribe",
                            token=unsubscribe_token(user_id, DIGEST_TOKEN_KIND))
    with force_locale(lang):
        subject = _("%(site)s: your notices of the day", site=current_app.config["LMS_SITE_NAME"])
        lines = []
        for n in items:
            lines.append(f"* {n.subject}")
            if n.body:
                lines.append("  " + n.body.strip().replace("\n", "\n  "))
            if n.link:
                lines.append("  " + site_url(n.link))
        body = "\n".join(lines) + "\n\n-- \n" + _(
            "You get this daily email because you chose a digest for some notices.\n"
            "Choose which notices you get, and how: %(prefs)s\n"
            "Stop these daily emails: %(unsubscribe)s",
            prefs=_external("notifications.preferences"),
            unsubscribe=unsubscribe,
        )
    return (email, subject, body + "\n", _mail_headers(unsubscribe))


def digest_task(ctx) -> None:
    """The ``lms.notifications.digest`` task: send the digests, then wait for tomorrow's."""
    send_digests(ctx)


def preferences_of(user_id: int) -> dict[str, str]:
    """Every declared kind's delivery for ``user_id`` (their choice, else the default)."""
    chosen = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user_id
            )
        ).all()
    )
    return {key: chosen.get(key, k.default) for key, k in kinds().items()}


def set_preferences(user_id: int, choices: dict[str, str]) -> list[str]:
    """Record ``user_id``'s choices (kind -> delivery); return the kinds that changed.

    A kind changed away from the digest leaves its waiting notices in the site
    only: nobody gets a digest for something they have just turned off.
    """
    current = {
        p.kind: p
        for p in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
    }
    changed = []
    for key, delivery in choices.items():
        if key not in kinds():
            continue
        row = current.get(key)
        before = row.delivery if row else kinds()[key].default
        if before == delivery:
            continue
        if row is None:
            db.session.add(NotificationPreference(user_id=user_id, kind=key, delivery=delivery))
        else:
            row.delivery = delivery
        changed.append(key)
        if before == NOTIFY_DIGEST:
            db.session.execute(
                update(Notification)
                .where(
                    Notification.user_id == user_id,
                    Notification.kind == key,
                    Notification.email_state == EMAIL_DIGEST,
                )
                .values(email_state=None),
                execution_options={"synchronize_session": False},
            )
    db.session.flush()
    return changed


def unsubscribe(user_id: int, kind: str) -> list[str]:
    """Stop emails of ``kind`` (or of every digest kind): they stay on the site only."""
    prefs = preferences_of(user_id)
    if kind == DIGEST_TOKEN_KIND:
        targets = [k for k, d in prefs.items() if d == NOTIFY_DIGEST]
    else:
        targets = [kind] if prefs.get(kind) in (NOTIFY_EMAIL, NOTIFY_DIGEST) else []
    return set_preferences(user_id, dict.fromkeys(targets, NOTIFY_SITE))


def unread_count(user_id: int) -> int:
    """Unread notices of ``user_id``, up to :data:`UNREAD_CAP` + 1 (one indexed query)."""
    return db.session.scalar(select(_unread_counted(user_id))) or 0


def _unread_counted(user_id) -> ColumnElement:
    """Count ``user_id``'s unread notices, stopping at :data:`UNREAD_CAP` + 1.

    ``user_id`` is a number or a column (``lms_user.id``, to load the count with
    the user). Counted from the partial index of unread notices alone, and never
    more than the cap of them: someone with thousands unread costs the same.
    """
    limited = (
        select(Notification.id)
        .where(Notification.user_id == user_id, Notification.read_dt.is_(None))
        # Inside the user's query, ``lms_user`` is the outer query's row, not a table of its own.
        .correlate_except(Notification)
        .limit(UNREAD_CAP + 1)
        .subquery()
    )
    return select(func.count()).select_from(limited).scalar_subquery()


def unread_count_of_loaded_user() -> ColumnElement:
    """The unread count as a column of the query that loads the signed-in user.

    Registered with :func:`lms.accounts.auth.load_with_user`, so the bell on
    every page costs no query of its own.
    """
    from ..accounts.models import User

    return _unread_counted(User.id)


def bell() -> dict[str, Any] | None:
    """The layout's bell for the current user: ``{"count", "label", "url"}``; once per request.

    ``None`` for visitors who are not signed in (no query at all).
    """
    from flask_login import current_user

    if not current_user or not current_user.is_authenticated:
        return None
    cached = g.get("_lms_bell")
    if cached is None:
        n = loaded_with_user(current_user, UNREAD_LOADED)
        if n is None:
            n = unread_count(current_user.id)
        cached = g._lms_bell = {
            "count": n,
            "shown": f"{UNREAD_CAP}+" if n > UNREAD_CAP else str(n),
            "url": url_for("notifications.index"),
        }
    return cached


def recent_unread(limit: int = 5) -> list:
    """The current user's newest unread notices, for the dashboard (one indexed query):
    rows of ``id``, ``subject``, ``link`` and ``created_dt``, read directly on the
    session's connection (:mod:`lms.directread`), not as entities.

    None (and no query) when the request's unread count, the layout's bell,
    is nought: the common case.
    """
    from flask_login import current_user

    if not current_user or not current_user.is_authenticated or not bell()["count"]:
        return []
    return _recent_unread_read().in_session(user_id=current_user.id, limit=limit)


@cache
def _recent_unread_read() -> DirectRead:
    """The statement of :func:`recent_unread`, built once per process: on every dashboard,
    building a statement and its cache key cost more than running it."""
    return DirectRead(
        select(Notification.id, Notification.subject, Notification.link, Notification.created_dt)
        .where(Notification.user_id == bindparam("user_id"), Notification.read_dt.is_(None))
        .order_by(Notification.id.desc())
        .limit(bindparam("limit"))
    )


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one of ``user_id``'s notices read (or all of them); return how many changed."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_dt.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(
        query.values(read_dt=utcnow()), execution_options={"synchronize_session": False}
    )
    return result.rowcount
