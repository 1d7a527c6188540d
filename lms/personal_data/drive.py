"""The core drives export and erasure across every registered package."""

from __future__ import annotations

import datetime as dt

from flask import current_app

from ..accounts.models import User
from ..db import db, utcnow
from .contract import ErasureSubject, ExportSection, Kept
from .core import pseudonymous_email
from .registry import providers

#: The name an erased account and its kept records carry.
PSEUDONYM = "Former learner"


def export_user(user_id: int) -> list[ExportSection]:
    """Every package's sections about ``user_id``, the core's first."""
    sections: list[ExportSection] = []
    for provider in providers(current_app):
        if provider.export is not None:
            sections.extend(provider.export(user_id))
    return sections


def kept_for(user_id: int) -> list[Kept]:
    """What closing ``user_id``'s account would keep, and why, from every package."""
    return [item for p in providers(current_app) if p.kept is not None
            for item in p.kept(user_id)]


def is_erased(user: User) -> bool:
    return user.email == pseudonymous_email(user.id)


def erase_user(user_id: int, *, revoke_certificates: bool = False,
               now: dt.datetime | None = None) -> bool:
    """Erase ``user_id``'s personal data in every package, in the caller's transaction.

    Plugins erase first, in reverse load order, and the core last (it
    renames the account, which the plugins read first). Returns ``False``,
    doing nothing, for an account already erased; the caller commits, so a
    crash part-way leaves nothing done and the next run starts again.
    """
    user = db.session.get(User, user_id)
    if user is None or is_erased(user):
        return False
    subject = ErasureSubject(
        user_id=user.id, email=user.email, display_name=user.display_name,
        pseudonym=PSEUDONYM, now=now or utcnow(), revoke_certificates=revoke_certificates,
    )
    for provider in reversed(providers(current_app)):
        if provider.erase is not None:
            provider.erase(subject)
    db.session.flush()
    return True
