"""Personal access tokens for the REST API."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import UTCDateTime, db, utcnow


class ApiToken(db.Model):
    """A personal access token: a user's scoped, expiring key to the API.

    Only the SHA-256 of the token is kept (it is random and long, so a slow
    hash adds nothing); the token itself is shown once, when it is made.
    """

    __tablename__ = "lms_api_token"
    __table_args__ = (
        CheckConstraint("expires_dt > created_dt", name="expires_after_creation"),
        CheckConstraint("length(scopes) > 0", name="has_scopes"),
        Index("ix_lms_api_token_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    #: Space-separated scope names, as in OAuth 2.0.
    scopes: Mapped[str] = mapped_column(String(500))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the token, so its owner can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_dt is None and self.expires_dt > now
