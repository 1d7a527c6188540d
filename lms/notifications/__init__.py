"""Notifications: one place where every package tells people what concerns them.

The contract (see ``docs/architecture.md``, "Notifications"):

* a plugin declares each kind it sends, as a
  :class:`lms.contracts.NotificationKind` (``Plugin(notification_kinds=[...])``);
* inside its transaction it calls :func:`notify` with the recipients' ids, the
  kind, a subject, a short body and a link to a page of this site;
* the core stores one :class:`Notification` per person who has not turned the
  kind off, shows it (the bell in the layout, ``/notifications``), and emails it
  at once or in the daily digest, as each person chose on
  ``/notifications/preferences``. Every email carries a one-click unsubscribe
  link (``List-Unsubscribe`` and ``List-Unsubscribe-Post``).
"""

from __future__ import annotations

from flask import Flask

from ..contracts import (
    NOTIFY_DELIVERIES,
    NOTIFY_DIGEST,
    NOTIFY_EMAIL,
    NOTIFY_OFF,
    NOTIFY_SITE,
    NotificationKind,
)
from .digests import send_digests
from .inbox import mark_read, unread_count
from .mailing import site_url, unsubscribe_token
from .models import Notification, NotificationPreference
from .preferences import preferences_of, set_preferences
from .service import NotificationError, kinds, notify, path_for

#: The tables that hold a person's notifications (for export and erasure), by user_id.
PERSONAL_TABLES = ("lms_notification", "lms_notification_preference")

__all__ = [
    "NOTIFY_DELIVERIES",
    "NOTIFY_DIGEST",
    "NOTIFY_EMAIL",
    "NOTIFY_OFF",
    "NOTIFY_SITE",
    "PERSONAL_TABLES",
    "Notification",
    "NotificationError",
    "NotificationKind",
    "NotificationPreference",
    "init_app",
    "kinds",
    "mark_read",
    "notify",
    "path_for",
    "preferences_of",
    "send_digests",
    "set_preferences",
    "site_url",
    "unread_count",
    "unsubscribe_token",
]


def init_app(app: Flask) -> None:
    """Register the pages, the digest task and the layout's bell (the factory calls it)."""
    from flask_babel import lazy_gettext as _l

    from ..accounts.auth import load_with_user
    from ..jobs import Task, register_task
    from . import digests, inbox, views

    app.register_blueprint(views.bp)
    register_task(
        app,
        Task("lms.notifications.digest", digests.digest_task, retries=5,
             label=_l("Send the daily notification emails")),
        owner="lms",
    )
    app.jinja_env.globals["notification_bell"] = inbox.bell
    load_with_user(inbox.UNREAD_LOADED, inbox.unread_count_of_loaded_user)
    app.jinja_env.globals["recent_notifications"] = inbox.recent_unread
