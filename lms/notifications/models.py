"""The notification tables: one row per notice a person received, and their choices.

Both belong to the person (``user_id``, deleted with the account); an export
of someone's data includes both, an erasure deletes both.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db, utcnow

#: A notice's email state: ``None`` (no email for it), ``digest`` (waiting for
#: the next daily digest), ``sent`` (emailed, alone or in a digest).
EMAIL_DIGEST, EMAIL_SENT = "digest", "sent"
_UNREAD = "read_dt IS NULL"
_DIGEST = "email_state = 'digest'"


class Notification(db.Model):
    """One notice to one person: what happened, in their language, and where to look."""

    __tablename__ = "lms_notification"
    __table_args__ = (
        CheckConstraint("email_state IN ('digest', 'sent')", name="email_state"),
        # The list page: a person's notices, newest first, by keyset.
        Index("ix_lms_notification_user_id_id", "user_id", "id"),
        # The bell on every page: a person's unread notices, counted from this index alone.
        Index(
            "ix_lms_notification_unread",
            "user_id",
            sqlite_where=text(_UNREAD),
            postgresql_where=text(_UNREAD),
        ),
        # The daily digest's work list.
        Index(
            "ix_lms_notification_digest",
            "user_id",
            "id",
            sqlite_where=text(_DIGEST),
            postgresql_where=text(_DIGEST),
        ),
        # A publisher that may run twice (a job, a retried request) passes a key:
        # one notice per person and key.
        UniqueConstraint("user_id", "dedupe_key", name="uq_lms_notification_user_id_dedupe_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    #: A path on this site ("/governance/ballots/3"), or "".
    link: Mapped[str] = mapped_column(String(500), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    email_state: Mapped[str | None] = mapped_column(String(10))

    @property
    def is_unread(self) -> bool:
        return self.read_dt is None


class NotificationPreference(db.Model):
    """How one person wants one kind of notice; without a row, the kind's default applies."""

    __tablename__ = "lms_notification_preference"
    __table_args__ = (
        UniqueConstraint("user_id", "kind", name="uq_lms_notification_preference_user_id_kind"),
        CheckConstraint("delivery IN ('off', 'site', 'email', 'digest')", name="delivery"),
        Index("ix_lms_notification_preference_kind", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(100))
    delivery: Mapped[str] = mapped_column(String(10))
    changed_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
