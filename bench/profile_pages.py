"""A signed-in page's own cost, in-process (``python -m bench.profile_pages [PATH ...]``).

Generates a dataset as ``make bench`` does (SQLite, ``--users`` learners; kept in
``--keep DIR`` and reused when that folder already holds one), logs the bench
learner (or ``--as tutor`` / ``--as member``) in through the real form, and for
each path prints its queries and the mean time per request **minus the
layout floor's** (the bench's ``/_bench/floor-layout``, the signed-in layout
around an empty heading): the page-specific cost the scenarios' floor ratio
depends on. Pages and the floor are requested in turn, round after round, so a
burst of load from elsewhere on a shared machine moves both alike. With
``--profile`` it also prints the top costs of each page under cProfile.
A helper for reading why a page misses its target; it asserts nothing.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from . import dataset
from .profile_views import _fresh, _top
from .run import _app_settings
from .scenarios import BULK_PASSWORD, LEARNER, MEMBER, TUTOR

FLOOR = "/_bench/floor-layout"
ACCOUNTS = {"learner": LEARNER, "tutor": TUTOR, "member": MEMBER}
DEFAULT_PATHS = ("/", "/courses/what-is-a-co-operative",
                 "/courses/what-is-a-co-operative/learn/seven-principles")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.profile_pages",
                                description=__doc__.split("\n")[0])
    p.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS))
    p.add_argument("--keep", type=Path, help="keep (or reuse) the dataset in this folder")
    p.add_argument("--users", type=int, default=100)
    p.add_argument("--as", dest="account", choices=sorted(ACCOUNTS), default="learner")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--requests", type=int, default=20, help="requests per page per round")
    p.add_argument("--profile", action="store_true", help="print cProfile's top costs")
    p.add_argument("--queries", action="store_true", help="print each page's statements")
    p.add_argument("--postgres", action="store_true",
                   help="use the bench's PostgreSQL database (rebuilt each run; --keep is ignored)")
    p.add_argument("--header", action="append", default=[], metavar="NAME:VALUE",
                   help="a request header (e.g. Accept-Language:ur), repeatable")
    return p


def _floor(app) -> None:
    """Serve the layout floor as ``bench.served_app`` does (that module builds its own app)."""
    from flask import render_template

    from lms.permissions import login_required

    layout = app.jinja_env.from_string(
        '{% extends "lms/base.html" %}{% block title %}Floor{% endblock %}'
        '{% block content %}<h1 id="bench-floor">Floor</h1>{% endblock %}'
    )
    app.add_url_rule(FLOOR, "bench_floor_layout",
                     login_required(lambda: render_template(layout)))


def _dataset(keep: Path | None, tmp: Path, users: int,
             backend: str = "sqlite") -> tuple[dict, dict, dict]:
    if backend == "postgres":
        env, config = _app_settings(backend, tmp)
        return env, config, dataset.generate(env, config, users)
    where = keep or tmp
    saved = where / "settings.json"
    if keep and saved.exists():
        env, config, facts = json.loads(saved.read_text())
        return env, config, facts
    where.mkdir(parents=True, exist_ok=True)
    env, config = _app_settings("sqlite", where)
    facts = dataset.generate(env, config, users)
    if keep:
        saved.write_text(json.dumps([env, config, facts]))
    return env, config, facts


def _log_in(app, account: tuple[str, str], headers: dict[str, str]):
    import re

    client = app.test_client()
    # https, as production's Secure cookies need; CSRF checks the referrer on https.
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    for name, value in headers.items():
        client.environ_base["HTTP_" + name.upper().replace("-", "_")] = value
    page = _fresh(client.get, "/account/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    email, password = account
    answer = _fresh(client.post, "/account/login",
                    data={"csrf_token": token, "email": email, "password": password})
    if answer.status_code != 302:
        raise SystemExit(f"bench: {email} could not log in ({answer.status})")
    return client


def signed_in(app, account_name: str, headers: dict[str, str]):
    """Serve the layout floor and log ``account_name`` (``learner``, ``tutor``, ``member``) in.

    The tutor's groups (the cohort measures') are seeded once into a kept dataset.
    """
    if account_name == "tutor":
        from sqlalchemy import select

        from lms.accounts.models import User
        from lms.db import db

        from .cohort_measures import seed as seed_cohorts

        if db.session.scalar(select(User.id).where(User.email == TUTOR[0])) is None:
            seed_cohorts()
        # Outside a request SQLite's transactions begin IMMEDIATE: end this one, or
        # the login's write would wait on it for ever.
        db.session.commit()
    _floor(app)
    account = ACCOUNTS[account_name]
    if account_name == "member":
        account = (account[0], BULK_PASSWORD)
    return _log_in(app, account, headers)


def main(argv: list[str] | None = None) -> int:
    from .measures import counting_queries

    args = _parser().parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    with tempfile.TemporaryDirectory(prefix="lms-profile-") as tmp_name:
        env, config, _facts = _dataset(args.keep, Path(tmp_name), args.users,
                                       "postgres" if args.postgres else "sqlite")
        with dataset.in_process_app(env, config) as app:
            client = signed_in(app, args.account, headers)
            paths = [FLOOR, *args.paths]
            for path in paths:
                answer = _fresh(client.get, path)
                if answer.status_code != 200:
                    raise SystemExit(f"bench: GET {path} answered {answer.status}")
                with counting_queries() as seen:
                    body = _fresh(client.get, path).data
                print(f"{path}: {len(seen)} queries, {len(body) / 1024:.1f} KB")
                if args.queries:
                    for statement in seen:
                        print("   ", " ".join(statement.split())[:300])
            times: dict[str, list[float]] = {p: [] for p in paths}
            for _ in range(args.rounds):
                for path in paths:
                    start = time.perf_counter()
                    for _ in range(args.requests):
                        _fresh(client.get, path)
                    times[path].append((time.perf_counter() - start) * 1000 / args.requests)
            floor = statistics.median(times[FLOOR])
            # The machine's load scales every time alike: the share of the floor is the
            # figure to compare between runs, the milliseconds only within one.
            print(f"{'page':60} {'ms':>7} {'minus floor':>12} {'x floor':>8}")
            for path in paths:
                ms = statistics.median(times[path])
                print(f"{path:60} {ms:7.2f} {ms - floor:12.2f} {ms / floor:8.2f}")
            if args.profile:
                for path in args.paths:
                    profile = cProfile.Profile()
                    profile.enable()
                    for _ in range(args.requests * 5):
                        _fresh(client.get, path)
                    profile.disable()
                    _top(profile, f"GET {path} x{args.requests * 5}", 45)
    return 0


if __name__ == "__main__":
    sys.exit(main())
