"""The user and role models."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import DDL, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(db.Model):
    """A person with an account.

    ``session_token`` is part of the id kept in the session cookie; changing
    it (logout, password change, reset) ends every session of the user.
    """

    __tablename__ = "lms_user"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        # The admin list pages by (name, id).
        Index("ix_lms_user_display_name_id", "display_name", "id"),
        # Search by any part of a name or address (ILIKE '%...%') on PostgreSQL: trigram
        # indexes (pg_trgm). SQLite scans; at its scale that is fast enough.
        Index(
            "ix_lms_user_display_name_trgm",
            "display_name",
            postgresql_using="gin",
            postgresql_ops={"display_name": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_lms_user_email_trgm",
            "email",
            postgresql_using="gin",
            postgresql_ops={"email": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    #: An IANA time zone ("Europe/London"); ``None``: the site's (``LMS_TIME_ZONE``).
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login's user interface.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    def end_all_sessions(self) -> None:
        """Invalidate every session cookie issued to this user so far."""
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "lms_user_role"
    __table_args__ = (
        UniqueConstraint("user_id", "role"),
        # "Everyone with role R" (the admin list's filter) without reading every role.
        Index("ix_lms_user_role_role_user_id", "role", "user_id"),
        CheckConstraint(
            "role IN ('learner', 'tutor', 'admin', 'certificate_officer')", name="known_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")


class KnownAddress(db.Model):
    """A client address an account has signed in from (kept as a keyed digest, not the address).

    The per-account login limit does not count attempts from these: someone
    guessing the password from elsewhere cannot lock the owner out
    (:mod:`lms.accounts.known_addresses`).
    """

    __tablename__ = "lms_known_address"
    __table_args__ = (UniqueConstraint("user_id", "address_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"))
    address_digest: Mapped[str] = mapped_column(String(64))
    last_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# The trigram indexes need pg_trgm; migrations create it too (lms_0021).
event.listen(
    User.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
