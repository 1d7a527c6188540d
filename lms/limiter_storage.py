"""The rate limiter's in-process storage (``lms-memory://``), when no Redis is configured.

It is limits' :class:`~limits.storage.MemoryStorage` in all but one thing:
how often it sweeps expired counters. ``MemoryStorage`` sweeps on a
:class:`threading.Timer` that fires 10 ms after a count finds none running,
so under steady traffic every process starts a new thread about every
10 ms. On the bench's certificate verification page (one count per request)
those threads cost 14% of the requests per second (3,096 and 3,195 against
3,649 and 3,714 without them, alternating runs on 2026-11-26).

The sweep only frees the memory of counters that nobody reads again: a
counter that has expired is dropped when it is next read, before it is
counted, so limits are enforced exactly as before. Here a sweep starts at
most once per :attr:`SweptMemoryStorage.sweep_interval`.
"""

from __future__ import annotations

import time

from limits.storage import MemoryStorage


class SweptMemoryStorage(MemoryStorage):
    """limits' memory storage, sweeping expired counters at most once a second."""

    STORAGE_SCHEME = ["lms-memory"]

    #: Seconds between the starts of two sweeps.
    sweep_interval: float = 1.0

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self._next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    # MemoryStorage calls its private ``__schedule_expiry`` before every count;
    # this is that method under its mangled name. Should limits rename it,
    # this override is no longer called and sweeps happen as limits does them
    # (tests/lms/test_limiter_storage.py then fails).
    # Two threads passing the time check at once both ask for a sweep, and
    # MemoryStorage starts one unless one is running: no lock is needed.
    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_interval
        super()._MemoryStorage__schedule_expiry()
