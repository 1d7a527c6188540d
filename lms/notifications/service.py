"""Publishing a notice: :func:`notify`, and the kinds a notice may be of.

A plugin declares its kinds (:class:`lms.contracts.NotificationKind`) and
calls :func:`notify` inside its transaction; everything here writes in that
transaction and never commits, so a request that rolls back leaves no notice
and sends no mail. ``notify`` stores the notices, writes the emails of those
who want each one (:mod:`.mailing`) and makes sure the next digest is due for
those who want a daily email (:mod:`.digests`). What a person chose lives in
:mod:`.preferences`; what the site shows them (the bell, the unread list) in
:mod:`.inbox`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import insert, select

from ..contracts import (
    NOTIFY_DIGEST,
    NOTIFY_EMAIL,
    NOTIFY_OFF,
    NotificationKind,
)
from ..db import db, utcnow
from ..i18n import recipient_language
from .digests import schedule_digest
from .mailing import single_mail
from .models import EMAIL_DIGEST, EMAIL_SENT, Notification, NotificationPreference

#: Recipients looked up per statement (keeps ``IN`` lists a reasonable size).
_CHUNK = 500


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
                single_mail(user_id, email, lang, declared, subj, text, link, mail_cache)
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
        schedule_digest()
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

