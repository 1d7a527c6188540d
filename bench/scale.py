"""Issue 18's scale benchmark: every listed page on small and large data, in one run.

``python -m bench.scale [--postgres]`` builds two databases, a small and a
large one (:mod:`bench.scale_data`: sizes in ``LARGE``, the small one
``SMALL_SHARE`` of it; ``--scale`` shrinks both, ``--set NAME=N`` changes one
size), then measures each page of :data:`PAGES` on both, alternately, in
this process through Flask's test client (each request in its own context,
as under a server): the median and 95th percentile of ``--runs`` requests and
the SQL statements one request runs. A page passes when at large data its
median is within :data:`MAX_RATIO` of the small data's, under its own limit
(100 ms; the tutor's matrix 300 ms at either size), with the same number of
statements. A streamed CSV is judged by its time to the first bytes (its
total grows with its rows, as it must) and reports its total too.

Results go to ``bench/results/scale.json`` (one entry per backend, so a
SQLite run and a PostgreSQL run sit side by side); the exit status is 1 when
a page misses. PostgreSQL uses two databases named after ``--postgres-url``
with ``_small`` and ``_large`` added, created if missing and emptied first.
"""

from __future__ import annotations

import argparse
import contextvars
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from . import dataset, scale_data
from .scenarios import (
    BULK_PASSWORD,
    COURSE_SLUG,
    LEARNER_EMAIL,
    LEARNER_PASSWORD,
    LESSON_COMPLETED,
    LESSON_VIEWED,
)

RESULTS = Path(__file__).resolve().parent / "results" / "scale.json"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_scale"
#: A page at large data may take at most this many times its small-data median.
MAX_RATIO = 1.5
RUNS = 15
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass(frozen=True)
class Page:
    """One measured page.

    :param who: the account it is requested as (``anonymous``, ``learner``,
        ``member``, ``admin``, ``tutor``); ``function`` measures a Python call.
    :param path: the path, or a function of the dataset's facts and app returning it.
    :param max_ms: the large data's median must be under this.
    :param streamed: judged by the time to the first bytes.
    :param csrf_from: for a POST, the page whose form's CSRF token it sends.
    :param compare: judged against the small data's time; ``False`` for work that
        grows with the data by definition (counting every member's vote).
    :param same_queries: the statement count must not change with the data;
        ``False`` for a CSV that reads a batch of rows per statement.
    """

    name: str
    who: str
    path: str | Callable[[dict], str]
    max_ms: float = 100.0
    method: str = "GET"
    streamed: bool = False
    csrf_from: str | None = None
    compare: bool = True
    same_queries: bool = True


def _learn(key: str) -> str:
    return f"/courses/{COURSE_SLUG}/learn/{key}"


def _users_page_20(facts: dict) -> str:
    """The admin list's 20th page, as its "next" links reach it (a cursor, not OFFSET)."""
    from sqlalchemy import func, select

    from lms.accounts.models import User
    from lms.db import db
    from lms.paging import PAGE_SIZE, encode_cursor

    users = db.session.scalar(select(func.count(User.id)))
    name, uid = db.session.execute(
        select(User.display_name, User.id).order_by(User.display_name, User.id)
        .offset(min(19 * PAGE_SIZE, users - PAGE_SIZE) - 1).limit(1)
    ).one()
    return "/admin/users?after=" + encode_cursor([name, uid])


PAGES: list[Page] = [
    Page("catalogue", "learner", "/courses/"),
    Page("course outline", "learner", f"/courses/{COURSE_SLUG}"),
    Page("lesson", "learner", _learn(LESSON_VIEWED)),
    Page("mark complete", "learner", _learn(LESSON_COMPLETED) + "/complete", method="POST",
         csrf_from=_learn(LESSON_COMPLETED)),
    Page("dashboard", "learner", "/"),
    Page("verification", "anonymous", lambda f: f"/certificates/verify/{f['cert_code']}"),
    Page("member register", "member", "/governance/register"),
    Page("member register CSV", "admin", "/governance/register.csv", streamed=True,
         same_queries=False),
    Page("admin user search", "admin", lambda f: f"/admin/users?q={f['search_term']}"),
    Page("admin user list, page 20", "admin", _users_page_20),
    Page("audit log page", "admin", "/admin/audit"),
    Page("audit log, one subject type", "admin", "/admin/audit?subject_type=certificate"),
    Page("tally, every member", "function", "whole_ballot_id", compare=False),
    Page("tally, 200-member ballot", "function", "small_ballot_id"),
    Page("tutor matrix 500 x 48", "tutor", lambda f: f"/courses/cohorts/{f['matrix_cohort_id']}"
         "/progress", max_ms=300.0),
    Page("tutor matrix CSV", "tutor", lambda f: f"/courses/cohorts/{f['matrix_cohort_id']}"
         "/progress.csv", max_ms=300.0, streamed=True),
    # Issue 19: 1,000 submissions waiting for the bench tutor (bench.marking_data).
    Page("tutor marking queue, 1,000 waiting", "tutor", "/courses/assignments/marking"),
]


