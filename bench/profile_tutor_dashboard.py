"""Profile the tutor's dashboard in-process (``python -m bench.profile_tutor_dashboard``).

Generates a dataset as ``make bench`` does (SQLite), adds the cohort measures'
groups of 500 and 5 learners (:func:`bench.cohort_measures.seed`), then drives
the tutor's home page through Flask's test client: the time per request (the
fastest and the median of several rounds, wall and CPU), the number of queries,
and the top costs under cProfile. A helper for reading why the scenario misses
its target; it judges nothing by itself.
"""

from __future__ import annotations

import cProfile
import statistics
import sys
import tempfile
import time
from pathlib import Path

from . import cohort_measures, dataset
from .profile_views import _fresh, _top
from .run import _app_settings


def main(requests: int = 20, rounds: int = 7) -> int:
    from .measures import counting_queries

    with tempfile.TemporaryDirectory(prefix="lms-profile-") as tmp_name:
        env, config = _app_settings("sqlite", Path(tmp_name))
        dataset.generate(env, config, 100)
        with dataset.in_process_app(env, config) as app:
            cohort_measures.seed()
            client = cohort_measures._client(app)
            assert b"<main" in _fresh(client.get, "/").data
            with counting_queries() as seen:
                _fresh(client.get, "/")
            print(f"==== GET / (tutor): {len(seen)} queries")
            # Rounds, and the process's CPU time beside the wall time: on a machine shared
            # with other work one round's wall time says more about the neighbours.
            wall, cpu = [], []
            for _ in range(rounds):
                start, used = time.perf_counter(), time.process_time()
                for _ in range(requests):
                    _fresh(client.get, "/")
                wall.append((time.perf_counter() - start) * 1000 / requests)
                cpu.append((time.process_time() - used) * 1000 / requests)
            print(f"==== GET / (tutor): {min(wall):.2f} ms per request (fastest of {rounds} "
                  f"rounds of {requests}; median {statistics.median(wall):.2f}), CPU "
                  f"{min(cpu):.2f} / {statistics.median(cpu):.2f} ms")
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(requests):
                _fresh(client.get, "/")
            profile.disable()
            _top(profile, f"GET / (tutor) x{requests}", 40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
