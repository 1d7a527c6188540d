"""Requests about a person's data: exports and account closures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    and_,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db, utcnow

EXPORT, CLOSURE = "export", "closure"
#: ``pending``: an export being prepared, or a closure in its grace period;
#: ``ready``: an export waiting to be downloaded; ``done``: downloaded, or erased;
#: ``cancelled``: a closure called off (by signing in); ``expired``: an export not
#: downloaded in time.
PENDING, READY, DONE, CANCELLED, EXPIRED = "pending", "ready", "done", "cancelled", "expired"
#: How the request reached the Centre.
SITE, POST, EMAIL, IN_PERSON = "site", "post", "email", "in_person"

_PENDING_CLOSURE = "kind = 'closure' AND state = 'pending'"


class DataRequest(db.Model):
    """One request about a person's data: an export of it, or closing their account.

    ``requested_by_id`` is the admin who recorded a request received by post,
    email or in person (``channel``), with ``note`` saying what was received;
    it is empty when the person asked on the site themselves.
    """

    __tablename__ = "lms_data_request"
    __table_args__ = (
        CheckConstraint("kind IN ('export', 'closure')", name="kind"),
        CheckConstraint(
            "state IN ('pending', 'ready', 'done', 'cancelled', 'expired')", name="state"
        ),
        CheckConstraint("channel IN ('site', 'post', 'email', 'in_person')", name="channel"),
        # One closure in its grace period per person.
        Index(
            "uq_lms_data_request_pending_closure",
            "user_id",
            unique=True,
            sqlite_where=text(_PENDING_CLOSURE),
            postgresql_where=text(_PENDING_CLOSURE),
        ),
        # The admin list and the erasure run: requests by kind and state.
        Index("ix_lms_data_request_kind_state_due", "kind", "state", "due_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_user.id", ondelete="SET NULL"), nullable=True
    )
    channel: Mapped[str] = mapped_column(String(10), default=SITE)
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(10), default=PENDING)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A closure: when the erasure may run; an export: when its link stops working.
    due_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: A closure: the person chose to revoke their certificates.
    revoke_certificates: Mapped[bool] = mapped_column(default=False)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: An export's download link: only the SHA-256 of its random token.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    #: An export's zip, until it is downloaded or expires.
    archive: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    archive_size: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @property
    def is_export(self) -> bool:
        return self.kind == EXPORT


def is_pending_closure():
    """The condition "a closure in its grace period", with its two values written into the
    SQL as the partial index ``uq_lms_data_request_pending_closure`` has them.

    Not as bound parameters: when a condition on a bound value may match a partial index's
    WHERE, SQLite plans with the value bound at the time and marks the statement to be
    prepared again once the value is bound anew, which is at every run. The API's token
    lookup, part of every API request, took 47 µs so and takes 7 µs with the values inline.
    """
    return and_(DataRequest.kind == literal_column(f"'{CLOSURE}'"),
                DataRequest.state == literal_column(f"'{PENDING}'"))