def _isolated(call, *args, **kwargs):
    return contextvars.Context().run(call, *args, **kwargs)


def _in_app(app, call, *args, **kwargs):
    """Run ``call`` inside ``app``'s own (fresh) application context."""

    def run():
        with app.app_context():
            return call(*args, **kwargs)

    return _isolated(run)


class Site:
    """One dataset's app with its signed-in clients."""

    def __init__(self, label: str, app, facts: dict) -> None:
        from .cohort_measures import TUTOR_EMAIL, TUTOR_PASSWORD

        self.label, self.app, self.facts = label, app, facts
        accounts = {
            "learner": (LEARNER_EMAIL, LEARNER_PASSWORD),
            "admin": (scale_data.ADMIN_EMAIL, LEARNER_PASSWORD),
            "member": (scale_data.MEMBER_EMAIL, BULK_PASSWORD),
            "tutor": (TUTOR_EMAIL, TUTOR_PASSWORD),
        }
        self.clients = {"anonymous": self._client()}
        self.tokens: dict[str, str] = {}
        for who, (email, password) in accounts.items():
            client = self._client()
            token = self.token(client, "/account/login")
            answer = _isolated(client.post, "/account/login",
                               data={"csrf_token": token, "email": email, "password": password})
            if answer.status_code != 302:
                raise SystemExit(f"bench: {who} could not log in on the {label} data")
            self.clients[who] = client

    def _client(self):
        client = self.app.test_client()
        # Production cookies are Secure and CSRF checks the referrer on https.
        client.environ_base["HTTP_REFERER"] = "https://localhost/"
        return client

    @staticmethod
    def token(client, path: str) -> str:
        page = _isolated(client.get, path)
        match = _CSRF.search(page.get_data(as_text=True))
        if match is None:
            raise SystemExit(f"bench: no form on {path} ({page.status})")
        return match.group(1)

    def path(self, page: Page) -> str:
        if callable(page.path):
            return _in_app(self.app, page.path, self.facts)
        return page.path

    def request(self, page: Page, path: str) -> tuple[float, float]:
        """One request: (ms to the first bytes, ms to the last)."""
        client = self.clients[page.who]
        data = None
        if page.method == "POST":
            # A CSRF token belongs to the session: the form's, scraped once.
            if page.who not in self.tokens:
                self.tokens[page.who] = self.token(client, page.csrf_from)
            data = {"csrf_token": self.tokens[page.who]}

        def run():
            # Read the body in the request's own context, as a server does (a streamed
            # body may still be reading the database).
            start = time.perf_counter()
            response = client.open(path, method=page.method, data=data, buffered=False)
            chunks = iter(response.response)
            first = next(chunks, b"")
            ttfb = time.perf_counter() - start
            size = len(first) + sum(len(c) for c in chunks)
            total = time.perf_counter() - start
            response.close()
            return response, size, ttfb, total

        response, size, ttfb, total = _isolated(run)
        if response.status_code not in (200, 302, 303) or not size and page.method == "GET":
            raise SystemExit(f"bench: {page.method} {path} answered {response.status}")
        return ttfb * 1000, total * 1000

    def tally(self, ballot_key: str) -> float:
        from governance import operations as gov
        from governance.models import Ballot
        from lms.db import db

        def run():
            ballot = db.session.get(Ballot, self.facts[ballot_key])
            start = time.perf_counter()
            gov.tally(ballot)
            return (time.perf_counter() - start) * 1000

        return _in_app(self.app, run)

    def _counting(self, call) -> int:
        """How many SQL statements ``call()`` runs on this site's engine."""
        from sqlalchemy import event

        from lms.db import db

        seen: list[str] = []
        engine = _in_app(self.app, lambda: db.engine)

        def count(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            call()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    def queries(self, page: Page, path: str) -> int:
        if page.who == "function":
            return self._counting(lambda: self.tally(path))
        return self._counting(lambda: self.request(page, path))


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 2 else values[0]


def measure(page: Page, sites: list[Site], runs: int) -> dict:
    """Measure ``page`` on each site, alternately (load from elsewhere weighs on both)."""
    paths = {s.label: (page.path if page.who == "function" else s.path(page)) for s in sites}
    timings: dict[str, list[tuple[float, float]]] = {s.label: [] for s in sites}
    for site in sites:  # one untimed request each: caches, prepared statements
        _one(site, page, paths[site.label])
    for _ in range(runs):
        for site in sites:
            timings[site.label].append(_one(site, page, paths[site.label]))
    result: dict = {"name": page.name, "max_ms": page.max_ms}
    for site in sites:
        ttfb = [t[0] for t in timings[site.label]]
        total = [t[1] for t in timings[site.label]]
        judged = ttfb if page.streamed else total
        result[site.label] = {
            "median_ms": round(statistics.median(judged), 2),
            "p95_ms": round(_p95(judged), 2),
            "queries": site.queries(page, paths[site.label]),
        }
        if page.streamed:
            result[site.label]["total_median_ms"] = round(statistics.median(total), 2)
    small, large = result["small"], result["large"]
    ratio = large["median_ms"] / small["median_ms"] if small["median_ms"] else None
    result["ratio"] = None if ratio is None else round(ratio, 2)
    checks = {"under_max": large["median_ms"] < page.max_ms and small["median_ms"] < page.max_ms}
    if page.compare:
        checks["ratio"] = ratio is not None and ratio <= MAX_RATIO
    if page.same_queries:
        checks["same_queries"] = small["queries"] == large["queries"]
    result["checks"] = checks
    result["pass"] = all(checks.values())
    return result


def _one(site: Site, page: Page, path: str) -> tuple[float, float]:
    if page.who == "function":
        ms = site.tally(path)
        return ms, ms
    return site.request(page, path)


def _build(label: str, size: dict, backend: str, url: str | None, tmp: Path):
    """Make and fill one database; return (env, settings, facts)."""
    from .run import _app_settings

    work = tmp / label
    work.mkdir()
    env, settings = _app_settings("sqlite", work)
    if backend == "postgres":
        dataset.prepare_postgres(url)
        env["LMS_DATABASE_URL"] = settings["LMS_DATABASE_URL"] = url
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "lms", "init"],
        cwd=dataset.ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )
    from lms.accounts.passwords import hash_password

    with dataset.in_process_app(env, settings):
        shared_hash = hash_password(BULK_PASSWORD)
        started = time.perf_counter()
        facts = scale_data.build(size, shared_hash)
        print(f"bench: {label} dataset built in {time.perf_counter() - started:.0f} s: "
              f"{ {k: v for k, v in facts.items() if isinstance(v, int)} }", flush=True)
    return env, settings, facts


