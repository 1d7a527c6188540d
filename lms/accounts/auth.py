"""Flask-Login wiring: loading the user from the session id."""

from __future__ import annotations

import functools
import hmac

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..db import db
from .models import User


def init_login(app: Flask, manager: LoginManager) -> None:
    manager.init_app(app)
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please log in to see this page.")
    manager.session_protection = "basic"
    manager.user_loader(load_user)


@functools.cache
def _user_query():
    """The statement of :func:`load_user`, built once per process.

    Every signed-in request runs it; building it (and its cache key) cost
    about as much as running it. Roles come in the same query: every
    signed-in request needs them.
    """
    return select(User).options(joinedload(User.roles)).where(User.id == bindparam("user_id"))


def load_user(session_id: str) -> User | None:
    """Return the user if the id in the session is still current.

    The id is ``"<user id>:<session token>"``; an old cookie carries an old
    token and is refused after logout or a password change.
    """
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.execute(
        _user_query(), {"user_id": int(user_id)}
    ).unique().scalar_one_or_none()
    if user is None or not hmac.compare_digest(user.session_token, token):
        return None
    return user if user.is_active else None
