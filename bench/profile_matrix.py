"""Profile the tutor's progress matrix and its CSV in-process (``python -m bench.profile_matrix``).

Generates a dataset as ``make bench`` does (SQLite, or ``--postgres URL``, a
database that is emptied first), adds the cohort measures' groups of 500 and 5
learners (:func:`bench.cohort_measures.seed`), then drives the matrix page and
the CSV through Flask's test client: the wall time per request (page and CSV
interleaved), the number of queries, and the top costs under cProfile. A helper
for reading where the time goes; it judges nothing by itself.
"""

from __future__ import annotations

import argparse
import cProfile
import statistics
import sys
import tempfile
import time
from pathlib import Path

from . import cohort_measures, dataset
from .profile_views import _fresh, _top
from .run import _app_settings


def _read(client, path: str) -> bytes:
    """The whole body, read inside the request's context (a streamed body runs as it is read)."""

    def run():
        response = client.get(path, buffered=False)
        body = b"".join(response.response)
        response.close()
        return body

    return _fresh(run)


def main(argv: list[str] | None = None) -> int:
    from .measures import counting_queries

    p = argparse.ArgumentParser(prog="python -m bench.profile_matrix", description=__doc__)
    p.add_argument("--postgres", metavar="URL", help="a PostgreSQL database (emptied first)")
    p.add_argument("--requests", type=int, default=15)
    p.add_argument("--no-profile", action="store_true", help="only the timings")
    p.add_argument("--sql", action="store_true", help="print each page's statements")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lms-profile-") as tmp_name:
        env, config = _app_settings("sqlite", Path(tmp_name))
        if args.postgres:
            dataset.prepare_postgres(args.postgres)
            env["LMS_DATABASE_URL"] = config["LMS_DATABASE_URL"] = args.postgres
        dataset.generate(env, config, 100)
        with dataset.in_process_app(env, config) as app:
            cohorts = cohort_measures.seed()
            client = cohort_measures._client(app)
            paths = {
                "matrix": f"/courses/cohorts/{cohorts['matrix']}/progress",
                "CSV": f"/courses/cohorts/{cohorts['matrix']}/progress.csv",
                "matrix, 5 learners": f"/courses/cohorts/{cohorts['small']}/progress",
            }
            for name, path in paths.items():
                with counting_queries() as seen:
                    body = _read(client, path)
                print(f"==== {name}: {len(seen)} queries, {len(body):,} bytes")
                if args.sql:
                    for statement in seen:
                        print("    " + " ".join(statement.split())[:160])
            times: dict[str, list[float]] = {name: [] for name in paths}
            cpu: dict[str, list[float]] = {name: [] for name in paths}
            for _ in range(args.requests):
                for name, path in paths.items():  # interleaved: load weighs on each alike
                    start, start_cpu = time.perf_counter(), time.process_time()
                    _read(client, path)
                    times[name].append((time.perf_counter() - start) * 1000)
                    cpu[name].append((time.process_time() - start_cpu) * 1000)
            # The process's CPU time says more than the wall time on a shared, busy machine.
            for name, values in times.items():
                print(f"==== {name}: median {statistics.median(values):.1f} ms, "
                      f"min {min(values):.1f} ms, CPU median {statistics.median(cpu[name]):.1f} ms"
                      f" over {args.requests}")
            if args.no_profile:
                return 0
            for name in ("matrix", "CSV"):
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.requests):
                    _read(client, paths[name])
                profile.disable()
                _top(profile, f"{name} x{args.requests}", 45)
    return 0


if __name__ == "__main__":
    sys.exit(main())
