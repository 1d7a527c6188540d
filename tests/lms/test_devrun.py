"""``make run``'s supervisor starts the web server and a job worker, and Ctrl-C stops both."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child of the (ended) supervisor counts as gone.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\nState:\tZ" not in status.read_text()


def test_one_command_runs_server_and_worker_and_ctrl_c_stops_both(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update({"LMS_INSTANCE_PATH": str(tmp_path), "LMS_ENV": "development",
                "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite3'}"})
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "lms", "init"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    port = _free_port()
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "lms.devrun", "--port", str(port)], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    pids: list[int] = []
    try:
        lines = [supervisor.stdout.readline() for _ in range(3)]
        pids += [int(p) for p in re.findall(r"\(pid (\d+)\)", "".join(lines))]
        assert len(pids) == 2, lines
        assert "web server" in lines[0] and "job worker" in lines[1]
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert all(_alive(pid) for pid in pids)
        supervisor.send_signal(signal.SIGINT)
        assert supervisor.wait(30) == 0
        assert "devrun: stopped" in supervisor.stdout.read()
        assert not any(_alive(pid) for pid in pids)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
        for pid in pids:  # whatever happened above, leave nothing running
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)
