"""``make run``'s supervisor: the development server and a job worker, started and stopped together.

``python -m lms.devrun [--host H] [--port P]`` starts ``flask --app wsgi run``
and ``flask --app wsgi lms worker`` as two child processes, says what it
started, and stops both (SIGINT, then SIGTERM, then SIGKILL, a few seconds
apart) on Ctrl-C or SIGTERM, or as soon as either exits, so that one command
runs the site with its background jobs and leaves nothing behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_GRACE_S = 5.0


def _start(name: str, args: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    # Each child in a group of its own: Ctrl-C reaches this supervisor, which passes it on
    # once, in order, instead of the terminal sending it to everyone at once.
    child = subprocess.Popen(command, cwd=ROOT, start_new_session=True)  # noqa: S603 (our own)
    print(f"devrun: started the {name} (pid {child.pid}): {' '.join(command[1:])}", flush=True)
    return child


def _stop(children: dict[str, subprocess.Popen]) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        alive = {n: c for n, c in children.items() if c.poll() is None}
        if not alive:
            return
        for name, child in alive.items():
            print(f"devrun: stopping the {name} (pid {child.pid}, {sig.name})", flush=True)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, sig)
        deadline = time.monotonic() + _GRACE_S
        while time.monotonic() < deadline and any(c.poll() is None for c in alive.values()):
            time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lms.devrun", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    args = parser.parse_args(argv)
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    children = {
        "web server": _start("web server", ["run", "--host", args.host, "--port", args.port]),
        "job worker": _start("job worker", ["lms", "worker"]),
    }
    print(f"devrun: the site is at http://{args.host}:{args.port}/ ; Ctrl-C stops both",
          flush=True)
    status = 0
    try:
        while not stopping:
            ended = {n: c for n, c in children.items() if c.poll() is not None}
            if ended:
                for name, child in ended.items():
                    print(f"devrun: the {name} exited ({child.returncode}); stopping the rest",
                          flush=True)
                    status = status or child.returncode or 1
                break
            time.sleep(0.2)
    finally:
        _stop(children)
    print("devrun: stopped", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
