"""Helpers for the governance page tests: people who can log in, with or without membership."""

from __future__ import annotations

import datetime as dt
import re

from governance.models import ACTIVE, Ballot, Membership
from lms.db import db, utcnow
from lms.testing import csrf_token


def make_member(make_user, member_class: str = "learner", **kwargs):
    """A user (who can log in) with an active membership, committed."""
    user = make_user(**kwargs)
    joined = utcnow() - dt.timedelta(days=30)
    db.session.add(
        Membership(
            user_id=user.id, member_class=member_class, status=ACTIVE,
            applied_dt=joined, joined_dt=joined,
        )
    )
    db.session.commit()
    return user


def token(client, path: str = "/governance/membership") -> str:
    return csrf_token(client, path)


def sent_once(client, path: str) -> tuple[str, str]:
    """The CSRF token and the ``submit_token`` of the form that stores a record on ``path``."""
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="submit_token" type="hidden" value="([^"]+)"', html)
    assert found is not None, f"no submit_token on {path}"
    return token(client, path), found.group(1)


def fresh() -> str:
    """A new ``submit_token``, for a form sent without reading its page first."""
    from lms.forms import new_token

    return new_token()


def close_now(ballot: Ballot) -> None:
    """Move the ballot's window into the past (time travel) and commit."""
    ballot = db.session.get(Ballot, ballot.id)
    ballot.opens_dt = utcnow() - dt.timedelta(days=8)
    ballot.closes_dt = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()


def text_of(html: str) -> str:
    """The page's text with tags removed and spaces collapsed (for reading arithmetic)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
