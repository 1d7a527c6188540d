"""The rate limiter's in-process storage: limits' memory storage with fewer sweeps."""

from __future__ import annotations

import threading
import time

import pytest
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from lms.extensions import limiter
from lms.limiter_storage import SweptMemoryStorage


@pytest.fixture
def timers(monkeypatch):
    """Count the sweep timers the storage starts."""
    started = []
    real = threading.Timer

    def counting(*args, **kwargs):
        timer = real(*args, **kwargs)
        started.append(timer)
        return timer

    monkeypatch.setattr("limits.storage.memory.threading.Timer", counting)
    return started


def _wait_for(timers):
    for timer in timers:
        timer.join(1)


def test_the_app_counts_in_the_swept_storage_without_redis(make_app):
    app = make_app({"RATELIMIT_ENABLED": True})
    assert app.config["RATELIMIT_STORAGE_URI"] == "lms-memory://"
    assert isinstance(storage_from_string("lms-memory://"), SweptMemoryStorage)
    with app.app_context():
        assert isinstance(limiter.storage, SweptMemoryStorage)


def test_counting_starts_a_sweep_at_most_once_per_interval(timers, monkeypatch):
    storage = SweptMemoryStorage()
    monkeypatch.setattr(storage, "sweep_interval", 60.0)
    _wait_for(timers)  # the one MemoryStorage starts when created
    created = len(timers)
    limiter_ = FixedWindowRateLimiter(storage)
    item = parse("1000 per minute")
    for _ in range(50):
        assert limiter_.hit(item, "127.0.0.1", "verify")
        _wait_for(timers)  # each sweep ends before the next count
    # limits' own MemoryStorage starts one after every count that finds none running.
    assert len(timers) - created == 1


def test_limits_hold_and_expired_counters_are_swept(timers, monkeypatch):
    storage = SweptMemoryStorage()
    monkeypatch.setattr(storage, "sweep_interval", 0.05)
    limiter_ = FixedWindowRateLimiter(storage)
    item = parse("2 per second")
    assert limiter_.hit(item, "a")
    assert limiter_.hit(item, "a")
    assert not limiter_.hit(item, "a")  # over the limit
    key = item.key_for("a")
    assert key in storage.storage
    time.sleep(1.1)  # the window has ended
    assert limiter_.hit(item, "b")  # a count after the interval asks for a sweep
    _wait_for(timers)
    assert key not in storage.storage  # swept, though nobody read it again
    assert limiter_.hit(item, "a")  # a new window
