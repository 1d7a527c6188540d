"""Single-use, expiring tokens (password resets, invitations).

The random token goes to the person (in a link); only its SHA-256 is stored,
so a copy of the database cannot be used to take over accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from enum import Enum

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from .db import UTCDateTime, db, utcnow


class TokenState(Enum):
    VALID = "valid"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


class OneTimeToken(db.Model):
    __tablename__ = "lms_one_time_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_dt: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user_id: int, purpose: str, lifetime: dt.timedelta) -> str:
    """Store a new token's hash and return the token itself (shown once)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        OneTimeToken(
            purpose=purpose,
            user_id=user_id,
            token_hash=_digest(token),
            expires_dt=utcnow() + lifetime,
        )
    )
    db.session.flush()
    return token


def issue_tokens(
    user_ids: list[int], purpose: str, lifetime: dt.timedelta
) -> dict[int, str]:
    """Like :func:`issue_token` for many users at once (one flush): user id -> token."""
    tokens = {user_id: secrets.token_urlsafe(32) for user_id in user_ids}
    expires = utcnow() + lifetime
    db.session.add_all(
        OneTimeToken(purpose=purpose, user_id=user_id, token_hash=_digest(token),
                     expires_dt=expires)
        for user_id, token in tokens.items()
    )
    db.session.flush()
    return tokens


def find_token(token: str, purpose: str) -> tuple[TokenState, OneTimeToken | None]:
    """Look a token up without changing it (safe in GET)."""
    row = db.session.scalar(
        select(OneTimeToken).where(
            OneTimeToken.token_hash == _digest(token), OneTimeToken.purpose == purpose
        )
    )
    if row is None:
        return TokenState.UNKNOWN, None
    if row.used_dt is not None:
        return TokenState.USED, row
    if row.expires_dt <= utcnow():
        return TokenState.EXPIRED, row
    return TokenState.VALID, row


def consume_token(token: str, purpose: str) -> tuple[TokenState, OneTimeToken | None]:
    """Mark a valid token used, atomically: of two racing requests only one wins."""
    state, row = find_token(token, purpose)
    if state is not TokenState.VALID:
        return state, row
    now = utcnow()
    result = db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == row.id, OneTimeToken.used_dt.is_(None))
        .values(used_dt=now)
    )
    if result.rowcount != 1:
        return TokenState.USED, row
    row.used_dt = now
    return TokenState.VALID, row


def revoke_tokens(user_id: int, purposes: tuple[str, ...]) -> None:
    """Use up every unused token of ``user_id`` for ``purposes`` (they are now pointless)."""
    db.session.execute(
        update(OneTimeToken)
        .where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose.in_(purposes),
            OneTimeToken.used_dt.is_(None),
        )
        .values(used_dt=utcnow())
    )
