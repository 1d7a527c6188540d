"""Each person's choice of how every kind of notice reaches them, and unsubscribing.

A person who has chosen nothing for a kind gets the kind's declared default;
a choice is a :class:`~lms.notifications.models.NotificationPreference` row.
Like the rest of the package these functions write in the caller's
transaction and never commit.
"""

from __future__ import annotations

from sqlalchemy import select, update

from ..contracts import NOTIFY_DIGEST, NOTIFY_EMAIL, NOTIFY_SITE
from ..db import db
from .mailing import DIGEST_TOKEN_KIND
from .models import EMAIL_DIGEST, Notification, NotificationPreference
from .service import kinds


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
