"""Flask-Login wiring: loading the user from the session id, and signing someone in."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable

from flask import Flask, flash, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh as refresh_language
from flask_login import LoginManager, login_user
from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.orm import joinedload

from ..db import db
from .models import User


def init_login(app: Flask, manager: LoginManager) -> None:
    manager.init_app(app)
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please log in to see this page.")
    manager.session_protection = "basic"
    manager.user_loader(load_user)


#: Values loaded with the signed-in user, by name: see :func:`load_with_user`.
_LOADED_WITH_USER: dict[str, Callable[[], ColumnElement]] = {}


def load_with_user(name: str, column: Callable[[], ColumnElement]) -> None:
    """Load one more value with the signed-in user, in the query that loads them.

    Every signed-in request loads its user; what the layout shows about them
    on every page (the bell's count of unread notices) is then a column of
    that query, correlated on ``lms_user.id``, instead of a query of its own:
    a query costs more in round trip and ORM work than a small indexed
    subquery does inside another. Read the value with :func:`loaded_with_user`.
    Called at start-up; registering the same name again replaces it.

    :param name: the value's name, for :func:`loaded_with_user`.
    :param column: builds the column (a scalar subquery), once per process.
    """
    _LOADED_WITH_USER[name] = column
    _user_query.cache_clear()


def loaded_with_user(user: object, name: str) -> object | None:
    """The value ``name`` loaded with ``user`` by :func:`load_user`, else ``None``.

    ``None`` also for a user loaded another way (an API token, a test's
    ``login_user``): the caller then asks the database itself.
    """
    return getattr(user, "_lms_loaded", {}).get(name)


@functools.cache
def _user_query():
    """The statement of :func:`load_user`, built once per process.

    Every signed-in request runs it; building it (and its cache key) cost
    about as much as running it. Roles come in the same query: every
    signed-in request needs them; so do the values of :func:`load_with_user`.
    """
    extras = [column().label(name) for name, column in _LOADED_WITH_USER.items()]
    return (
        select(User, *extras)
        .options(joinedload(User.roles))
        .where(User.id == bindparam("user_id"))
    )


def load_user(session_id: str) -> User | None:
    """Return the user if the id in the session is still current.

    The id is ``"<user id>:<session token>"``; an old cookie carries an old
    token and is refused after logout or a password change.
    """
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    row = db.session.execute(_user_query(), {"user_id": int(user_id)}).unique().one_or_none()
    if row is None:
        return None
    user = row[0]
    if not hmac.compare_digest(user.session_token, token):
        return None
    # Not a mapped attribute: the values belong to this request's load of the user.
    user._lms_loaded = dict(zip(_LOADED_WITH_USER, row[1:], strict=True))
    return user if user.is_active else None


def sign_in(user: User) -> bool:
    """Sign ``user`` in on this browser: what every sign-in route does, in one place.

    The password form, registration, a reset or invitation link, a password
    change and an LTI launch all come here, so that each does all of it:

    - a fresh session (nothing from before the sign-in survives: fixation);
    - the sign-in time (an account signed in to is not "never used", which
      the retention rule for unused invitations erases);
    - the address remembered for the login limits (:mod:`.known_addresses`);
    - a pending account closure called off, as the close page and the
      closure's receipt promise ("signing in before then cancels it"), with a
      message that says so.

    Writes in the caller's transaction, which it commits next.

    :return: whether a pending closure was called off.
    """
    from ..db import utcnow
    from ..personal_data.operations import cancel_closure_on_sign_in
    from .known_addresses import remember_address

    cancelled = cancel_closure_on_sign_in(user)
    session.clear()
    login_user(user)
    # The request chose its language before anyone was signed in (the form's messages):
    # from here on, what it says (the messages flashed next) is in the account's.
    refresh_language()
    user.last_login_dt = utcnow()
    remember_address(user)
    if cancelled:
        flash(_("Welcome back: your account will not be closed."), "success")
    return cancelled
