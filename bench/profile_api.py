"""Profile the API with a token in-process (``python -m bench.profile_api [--postgres]``).

Generates a dataset as ``make bench`` does, then sends, interleaved in one loop so that
the machine's load weighs on each alike, the public floor (``SELECT 1``, as
:mod:`bench.served_app`), ``GET /api/v1/courses/`` and ``GET /api/v1/courses/my/enrolments``
with the learner's token; prints each one's mean time, its share of the floor, its queries
per request, then the top costs of the two API requests under cProfile. A helper for
reading why a scenario misses its target; ``make bench`` measures.
"""

from __future__ import annotations

import cProfile
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from . import dataset
from .profile_views import _fresh, _top
from .run import _app_settings
from .scenarios import API_HEADERS

PATHS = {"api courses": "/api/v1/courses/", "api my progress": "/api/v1/courses/my/enrolments"}


def _dataset(backend: str, tmp: Path, keep: bool) -> tuple[dict, dict]:
    """Generate the dataset in ``tmp``; with ``keep``, reuse the one made there before."""
    saved = tmp / "settings.json"
    if keep and saved.exists():
        return tuple(json.loads(saved.read_text()))
    env, config = _app_settings(backend, tmp)
    dataset.generate(env, config, 100)
    saved.write_text(json.dumps([env, config]))
    return env, config


def main(requests: int = 500, backend: str = "sqlite", keep: str = "") -> int:
    with tempfile.TemporaryDirectory(prefix="lms-profile-") as tmp_name:
        tmp = Path(keep or tmp_name)
        tmp.mkdir(exist_ok=True)
        env, config = _dataset(backend, tmp, bool(keep))
        with dataset.in_process_app(env, config) as app:
            from lms.db import db
            from lms.directread import fetch_one_autocommit
            from lms.permissions import public

            @public
            def floor_query():
                (one,) = fetch_one_autocommit("SELECT 1")
                return f'<p id="bench-floor">Floor {one}</p>'

            app.add_url_rule("/_bench/floor-query", "bench_floor_query", floor_query)
            client = app.test_client()
            sends = {"public floor": lambda: _fresh(client.get, "/_bench/floor-query")}
            for name, path in PATHS.items():
                answer = client.get(path, headers=API_HEADERS)
                assert answer.status_code == 200, (path, answer.text[:500])
                sends[name] = lambda p=path: _fresh(client.get, p, headers=API_HEADERS)
            queries = dict.fromkeys(sends, 0)
            current = [""]

            def count(*_args, **_kwargs):
                queries[current[0]] += 1

            from lms import directread

            event.listen(db.engine, "before_cursor_execute", count)
            directread.observers.append(count)
            spent: dict[str, list[float]] = {name: [] for name in sends}
            for _ in range(requests):
                for name, send in sends.items():
                    current[0] = name
                    start = time.perf_counter()
                    send()
                    spent[name].append(time.perf_counter() - start)
            event.remove(db.engine, "before_cursor_execute", count)
            directread.observers.remove(count)
            # Medians: a burst of load on the shared machine moves a mean, not a median.
            floor = statistics.median(spent["public floor"])
            for name, times in spent.items():
                median = statistics.median(times)
                print(f"{name:>16}: median {median * 1000:6.3f} ms, "
                      f"{floor / median:4.2f} of the floor, "
                      f"{queries[name] / requests:.1f} queries per request")
            for name in PATHS:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(requests // 2):
                    sends[name]()
                profile.disable()
                _top(profile, f"{name} x{requests // 2}", 45)
    return 0


if __name__ == "__main__":
    # ``--keep DIR``: make the dataset in DIR once and reuse it on later runs (SQLite).
    args = sys.argv[1:]
    keep = args[args.index("--keep") + 1] if "--keep" in args else ""
    sys.exit(main(backend="postgres" if "--postgres" in args else "sqlite", keep=keep))
