"""The daily digest: one email a day listing each person's notices that wait for it.

A notice whose person chose the digest for its kind is stored with
``email_state='digest'``; storing one calls :func:`schedule_digest`, which makes
sure a job is waiting for the next ``LMS_NOTIFY_DIGEST_HOUR``. That job
(:func:`digest_task`) runs :func:`send_digests`, which writes the emails and
marks the notices sent in one transaction, so running it twice sends nothing
twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from ..db import db, utcnow
from ..i18n import recipient_language
from .mailing import (
    DIGEST_TOKEN_KIND,
    absolute_url,
    site_url,
    unsubscribe_headers,
    unsubscribe_token,
)
from .models import EMAIL_DIGEST, EMAIL_SENT, Notification

#: The key of the waiting digest job: only one waits at a time.
DIGEST_JOB_KEY = "lms.notifications.digest"
#: People whose digests are written per statement (keeps ``IN`` lists a reasonable size).
_CHUNK = 500


def schedule_digest() -> None:
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
    lang = recipient_language(locale)
    unsubscribe = absolute_url("notifications.unsubscribe",
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
            prefs=absolute_url("notifications.preferences"),
            unsubscribe=unsubscribe,
        )
    return (email, subject, body + "\n", unsubscribe_headers(unsubscribe))


def digest_task(ctx) -> None:
    """The ``lms.notifications.digest`` task: send the digests, then wait for tomorrow's."""
    send_digests(ctx)
