"""Addresses an account has signed in from, so that guessing its password cannot lock it.

The login form is limited per typed email (``LMS_LOGIN_LIMIT_PER_ACCOUNT``)
so that nobody can try many passwords on one account from many addresses.
Counted for everyone, that limit let an attacker keep the owner out: five
wrong passwords and the owner was refused for the rest of the hour, again and
again. So the per-account limit counts only attempts from addresses that have
never signed in to that account; the owner, at home or at work, still gets in,
while the attacker still gets 429. The per-address limit applies to everyone.

An address is remembered when someone starts a session for the account from
it (login, registration, password reset or change, invitation). It is kept as
an HMAC of the address under the secret key, not the address itself.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_limiter.util import get_remote_address
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..db import db, utcnow
from .emails import normalise_email
from .models import KnownAddress, User


def address_digest(address: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def remember_address(user: User) -> None:
    """Note (in the current transaction) that ``user`` signed in from this request's address."""
    row = {
        "user_id": user.id,
        "address_digest": address_digest(get_remote_address() or ""),
        "last_dt": utcnow(),
    }
    # Two sign-ins from one address at once must not fail on the unique constraint.
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(KnownAddress)
        .values(**row)
        .on_conflict_do_update(
            index_elements=["user_id", "address_digest"], set_={"last_dt": row["last_dt"]}
        )
    )


def typed_account_knows_this_address() -> bool:
    """Whether the email typed into the login form is an account that has signed in from
    this request's address (Flask-Limiter's ``exempt_when`` for the per-account limit)."""
    email = normalise_email(request.form.get("email", ""))
    if not email:
        return False
    digest = address_digest(get_remote_address() or "")
    found = db.session.scalar(
        select(KnownAddress.id)
        .join(User, User.id == KnownAddress.user_id)
        .where(User.email == email, KnownAddress.address_digest == digest)
        .limit(1)
    )
    return found is not None
