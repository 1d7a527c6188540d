"""Tell people about something that happened in a course (a reply, a returned assignment).

One small function until the core's notifications (``lms.notifications``)
are on main: then it hands the same data to them, which keep the in-site
notice and apply each person's choice of email. Until then it mails.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from lms.accounts.models import User
from lms.db import db
from lms.mail import send_many


def notify(user_ids: Iterable[int], subject: str, body: str, path: str) -> None:
    """Tell ``user_ids`` about ``subject`` (written in the caller's transaction).

    :param path: the site path the notice links to.
    """
    ids = sorted(set(user_ids))
    if not ids:
        return
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    rows = db.session.execute(
        select(User.email).where(User.id.in_(ids), User.is_active_account.is_(True))
    ).all()
    send_many([(row.email, subject, f"{body}\n\n{base}{path}\n") for row in rows])
