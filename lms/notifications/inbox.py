"""A person's notices as the site shows them: the unread count, the bell, the newest unread.

Every page shows the bell, so its count is cheap: a capped count on the
partial index of unread notices, loaded with the signed-in user
(:func:`unread_count_of_loaded_user`) so it costs no query of its own, and
kept in ``g`` for the rest of the request. Marking notices read
(:func:`mark_read`) writes in the caller's transaction and never commits.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import g, url_for
from sqlalchemy import ColumnElement, bindparam, func, select, update

from ..accounts.auth import loaded_with_user
from ..db import db, utcnow
from ..directread import DirectRead
from .models import Notification

#: The unread count on the bell stops here ("99+"): counting further costs more and says no more.
UNREAD_CAP = 99
#: The name the unread count is loaded under with the signed-in user.
UNREAD_LOADED = "unread_notices"


def unread_count(user_id: int) -> int:
    """Unread notices of ``user_id``, up to :data:`UNREAD_CAP` + 1 (one indexed query)."""
    return db.session.scalar(select(_unread_counted(user_id))) or 0


def _unread_counted(user_id) -> ColumnElement:
    """Count ``user_id``'s unread notices, stopping at :data:`UNREAD_CAP` + 1.

    ``user_id`` is a number or a column (``lms_user.id``, to load the count with
    the user). Counted from the partial index of unread notices alone, and never
    more than the cap of them: someone with thousands unread costs the same.
    """
    limited = (
        select(Notification.id)
        .where(Notification.user_id == user_id, Notification.read_dt.is_(None))
        # Inside the user's query, ``lms_user`` is the outer query's row, not a table of its own.
        .correlate_except(Notification)
        .limit(UNREAD_CAP + 1)
        .subquery()
    )
    return select(func.count()).select_from(limited).scalar_subquery()


def unread_count_of_loaded_user() -> ColumnElement:
    """The unread count as a column of the query that loads the signed-in user.

    Registered with :func:`lms.accounts.auth.load_with_user`, so the bell on
    every page costs no query of its own.
    """
    from ..accounts.models import User

    return _unread_counted(User.id)


def bell() -> dict[str, Any] | None:
    """The layout's bell for the current user: ``{"count", "label", "url"}``; once per request.

    ``None`` for visitors who are not signed in (no query at all).
    """
    from flask_login import current_user

    if not current_user or not current_user.is_authenticated:
        return None
    cached = g.get("_lms_bell")
    if cached is None:
        n = loaded_with_user(current_user, UNREAD_LOADED)
        if n is None:
            n = unread_count(current_user.id)
        cached = g._lms_bell = {
            "count": n,
            "shown": f"{UNREAD_CAP}+" if n > UNREAD_CAP else str(n),
            "url": url_for("notifications.index"),
        }
    return cached


def recent_unread(limit: int = 5) -> list:
    """The current user's newest unread notices, for the dashboard (one indexed query):
    rows of ``id``, ``subject``, ``link`` and ``created_dt``, read directly on the
    session's connection (:mod:`lms.directread`), not as entities.

    None (and no query) when the request's unread count, the layout's bell,
    is nought: the common case.
    """
    from flask_login import current_user

    if not current_user or not current_user.is_authenticated or not bell()["count"]:
        return []
    return _recent_unread_read().in_session(user_id=current_user.id, limit=limit)


@cache
def _recent_unread_read() -> DirectRead:
    """The statement of :func:`recent_unread`, built once per process: on every dashboard,
    building a statement and its cache key cost more than running it."""
    return DirectRead(
        select(Notification.id, Notification.subject, Notification.link, Notification.created_dt)
        .where(Notification.user_id == bindparam("user_id"), Notification.read_dt.is_(None))
        .order_by(Notification.id.desc())
        .limit(bindparam("limit"))
    )


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one of ``user_id``'s notices read (or all of them); return how many changed."""
    query = update(Notification).where(
        Notification.user_id == user_id, Notification.read_dt.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(
        query.values(read_dt=utcnow()), execution_options={"synchronize_session": False}
    )
    return result.rowcount