def _table(pages: list[dict]) -> str:
    lines = [f"{'page':34} {'small ms':>9} {'p95':>7} {'q':>3} {'large ms':>9} {'p95':>7} "
             f"{'q':>3} {'ratio':>6}  result"]
    for p in pages:
        s, large = p["small"], p["large"]
        failed = ", ".join(k for k, ok in p["checks"].items() if not ok)
        lines.append(
            f"{p['name']:34} {s['median_ms']:9.2f} {s['p95_ms']:7.2f} {s['queries']:3d} "
            f"{large['median_ms']:9.2f} {large['p95_ms']:7.2f} {large['queries']:3d} "
            f"{p['ratio'] if p['ratio'] is not None else '-':>6}  "
            f"{'pass' if p['pass'] else 'MISS: ' + failed}"
        )
    return "\n".join(lines)


def _overrides(pairs: list[str]) -> dict[str, int]:
    out = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in scale_data.LARGE or not value.isdigit():
            raise SystemExit(f"bench: --set wants NAME=N with NAME one of "
                             f"{', '.join(scale_data.LARGE)}, not {pair!r}")
        out[name] = int(value)
    return out


def main(argv: list[str] | None = None) -> int:
    """Build the small and large datasets, measure every page on both, write the JSON."""
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=main.__doc__)
    p.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    p.add_argument("--postgres-url", default=POSTGRES_URL,
                   help="base name of the two databases (_small, _large; default: %(default)s)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiply every size of the large dataset (0.01: a quick check)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=N",
                   help=f"one size of the large dataset ({', '.join(scale_data.LARGE)})")
    p.add_argument("--runs", type=int, default=RUNS, help="timed requests per page and size")
    p.add_argument("--only", action="append", default=[], metavar="PAGE",
                   help="measure only this page (repeatable)")
    p.add_argument("--output", type=Path, default=RESULTS, help="the JSON file to update")
    args = p.parse_args(argv)
    backend = "postgres" if args.postgres else "sqlite"
    sizes = scale_data.sizes(args.scale, _overrides(args.set))
    pages = [pg for pg in PAGES if not args.only or pg.name in args.only]
    if not pages:
        raise SystemExit(f"bench: no page named {args.only}; pages: {[pg.name for pg in PAGES]}")
    with tempfile.TemporaryDirectory(prefix="lms-scale-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        built = {}
        for label in ("small", "large"):
            print(f"bench: building the {label} {backend} dataset {sizes[label]} ...", flush=True)
            url = f"{args.postgres_url}_{label}" if args.postgres else None
            built[label] = _build(label, sizes[label], backend, url, tmp)
        sites = []
        for label in ("small", "large"):
            env, settings, facts = built[label]
            app = stack.enter_context(dataset.in_process_app(env, settings))
            sites.append(Site(label, app, facts))
        results = []
        for page in pages:
            print(f"bench: measuring {page.name} ...", flush=True)
            results.append(measure(page, sites, args.runs))
    report = {
        "backend": backend,
        "sizes": sizes,
        "counts": {label: {k: v for k, v in built[label][2].items() if isinstance(v, int)}
                   for label in built},
        "max_ratio": MAX_RATIO,
        "runs": args.runs,
        "pages": results,
        "pass": all(r["pass"] for r in results),
    }
    previous = json.loads(args.output.read_text()) if args.output.exists() else {}
    previous[backend] = report
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(previous, indent=2) + "\n")
    print()
    print(_table(results))
    print(f"\nwritten to {args.output} ({backend})")
    return 0 if report["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
