"""A real learning record store for the xAPI tests: ralph with its file-system backend.

``ralph`` (``ralph-malph[cli,lrs]``, a dev dependency) is started on a free
loopback port in a temporary folder and stopped by its process id.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.courses.conftest import make_course  # noqa: F401  (fixture)

USER, PASSWORD = "lms", "lrs-test-secret"

#: ralph 5.1's file-system LRS writes every statement to one file with the operation
#: "index", which refuses a file that exists: it stores the first statement and answers
#: 500 to every later one. The tests' ralph loads this (``sitecustomize``, also in the
#: server process its reloader spawns) so that it appends, as a file LRS must.
APPEND_PATCH = """
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs import fs

_write = fs.FSLRSBackend.write


def write(self, data, target=None, chunk_size=None, ignore_errors=False, operation_type=None):
    if operation_type in (None, BaseOperationType.INDEX, BaseOperationType.CREATE):
        operation_type = BaseOperationType.APPEND
    return _write(self, data, target, chunk_size, ignore_errors, operation_type)


fs.FSLRSBackend.write = write
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lrs:
    port: int
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            "RALPH_APP_DIR": str(self.folder),
            "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "PYTHONPATH": str(self.folder / "patch"),
        }

    def start(self) -> None:
        ralph = str(Path(sys.executable).with_name("ralph"))
        patch = self.folder / "patch"
        patch.mkdir(exist_ok=True)
        (patch / "sitecustomize.py").write_text(APPEND_PATCH)
        if not (self.folder / "auth.json").exists():
            subprocess.run(
                [ralph, "auth", "-u", USER, "-p", PASSWORD, "-s", "all",
                 "-M", "mailto:lms@example.org", "-w"],
                env=self._env(), check=True, capture_output=True,
            )
        self.process = subprocess.Popen(
            [ralph, "runserver", "-b", "fs", "--fs-default-directory-path",
             str(self.folder / "data"), "-h", "127.0.0.1", "-p", str(self.port)],
            env=self._env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: the reloader and its server
        )
        for _ in range(600):  # until it answers (about 5 s here), at most a minute
            try:
                self.statements()
                return
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None:
                    raise RuntimeError("ralph stopped while starting") from None
                time.sleep(0.1)
        raise RuntimeError("ralph did not start within a minute")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            group = os.getpgid(self.process.pid)
            os.killpg(group, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(group, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def statements(self) -> list[dict]:
        auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (the test's own loopback LRS)
            f"{self.endpoint}/statements?limit=500",
            headers={"Authorization": f"Basic {auth}", "X-Experience-API-Version": "1.0.3"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
            return json.loads(response.read())["statements"]


@pytest.fixture()
def lrs(tmp_path) -> Iterator[Lrs]:
    """A ralph LRS that is *not* running yet: ``lrs.start()``, ``lrs.stop()``."""
    store = Lrs(free_port(), tmp_path / "ralph")
    store.folder.mkdir()
    try:
        yield store
    finally:
        store.stop()


@pytest.fixture()
def app_config(app_config, lrs) -> dict:
    return {
        **app_config,
        "LMS_XAPI_ENDPOINT": lrs.endpoint,
        "LMS_XAPI_USERNAME": USER,
        "LMS_XAPI_PASSWORD": PASSWORD,
        "LMS_XAPI_TIMEOUT": 5,
    }
