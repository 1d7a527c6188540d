"""Making, revoking and checking personal access tokens (the writes and the one lookup).

Like every ``operations`` module: check, mutate, flush, audit; never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from .. import audit
from ..accounts.models import User
from ..db import db, utcnow  # noqa: F401 (utcnow: the account page)
from .models import ApiToken

#: Every token starts with this, so secret scanners and people recognise one.
TOKEN_PREFIX = "lmsat_"  # noqa: S105 (a prefix, not a secret)
#: Lifetimes offered on the account page, in days.
LIFETIMES = (7, 30, 90, 365)


class TokenError(ValueError):
    """A token cannot be made or revoked; the message says why."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    user: User, name: str, scopes: list[str], days: int, *, known_scopes: set[str]
) -> tuple[ApiToken, str]:
    """Make a token for ``user`` and return it with its secret (shown once, never stored).

    :raises TokenError: no scope, an unknown scope, a lifetime not offered or no name.
    """
    name = (name or "").strip()
    if not name:
        raise TokenError(_("Give the token a name."))
    chosen = sorted(set(scopes))
    if not chosen:
        raise TokenError(_("Choose at least one scope."))
    unknown = set(chosen) - known_scopes
    if unknown:
        raise TokenError(_("Unknown scope: %(names)s.", names=", ".join(sorted(unknown))))
    if days not in LIFETIMES:
        raise TokenError(_("Choose one of the offered lifetimes."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name[:80],
        scopes=" ".join(chosen),
        token_hash=digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
        created_dt=now,
        expires_dt=now + dt.timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "lms.api_token.created",
        subject_type="api_token",
        subject_id=token.id,
        data={"name": token.name, "scopes": chosen, "expires": token.expires_dt.isoformat()},
        actor_id=user.id,
    )
    return token, secret


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own tokens (revoking twice changes nothing).

    :raises TokenError: ``user`` has no such token.
    """
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise TokenError(_("There is no such token."))
    if token.revoked_dt is None:
        token.revoked_dt = utcnow()
        db.session.flush()
        audit.record(
            "lms.api_token.revoked",
            subject_type="api_token",
            subject_id=token.id,
            data={"name": token.name},
            actor_id=user.id,
        )
    return token


def tokens_of(user_id: int) -> list[ApiToken]:
    """A user's tokens, newest first (revoked and expired ones too, marked as such)."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        )
    )


_LOOKUP = (
    select(ApiToken)
    .options(joinedload(ApiToken.user).joinedload(User.roles))
    .where(ApiToken.token_hash == bindparam("digest"))
)


def find_usable(secret: str) -> ApiToken | None:
    """The token whose secret is ``secret``, if it is current and its owner's account is
    active; ``None`` otherwise (unknown, expired, revoked, switched-off account).

    One query: the token, its user and the user's roles.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = db.session.execute(_LOOKUP, {"digest": digest(secret)}).unique().scalar_one_or_none()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    return token
