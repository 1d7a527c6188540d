"""``make bench``: measure the real app against a bare Flask app under the same gunicorn.

Steps: serve the bare "hello" app; generate a dataset (``flask lms init`` plus
bulk-inserted users) in a temporary folder; serve ``wsgi:app`` in production
mode on it, with the two floor pages of :mod:`bench.served_app` and the same
gunicorn settings; for every scenario of :mod:`bench.scenarios`, measure with
wrk the bare app (the baseline) and then the scenario, in turn, for several
short rounds (``--rounds`` of ``--duration`` seconds each); write
``bench/results/latest.json`` and print a table. A scenario's ratio is the
median of its rounds' ratios, and its rates and percentiles are the medians
over its rounds: the machines are shared, and a burst of load from elsewhere
then moves one round rather than the result.
Before serving, the measurements of :mod:`bench.measures` (issuing
certificates, counting a ballot) run on the same dataset; they go into the
same JSON (``"kind": "measure"``) and a second table.
``--only-measures [NAME ...]`` runs the measurements alone (no server, no
wrk): all of them, or those named (functions of :mod:`bench.measures`), e.g.
``python -m bench.run --only-measures bulk_issue --output /tmp/bulk.json``.
A scenario may name a floor (``floor`` in :mod:`bench.scenarios`: "signed-in
floor, layout", "signed-in floor, audited write", "public floor, one query"):
its targets are then shares of that floor measured in the same run (its req/s
at least ``floor_ratio`` of the floor's, its p95 at most ``floor_p95_factor``
times the floor's), reported as "vs floor"; ``--only`` adds the floors the
chosen scenarios name. The floor (and a twin, see :mod:`bench.scenarios`) is
measured again right after the page in each of the page's rounds, and each
share is the median of the rounds' quotients: minutes apart, a shared
machine's speed moves by a third.
Exits 1 when a scenario misses its target ratio, floor share or p95 latency or gets errors
(including unexpected statuses, missing expected text and redirects to the
login page) or a measure misses its target, 2 when it cannot run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import math
import os
import secrets
import statistics
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from . import dataset, measures
from .load import (
    GunicornSettings,
    WrkResult,
    checking_lua,
    gunicorn,
    log_in,
    request,
    require_wrk,
    run_wrk,
    scrape_csrf,
    sessions_lua,
)
from .scenarios import BULK_PASSWORD, SCENARIOS, Scenario

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
BACKENDS = ("sqlite", "postgres")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    p.add_argument("--postgres", action="store_true",
                   help=f"run on PostgreSQL ({dataset.POSTGRES_URL}; created if missing,"
                        " emptied if present) instead of SQLite")
    p.add_argument("--duration", type=int, default=2,
                   help="seconds of load per round, on each side (wrk -d)")
    p.add_argument("--rounds", type=int, default=5,
                   help="rounds per scenario, each the bare app then the platform")
    p.add_argument("--connections", type=int, default=16, help="open connections (wrk -c)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (wrk -t)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    p.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    p.add_argument("--users", type=int, default=1000, help="generated users in the dataset")
    p.add_argument("--only", action="append", metavar="NAME",
                   help="run only the named scenario (repeatable)")
    p.add_argument("--no-measures", action="store_true",
                   help="skip the certificate and tally measurements")
    p.add_argument("--only-measures", nargs="*", metavar="MEASURE",
                   help="run only the measurements (all, or the named functions of"
                        " bench.measures), no wrk scenarios")
    p.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    return p


#: The bench's instance file: the certificates plugin reads its lookup limit from
#: ``CERTIFICATES_VERIFY_LIMIT``, the core its login, reset and API limits from ``LMS_*``.
_RAISED_LIMITS = """\
CERTIFICATES_VERIFY_LIMIT = "100000000 per minute"
LMS_LOGIN_LIMIT_PER_ADDRESS = "100000 per minute"
LMS_LOGIN_LIMIT_PER_ACCOUNT = "100000 per minute"
LMS_RESET_LIMIT_PER_ADDRESS = "100000 per minute"
LMS_API_RATE_LIMIT = "100000000 per minute"
# A language is offered once its catalogue is compiled, however much of it is translated:
# the bench measures how fast a page in Urdu is, not how complete its catalogue is.
LMS_LANGUAGE_MIN_TRANSLATED = 0
"""


def _clean_env() -> dict[str, str]:
    """The bench process's environment without the operator's own LMS_* settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}


