"""Making, revoking and checking personal access tokens (the writes and the one lookup).

Like every ``operations`` module: check, mutate, flush, audit; never commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from .. import audit
from ..accounts.models import User, UserRole
from ..db import UTCDateTime, db, utcnow
from ..directread import DirectRead
from ..personal_data.models import DataRequest, is_pending_closure
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
        data={"scopes": chosen, "expires": token.expires_dt.isoformat()},
        # The name is the person's own words: kept erasable, out of the hashed data.
        personal={"name": token.name},
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
            personal={"name": token.name},
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


#: Whether the token's owner asked to close their account and it is in its grace period
#: (a closure pending; at most one per person, by a unique partial index).
_CLOSING = (
    select(DataRequest.id)
    .where(DataRequest.user_id == User.id, is_pending_closure())
    .exists()
    .label("closing")
)

#: A current token of an active account, with its owner's roles and whether the account is
#: being closed: one statement, one row per role, run directly (it is part of every API
#: request, see :mod:`lms.directread`). Expiry, revocation and the account's state are
#: compared in SQL: nothing to convert.
_LOOKUP = DirectRead(
    select(ApiToken.id, ApiToken.user_id, ApiToken.scopes, UserRole.role, _CLOSING)
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("digest"),
        ApiToken.revoked_dt.is_(None),
        ApiToken.expires_dt > bindparam("now", type_=UTCDateTime()),
        User.is_active_account.is_(True),
    )
)


@dataclass(frozen=True)
class UsableToken:
    """A current token of an active account, as the API's requests need it."""

    id: int
    user_id: int
    scope_set: frozenset[str]
    role_names: frozenset[str]
    #: The owner's account is being closed (its grace period): the token answers nothing
    #: until the closure is cancelled by signing in, as the close page says ("signed out
    #: everywhere"); it is not revoked, so it works again then.
    closing: bool = False


def find_usable(secret: str) -> UsableToken | None:
    """The token whose secret is ``secret``, if it is current and its owner's account is
    active; ``None`` otherwise (unknown, expired, revoked, switched-off account).

    One statement: the token, its owner's state and roles. The secret is looked up by
    its SHA-256: it is 256 random bits, so a slow or keyed hash would add cost and no
    protection (nobody can guess a secret from its digest, nor try secrets offline
    faster than against the API).
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    rows = _LOOKUP.all(digest=digest(secret), now=utcnow())
    if not rows:
        return None
    return UsableToken(rows[0].id, rows[0].user_id, frozenset(rows[0].scopes.split()),
                       frozenset(r.role for r in rows if r.role), bool(rows[0].closing))
