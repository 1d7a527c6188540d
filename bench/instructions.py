"""Instructions per request for signed-in pages (``python -m bench.instructions [PATH ...]``).

What ``bench.profile_pages`` measures in milliseconds, counted in machine
instructions by Valgrind's callgrind: the same count whatever else the
machine is doing, so two commits (or two designs) compare on a busy machine
too. The command runs itself again under ``valgrind --tool=callgrind
--instr-atstart=no``; the inner run generates (or reuses, ``--keep``) the
bench's dataset, logs in through the real form, warms every page, switches
instrumentation on (``callgrind_control -i on``) and, for the layout floor and
then each path, zeroes the counters, sends ``--requests`` requests and dumps
them. It prints each page's millions of instructions per request and its
multiple of the floor's. Needs Valgrind (``apt-get install valgrind``).

A helper for reading why a page misses its floor ratio; it asserts nothing.
Served throughput also depends on memory traffic and the server, so the
quiet ``make bench`` stays the measure of record.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .profile_pages import ACCOUNTS, DEFAULT_PATHS, FLOOR

_INNER = "LMS_BENCH_INSTRUCTIONS_INNER"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.instructions",
                                description=__doc__.split("\n")[0])
    p.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS))
    p.add_argument("--keep", type=Path, help="keep (or reuse) the dataset in this folder")
    p.add_argument("--users", type=int, default=100)
    p.add_argument("--as", dest="account", choices=sorted(ACCOUNTS), default="learner")
    p.add_argument("--requests", type=int, default=30, help="requests counted per page")
    p.add_argument("--header", action="append", default=[], metavar="NAME:VALUE",
                   help="a request header (e.g. Accept-Language:ur), repeatable")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    if os.environ.get(_INNER):
        return _inner(args)
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("bench.instructions: Valgrind is missing (apt-get install valgrind)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="lms-instructions-") as out:
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={out}/out.%p", sys.executable, "-m", "bench.instructions",
            *argv,
        ]
        # A fixed hash seed: the same dictionaries and sets, so the same count run to run.
        env = {**os.environ, _INNER: "1", "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
            return done.returncode
        _report(Path(out), args.requests)
    return 0


def _inner(args) -> int:
    from . import dataset
    from .profile_pages import _dataset, signed_in
    from .profile_views import _fresh

    pid = str(os.getpid())

    def control(*options: str) -> None:
        subprocess.run(["callgrind_control", *options, pid], check=True, capture_output=True)

    headers = dict(h.split(":", 1) for h in args.header)
    with tempfile.TemporaryDirectory(prefix="lms-instructions-data-") as tmp_name:
        env, config, _facts = _dataset(args.keep, Path(tmp_name), args.users)
        with dataset.in_process_app(env, config) as app:
            client = signed_in(app, args.account, headers)
            paths = [FLOOR, *args.paths]
            for path in paths:
                for _ in range(20):
                    answer = _fresh(client.get, path)
                    if answer.status_code != 200:
                        raise SystemExit(f"bench: GET {path} answered {answer.status}")
            control("-i", "on")
            for path in paths:
                for _ in range(3):
                    _fresh(client.get, path)
                control("-z")
                for _ in range(args.requests):
                    _fresh(client.get, path)
                control("-d", "path:" + path)
    return 0


def _report(out: Path, requests: int) -> None:
    rows = []
    dumps = sorted(out.glob("out.*.*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
    for dump in dumps:
        text = dump.read_text()
        name = re.search(r"^desc: Trigger: dump path:(\S+)", text, re.M).group(1)
        total = int(re.search(r"^summary: (\d+)", text, re.M).group(1))
        rows.append((name, total / requests / 1e6))
    floor = rows[0][1]
    print(f"{'page':60} {'M instr.':>9} {'x floor':>8}")
    for name, millions in rows:
        print(f"{name:60} {millions:9.2f} {millions / floor:8.2f}")


if __name__ == "__main__":
    sys.exit(main())
