"""Builders for governance tests: members made straight in the database, ballots at a known time."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, insert, select

from governance import operations as ops
from governance.models import ACTIVE, Ballot, Membership
from lms.accounts.models import User
from lms.db import db as _db
from lms.db import utcnow

# The courses builders, for the curriculum decisions governance enacts.
from tests.courses.conftest import enrol, make_course, request_ctx  # noqa: F401, E402

_numbers = itertools.count(1)


@pytest.fixture()
def make_members(app) -> Callable[..., list[User]]:
    """``make_members(n, member_class="learner")``: n users with active memberships, committed.

    Inserted in bulk (no password), so hundreds cost little.
    """

    def factory(n: int, member_class: str = "learner", joined: dt.datetime | None = None):
        joined = joined or utcnow() - dt.timedelta(days=365)
        numbers = [next(_numbers) for _ in range(n)]
        emails = [f"member{k}@example.org" for k in numbers]
        _db.session.execute(
            insert(User),
            [
                {"email": e, "display_name": f"Member {k}"}
                for e, k in zip(emails, numbers, strict=True)
            ],
        )
        users = list(_db.session.scalars(select(User).where(User.email.in_(emails))))
        users.sort(key=lambda u: u.id)
        _db.session.execute(
            insert(Membership),
            [
                {
                    "user_id": u.id,
                    "member_class": member_class,
                    "status": ACTIVE,
                    "applied_dt": joined,
                    "joined_dt": joined,
                }
                for u in users
            ],
        )
        _db.session.commit()
        return users

    return factory


@pytest.fixture()
def start_ballot(app) -> Callable[..., Ballot]:
    """``start_ballot(proposer, seconders, secret=False, kind=..., payload=...)``.

    Raises the proposal far enough in the past that the notice is over, has
    it seconded, and returns the open ballot (open now, closing in a week).
    """

    def factory(
        proposer: User,
        seconders: list[User],
        *,
        secret: bool = False,
        kind: str = "governance:resolution",
        payload: dict | None = None,
        title: str = "A resolution",
    ) -> Ballot:
        rules = ops.current_rules()
        raised = utcnow() - dt.timedelta(hours=rules["notice_hours"], minutes=5)
        proposal = ops.raise_proposal(
            proposer.id,
            kind,
            title,
            payload if payload is not None else {"text": "We resolve to meet monthly."},
            secret=secret,
            now=raised,
        )
        for seconder in seconders:
            ops.second(proposal, seconder.id, now=raised + dt.timedelta(minutes=1))
        ballot = ops.maybe_open_ballot(proposal)
        assert ballot is not None
        _db.session.commit()
        return ballot

    return factory


def pass_ballot(ballot: Ballot, members) -> object:
    """Every one of ``members`` votes for, the ballot's time runs out and it is closed:
    the result (committed)."""
    for m in members:
        ops.cast_vote(ballot, m.id, "for")
    ballot.closes_dt = utcnow() - dt.timedelta(seconds=1)
    _db.session.commit()
    result = ops.close_ballot(ballot)
    _db.session.commit()
    return result


@contextmanager
def count_queries(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