def _app_settings(backend: str, tmp: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Return the environment and the matching config mapping for the real app."""
    instance = tmp / f"instance-{backend}"
    instance.mkdir()
    # The instance file may set any Flask setting. The limiter stays on, as in
    # production, with every limit raised far above what the load sends, so
    # the bench measures the app (limiter included) rather than the limiter
    # turning requests away; the voters all log in from one address.
    (instance / "lms.cfg").write_text(_RAISED_LIMITS)
    if backend == "postgres":
        dataset.prepare_postgres()
        url = dataset.POSTGRES_URL
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    settings = {
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": secrets.token_urlsafe(48),
        "LMS_DATABASE_URL": url,
        "LMS_BASE_URL": "http://127.0.0.1",
        "LMS_SMTP_HOST": "",
        "LMS_REDIS_URL": "",
    }
    env = {**_clean_env(), **settings, "LMS_INSTANCE_PATH": str(instance)}
    return env, settings


def _median_result(results: list[WrkResult]) -> WrkResult:
    """One result for several rounds: the median of each rate and percentile, the sum of counts."""
    return WrkResult(
        rps=statistics.median(r.rps for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p95_ms=statistics.median(r.p95_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        requests=sum(r.requests for r in results),
        errors=sum(r.errors for r in results),
        unexpected=sum(r.unexpected for r in results),
    )


def _entry(scenario: Scenario, backend: str, pairs: list[tuple[WrkResult, WrkResult]]) -> dict:
    """The scenario's entry from its rounds, each ``(bare app, platform)`` measured in turn.

    The ratio is the median of the rounds' ratios: each compares two runs a
    few seconds apart, so a burst of load from elsewhere on the machine moves
    one round, not the result.
    """
    baseline = _median_result([bare for bare, _ in pairs])
    result = _median_result([app for _, app in pairs])
    ratios = [app.rps / bare.rps if bare.rps else 0.0 for bare, app in pairs]
    ratio = statistics.median(ratios)
    passed = None
    max_p95 = scenario.max_p95_ms
    if scenario.max_p95_backend not in (None, backend):
        max_p95 = None
    if scenario.target_ratio is not None or max_p95 is not None or scenario.floor:
        passed = result.errors == 0
        if scenario.target_ratio is not None:
            passed = passed and ratio >= scenario.target_ratio
        if max_p95 is not None:
            passed = passed and result.p95_ms < max_p95
    return {
        "kind": "wrk",
        "name": scenario.name,
        "method": scenario.method,
        "path": scenario.path,
        "backend": backend,
        "rps": round(result.rps, 1),
        "p50_ms": round(result.p50_ms, 2),
        "p95_ms": round(result.p95_ms, 2),
        "p99_ms": round(result.p99_ms, 2),
        "baseline_rps": round(baseline.rps, 1),
        "baseline_p95_ms": round(baseline.p95_ms, 2),
        "ratio": round(ratio, 3),
        "round_ratios": [round(r, 3) for r in ratios],
        "target_ratio": scenario.target_ratio,
        "max_p95_ms": max_p95,
        "floor": scenario.floor,
        "target_floor_ratio": scenario.floor_ratio,
        "max_floor_p95_factor": scenario.floor_p95_factor,
        "twin": scenario.twin,
        "target_twin_ratio": scenario.twin_ratio,
        "pass": passed,
        "requests": result.requests,
        "errors": result.errors,
        "unexpected": result.unexpected,
    }


def apply_floors(entries: list[dict]) -> None:
    """Judge each entry that names a floor against that floor, measured beside it.

    Adds ``floor_rps``, ``floor_p95_ms`` (the floor's own entry), ``floor_ratio``
    (the page's share of the floor's req/s) and ``floor_p95_ratio`` (its p95
    over the floor's). Both are medians over the rounds of the quotients of
    the page and the floor measured in the same round, seconds apart (see
    :func:`_paired`); a twin's share (``twin_ratio``) is taken the same way.
    An entry whose floor or twin was not measured in the run fails, and so
    does one whose floor or twin got errors.
    """
    wrk = [e for e in entries if e.get("kind") == "wrk"]
    floors = {(e["backend"], e["name"]): e for e in wrk}
    for e in wrk:
        if not e.get("floor"):
            continue
        floor = floors.get((e["backend"], e["floor"]))
        if floor is None or e["floor"] not in e.get("beside", {}):
            e["pass"] = False
            e["floor_missing"] = True
            continue
        e["floor_rps"], e["floor_p95_ms"] = floor["rps"], floor["p95_ms"]
        e["floor_ratio"] = _paired(e, e["floor"], "rps")
        e["floor_p95_ratio"] = _paired(e, e["floor"], "p95_ms")
        passed = e["pass"] is not False and not _errors_beside(e, e["floor"], floor)
        if e.get("target_floor_ratio") is not None:
            passed = passed and e["floor_ratio"] >= e["target_floor_ratio"]
        if e.get("max_floor_p95_factor") is not None:
            passed = passed and e["floor_p95_ratio"] <= e["max_floor_p95_factor"]
        e["pass"] = passed
    for e in wrk:
        if not e.get("twin"):
            continue
        twin = floors.get((e["backend"], e["twin"]))
        if twin is None or e["twin"] not in e.get("beside", {}):
            e["pass"] = False
            e["twin_missing"] = True
            continue
        e["twin_rps"] = twin["rps"]
        e["twin_ratio"] = _paired(e, e["twin"], "rps")
        if e.get("target_twin_ratio") is not None and e["pass"] is not False:
            e["pass"] = (e["twin_ratio"] >= e["target_twin_ratio"]
                         and not _errors_beside(e, e["twin"], twin))


def _paired(entry: dict, other: str, key: str) -> float:
    """The median over the rounds of ``entry``'s ``key`` over ``other``'s in the same round.

    ``other`` (a floor or a twin) was measured right after the page in each
    round. Taken minutes apart, as separate scenarios, the two would compare
    two machine speeds: on a shared machine the bare app alone served from
    4,400 to 6,700 req/s within ten minutes.
    """
    quotients = [
        mine[key] / theirs[key] if theirs[key] else math.inf
        for mine, theirs in zip(entry["rounds"], entry["beside"][other], strict=True)
    ]
    return round(statistics.median(quotients), 3)


def _errors_beside(entry: dict, name: str, own_entry: dict) -> bool:
    """Whether the floor or twin ``name`` got errors, as a scenario or beside ``entry``."""
    return bool(own_entry["errors"] or any(r["errors"] for r in entry["beside"][name]))


def with_floors(chosen: list[Scenario], everything: list[Scenario]) -> list[Scenario]:
    """``chosen`` with the floors and twins they name, each once and before every scenario
    that names it (it is measured again beside them, see :func:`_measure`)."""
    by_name = {s.name: s for s in everything}
    ordered: list[Scenario] = []
    seen: set[str] = set()

    def add(scenario: Scenario) -> None:
        if scenario.name in seen:
            return
        seen.add(scenario.name)
        for name in (scenario.floor, scenario.twin):
            if name:
                add(by_name[name])
        ordered.append(scenario)

    for scenario in chosen:
        add(scenario)
    return ordered


def _target(entry: dict) -> str:
    parts = []
    if entry["target_ratio"] is not None:
        parts.append(f">= {entry['target_ratio']:.2f}")
    if entry.get("target_floor_ratio") is not None:
        parts.append(f">= {entry['target_floor_ratio']:.2f} of floor")
    if entry.get("max_floor_p95_factor") is not None:
        parts.append(f"p95 <= {entry['max_floor_p95_factor']:g} x floor's")
    if entry.get("max_p95_ms") is not None:
        parts.append(f"p95 < {entry['max_p95_ms']:g} ms")
    if entry.get("target_twin_ratio") is not None:
        parts.append(f">= {entry['target_twin_ratio']:.2f} of {entry['twin']}")
    return ", ".join(parts) or "-"


def _vs_floor(entry: dict) -> str:
    if entry.get("floor_missing"):
        return "floor not run"
    if "floor_ratio" not in entry:
        return "-"
    shown = f"{entry['floor_ratio']:.2f} (p95 {entry['floor_p95_ratio']:.2f}x)"
    if entry.get("twin_missing"):
        shown += f"; {entry['twin']} not run"
    elif "twin_ratio" in entry:
        shown += f"; {entry['twin_ratio']:.2f} of {entry['twin']}"
    return shown


def _table(entries: list[dict]) -> str:
    head = ("scenario", "db", "req/s", "p50 ms", "p95 ms", "p99 ms", "bare req/s", "bare p95",
            "ratio", "vs floor", "target", "result")
    rows = [head]
    for e in (e for e in entries if e.get("kind") == "wrk"):
        result = {True: "pass", False: "FAIL", None: "report"}[e["pass"]]
        if e["errors"]:
            result += f" ({e['errors']} errors)"
        rows.append((
            e["name"], e["backend"], f"{e['rps']:.0f}", f"{e['p50_ms']:.2f}",
            "-" if math.isnan(e["p95_ms"]) else f"{e['p95_ms']:.2f}", f"{e['p99_ms']:.2f}",
            f"{e['baseline_rps']:.0f}", f"{e['baseline_p95_ms']:.2f}", f"{e['ratio']:.2f}",
            _vs_floor(e), _target(e), result,
        ))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fail(scenario: Scenario, message: str) -> None:
    print(f"bench: {scenario.name}: {scenario.method} {scenario.path} {message}", file=sys.stderr)


def _warm_up(scenario: Scenario, url: str, headers: dict[str, str], body: str | None) -> bool:
    """Send the scenario's request once with http.client; say whether it got what it expects."""
    host, port = url.removeprefix("http://").split(":")
    status, answer_headers, text = request(
        host, int(port), scenario.method, scenario.path, body=body, headers=headers
    )
    location = answer_headers.get("Location", "")
    if status != scenario.expect_status:
        _fail(scenario, f"answered {status} (Location: {location or '-'}),"
                        f" expected {scenario.expect_status}")
        return False
    if "/account/login" in location:
        _fail(scenario, "redirected to the login page: the session was not accepted")
        return False
    if scenario.expect_text is not None and scenario.expect_text not in text:
        _fail(scenario, f"answered without {scenario.expect_text!r} in its body")
        return False
    if scenario.expect_location is not None and scenario.expect_location not in location:
        _fail(scenario, f"redirected to {location or 'nowhere'!r},"
                        f" expected {scenario.expect_location!r}")
        return False
    return True


def _sessions(scenario: Scenario, url: str, voters: list[str]) -> list[tuple[str, list[str]]]:
    """Log every voter in through the form (a few at a time, as argon2 is slow on
    purpose) and scrape their CSRF token; return ``(cookie, bodies)`` per voter."""

    def one(email: str) -> tuple[str, list[str]]:
        cookie = log_in(url, email, BULK_PASSWORD)
        token, cookie = scrape_csrf(url, scenario.csrf_from, cookie)
        return cookie, [urlencode({"csrf_token": token, **form}) for form in scenario.forms]

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, voters))


def _form_headers(cookie: str) -> dict[str, str]:
    return {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}


@dataclasses.dataclass(frozen=True)
class _Load:
    """A scenario ready to measure: what wrk sends, where, with which script and load."""

    url: str
    headers: dict[str, str]
    script: Path
    wrk: dict

    def run(self) -> WrkResult:
        return run_wrk(self.url, headers=self.headers, script=self.script, **self.wrk)


def _prepare(scenario: Scenario, url: str, tmp: Path, load: dict, facts: dict) -> _Load | None:
    """Log in, scrape tokens, warm up and write the Lua script; ``None`` when broken."""
    headers = dict(scenario.headers)
    # One script per scenario: a floor's is used again beside each page measured against it.
    script = tmp / f"scenario-{abs(hash(scenario.name))}.lua"
    wrk_load = {k: v for k, v in load.items() if k != "rounds"}
    if scenario.voters:
        sessions = _sessions(scenario, url, facts["voters"])
        # Every voter's session must work before the load: each sends its first form once.
        for cookie, bodies in sessions:
            if not _warm_up(scenario, url, {**headers, **_form_headers(cookie)}, bodies[0]):
                return None
        script.write_text(sessions_lua(scenario.method, sessions, scenario.expect_status,
                                       scenario.expect_text))
        # One wrk thread per connection, so that each connection is one voter.
        wrk_load = {**wrk_load, "connections": len(sessions), "threads": len(sessions)}
    else:
        if scenario.login:
            headers["Cookie"] = log_in(url, *scenario.login)
        body = None
        if scenario.csrf_from:
            token, headers["Cookie"] = scrape_csrf(
                url, scenario.csrf_from, headers.get("Cookie", "")
            )
            body = urlencode({"csrf_token": token, **scenario.forms[0]})
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if not _warm_up(scenario, url, headers, body):
            return None
        script.write_text(checking_lua(scenario.method, body, scenario.expect_status,
                                       scenario.expect_text))
    return _Load(url + scenario.path, headers, script, wrk_load)


def _measure(scenario: Scenario, backend: str, prepared: _Load, bare: _Load, rounds: int,
             beside: dict[str, _Load]) -> dict | None:
    """Measure the baseline, then ``scenario``, then the scenarios ``beside`` it, in turn.

    ``beside`` holds the prepared floor and twin the scenario's targets are
    shares of: each round measures them right after the page, so the shares
    compare measurements seconds apart (see :func:`apply_floors`).
    ``None`` when the bare app got errors.
    """
    also = f", then {', '.join(beside)}" if beside else ""
    print(f"bench: {scenario.name} on {backend}: bare app and platform{also} in turn,"
          f" {rounds} x {prepared.wrk['duration']} s each ...", flush=True)
    pairs = []
    seen_beside: dict[str, list[WrkResult]] = {name: [] for name in beside}
    for _ in range(rounds):
        baseline = bare.run()
        if baseline.errors:
            print(f"bench: the bare app got {baseline.errors} errors", file=sys.stderr)
            return None
        pairs.append((baseline, prepared.run()))
        for name, other in beside.items():
            seen_beside[name].append(other.run())
    entry = _entry(scenario, backend, pairs)
    entry["connections"] = prepared.wrk["connections"]
    entry["beside"] = {
        name: [{"rps": r.rps, "p95_ms": r.p95_ms, "errors": r.errors} for r in results]
        for name, results in seen_beside.items()
    }
    entry["rounds"] = [{"rps": app.rps, "p95_ms": app.p95_ms} for _, app in pairs]
    return entry


def _resolve(scenario: Scenario, facts: dict) -> Scenario:
    """Put the dataset's facts (codes, ids) into the scenario's paths."""
    csrf_from = scenario.csrf_from.format(**facts) if scenario.csrf_from else None
    return dataclasses.replace(scenario, path=scenario.path.format(**facts), csrf_from=csrf_from)


def _measures_table(entries: list[dict]) -> str:
    head = ("measure", "db", "value", "target", "baseline", "ratio", "details", "result")
    rows = [head]
    for e in (e for e in entries if e.get("kind") == "measure"):
        baseline = "-"
        if e["baseline"] is not None:
            baseline = f"{e['baseline_name']}: {e['baseline']:g} {e['unit']}"
        details = ", ".join(
            f"{k}={v}" for k, v in e.items()
            if k in ("queries", "queries_small_ballot", "p95_ms", "per_certificate_ms", "issued")
        )
        rows.append((
            e["name"], e["backend"], f"{e['value']:g} {e['unit']}", e["target"], baseline,
            "-" if e["ratio"] is None else f"{e['ratio']:.2f}", details or "-",
            "pass" if e["pass"] else "FAIL",
        ))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    only_measures = args.only_measures is not None
    if only_measures and (args.no_measures or args.only):
        print("bench: --only-measures goes with neither --no-measures nor --only",
              file=sys.stderr)
        return 2
    chosen = [m for m in measures.MEASURES
              if not args.only_measures or m.__name__ in args.only_measures]
    if only_measures and not chosen:
        print("bench: no measure matches --only-measures", file=sys.stderr)
        return 2
    if only_measures:
        scenarios = []
    else:
        require_wrk()
        scenarios = [s for s in SCENARIOS if not args.only or s.name in args.only]
        if not scenarios:
            print("bench: no scenario matches --only", file=sys.stderr)
            return 2
        # A target that is a share of a floor needs that floor measured in the same run.
        scenarios = with_floors(scenarios, SCENARIOS)
    default_backend = "postgres" if args.postgres else "sqlite"
    for s in scenarios:
        if s.backend not in (None, *BACKENDS):
            print(f"bench: scenario {s.name!r} has unknown backend {s.backend!r}", file=sys.stderr)
            return 2
    backends = list(dict.fromkeys(s.backend or default_backend for s in scenarios))
    backends = backends or [default_backend]
    server = GunicornSettings(workers=args.workers, threads=args.threads)
    if args.rounds < 1 or args.duration < 1:
        print("bench: --rounds and --duration must be at least 1", file=sys.stderr)
        return 2
    load = {"duration": args.duration, "rounds": args.rounds, "connections": args.connections,
            "threads": args.wrk_threads}

    entries: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp_name:
        tmp = Path(tmp_name)
        # The bare app stays up all run and is measured right before each
        # scenario: on a shared machine the load from elsewhere drifts, and a
        # ratio is only fair between two measurements taken close together.
        bare = (gunicorn("bench.bare_app:app", _clean_env(), server) if scenarios
                else contextlib.nullcontext())
        with bare as bare_url:
            for backend in backends:
                env, config = _app_settings(backend, tmp)
                print(f"bench: generating the {backend} dataset ({args.users} users) ...",
                      flush=True)
                facts = dataset.generate(env, config, args.users)
                if not args.no_measures:
                    for measure in chosen:
                        print(f"bench: measuring {measure.__name__} on {backend} ...", flush=True)
                        entries.extend(measure(env, config, backend, facts))
                mine = [s for s in scenarios if (s.backend or default_backend) == backend]
                if not mine:
                    continue
                with gunicorn("bench.served_app:app", env, server,
                              ready_path="/healthz") as url:
                    # The bare app gets the same Lua hooks (so wrk does the same work on
                    # both sides of the ratio), with a plain GET of its one page.
                    bare_script = tmp / "bare.lua"
                    bare_script.write_text(checking_lua())
                    bare_load = _Load(bare_url + "/", {}, bare_script,
                                      {k: v for k, v in load.items() if k != "rounds"})
                    # Floors and twins come first (with_floors): each is measured as a
                    # scenario of its own, then again beside every page that names it.
                    prepared: dict[str, _Load] = {}
                    for scenario in mine:
                        scenario = _resolve(scenario, facts)
                        ready = _prepare(scenario, url, tmp, load, facts)
                        if ready is None:
                            return 2
                        prepared[scenario.name] = ready
                        beside = {name: prepared[name] for name in (scenario.floor, scenario.twin)
                                  if name}
                        entry = _measure(scenario, backend, ready, bare_load, load["rounds"],
                                         beside)
                        if entry is None:
                            return 2
                        entries.append(entry)

    apply_floors(entries)
    report = {
        "generated_dt": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "settings": {
            "gunicorn": {"workers": server.workers, "worker_class": server.worker_class,
                         "threads": server.threads},
            "wrk": load,
            "users": args.users,
            "cpus": os.cpu_count(),
        },
        "scenarios": entries,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(_table(entries))
    if any(e.get("kind") == "measure" for e in entries):
        print()
        print(_measures_table(entries))
    print(f"\nwritten to {args.output}")
    return 0 if all(e["pass"] is not False for e in entries) else 1


if __name__ == "__main__":
    sys.exit(main())
