"""One member, one vote under concurrency; votes racing the close (each thread its own context)."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from governance import operations as ops
from governance.errors import GovernanceError
from governance.locks import _queue, sqlite_write_queue
from governance.models import Ballot, Result, Vote
from lms.db import db as _db
from lms.db import utcnow


def _vote(app, ballot_id, user_id, choice, barrier=None):
    """Vote in a fresh application context, as a request would; return 'ok' or the refusal."""
    with app.app_context():
        if barrier is not None:
            barrier.wait()
        try:
            ballot = _db.session.get(Ballot, ballot_id)
            ops.cast_vote(ballot, user_id, choice)
            _db.session.commit()
            return "ok"
        except GovernanceError as exc:
            _db.session.rollback()
            return type(exc).__name__
        finally:
            _db.session.remove()


def _count(ballot_id):
    _db.session.rollback()
    return _db.session.scalar(
        select(func.count()).select_from(Vote).where(Vote.ballot_id == ballot_id)
    )


def test_fifty_identical_votes_from_one_member_store_one(app, make_members, start_ballot):
    members = make_members(3)
    ballot = start_ballot(members[0], members[1:])
    ballot_id, user_id = ballot.id, members[0].id
    _db.session.commit()  # free SQLite's write lock (reads outside requests take it)
    barrier = threading.Barrier(50)
    with ThreadPoolExecutor(50) as pool:
        outcomes = list(
            pool.map(lambda _: _vote(app, ballot_id, user_id, "for", barrier), range(50))
        )
    assert _count(ballot_id) == 1
    assert outcomes.count("ok") == 50  # the first records it, the others change nothing


def test_fifty_votes_without_changes_allowed_store_one_and_refuse_the_other_choice(
    app, make_members, start_ballot
):
    members = make_members(3)
    ballot = start_ballot(members[0], members[1:])
    ballot.rules = {**ballot.rules, "allow_vote_change": False}
    _db.session.commit()
    ballot_id, user_id = ballot.id, members[0].id
    _db.session.commit()  # free SQLite's write lock (reads outside requests take it)
    barrier = threading.Barrier(50)
    choices = ["for", "against"] * 25
    with ThreadPoolExecutor(50) as pool:
        outcomes = list(
            pool.map(lambda c: _vote(app, ballot_id, user_id, c, barrier), choices)
        )
    assert _count(ballot_id) == 1
    stored = _db.session.scalar(select(Vote.choice).where(Vote.ballot_id == ballot_id))
    # The first vote is recorded; the same choice again changes nothing (and is answered
    # "unchanged"); the other choice would be a change, which the rules refuse.
    expected = ["ok" if c == stored else "WrongState" for c in choices]
    assert outcomes == expected


def test_two_hundred_members_voting_at_once_store_two_hundred(app, make_members, start_ballot):
    members = make_members(200)
    ballot = start_ballot(members[0], members[1:3])
    ballot_id, ids = ballot.id, [m.id for m in members]
    _db.session.commit()
    with ThreadPoolExecutor(32) as pool:
        outcomes = list(pool.map(lambda uid: _vote(app, ballot_id, uid, "for"), ids))
    assert outcomes == ["ok"] * 200
    assert _count(ballot_id) == 200


def test_two_hundred_secret_votes_store_two_hundred_papers(app, make_members, start_ballot):
    members = make_members(200)
    ballot = start_ballot(members[0], members[1:3], secret=True)
    ballot_id, ids = ballot.id, [m.id for m in members]
    _db.session.commit()
    with ThreadPoolExecutor(32) as pool:
        outcomes = list(pool.map(lambda uid: _vote(app, ballot_id, uid, "against"), ids))
    assert outcomes == ["ok"] * 200
    _db.session.rollback()
    assert ops.tally(ballot).votes_against == 200


def test_votes_racing_the_close_are_in_the_result_or_refused(app, make_members, start_ballot):
    members = make_members(120)
    ballot = start_ballot(members[0], members[1:3])
    ballot.closes_dt = utcnow() + dt.timedelta(milliseconds=300)
    _db.session.commit()
    ballot_id, closes = ballot.id, ballot.closes_dt
    ids = [m.id for m in members]
    _db.session.commit()

    fixed_by_one = threading.Event()

    def closer():
        # Racing the votes until 400 ms after the close, then (on a machine slow enough that
        # no close got through in that window) until one closes it, for at most 10 s.
        with app.app_context():
            results = []
            while utcnow() < closes + dt.timedelta(milliseconds=400) or (
                not fixed_by_one.is_set() and utcnow() < closes + dt.timedelta(seconds=10)
            ):
                found = ops.close_ballot(_db.session.get(Ballot, ballot_id))
                _db.session.commit()
                if found is not None:
                    results.append(found.id)
                    fixed_by_one.set()
            _db.session.remove()
            return results

    with ThreadPoolExecutor(17) as pool:
        closing = [pool.submit(closer) for _ in range(2)]
        outcomes = list(pool.map(lambda uid: _vote(app, ballot_id, uid, "for"), ids))
        fixed = [r for f in closing for r in f.result()]
    assert fixed, "the result was fixed"
    assert set(outcomes) <= {"ok", "WrongState"}
    _db.session.rollback()
    result = _db.session.scalar(select(Result).where(Result.ballot_id == ballot_id))
    assert result.votes_for == outcomes.count("ok") == _count(ballot_id)
    assert _db.session.scalar(select(func.count()).select_from(Result)) == 1


def test_sqlite_write_queue_admits_one_writer_at_a_time_across_threads_and_processes(app):
    import fcntl

    if _db.engine.dialect.name != "sqlite":
        # PostgreSQL has real row locks: the queue must stay out of the way (no file, no lock).
        assert _queue() is None
        with sqlite_write_queue():
            assert not any(p.endswith("-writers") for p in os.listdir("."))
        return
    inside, most = [0], [0]
    guard = threading.Lock()

    def writer(_):
        with app.app_context(), sqlite_write_queue():
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.005)
            with guard:
                inside[0] -= 1

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(24)))
    assert most[0] == 1
    # Another process opens the queue file itself: it cannot get in while a writer is inside.
    other = os.open(f"{_db.engine.url.database}-writers", os.O_RDWR)
    try:
        with sqlite_write_queue(), pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other, fcntl.LOCK_UN)
    finally:
        os.close(other)
