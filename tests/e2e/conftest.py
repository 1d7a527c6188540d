"""Fixtures for the browser tests: a live server and Debian's Chromium driven by Playwright.

The live server is the real application (built from ``lms.testing``'s
``app_config``, so it shares the test database and its clean-up) served by
werkzeug in a background thread on a free loopback port, with CSRF on and
rate limits off. The browser is ``/usr/bin/chromium`` launched headless by
Playwright's sync API; when it is missing, every browser test fails (never
skips) and says how to install it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from .a11y import SCRIPT_TWIN_ATTR

CHROMIUM = Path(os.environ.get("LMS_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class _LateApp:
    """A WSGI callable whose application is set after the socket is bound.

    The port must be known before the app is built (``LMS_BASE_URL`` names
    it), and binding port 0 first is the only race-free way to get a free one.
    """

    app: Callable[..., Any] | None = None

    def __call__(self, environ, start_response):
        assert self.app is not None, "the live server received a request before it started"
        return self.app(environ, start_response)


@pytest.fixture()
def _live_socket() -> Iterator[tuple[BaseWSGIServer, _LateApp]]:
    handler = _LateApp()
    server = make_server("127.0.0.1", 0, handler, threaded=True)
    try:
        yield server, handler
    finally:
        server.server_close()


@pytest.fixture()
def app_config(app_config, _live_socket) -> dict[str, Any]:
    """The shared test settings, with the live URL, CSRF on and rate limits off."""
    server, _handler = _live_socket
    return {
        **app_config,
        "LMS_BASE_URL": f"http://127.0.0.1:{server.server_port}",
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_ENABLED": False,
    }


@pytest.fixture()
def live_server(app, _live_socket) -> Iterator[str]:
    """Serve ``app`` in a background thread; yield its base URL (no trailing slash)."""
    server, handler = _live_socket
    handler.app = app
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield app.config["LMS_BASE_URL"]
    finally:
        # Stop serving before the app fixture empties the tables.
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium (Debian's), shared by the whole test session."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the browser tests need it."
            " Install Debian's 'chromium' package (make test does so when it runs as root),"
            " or point LMS_E2E_CHROMIUM at a Chromium binary.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def new_page(browser, live_server) -> Iterator[Callable[..., Any]]:
    """Open pages in fresh browser contexts: ``new_page(java_script_enabled=False, ...)``.

    Keyword arguments go to ``browser.new_context``; the context's base URL is
    the live server's, so tests navigate with paths.
    """
    contexts = []

    def factory(**options):
        options.setdefault("base_url", live_server)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        if options.get("java_script_enabled") is False:
            # axe-core cannot run without scripts; check_a11y uses this twin instead.
            twin_context = browser.new_context(base_url=live_server)
            contexts.append(twin_context)
            setattr(context, SCRIPT_TWIN_ATTR, twin_context.new_page())
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture()
def page(new_page):
    """A page in a fresh desktop-sized browser context with JavaScript on."""
    return new_page(viewport={"width": 1280, "height": 900})


def import_course_files(folder: Path, files: dict[str, str]) -> str:
    """Write a course folder, import it into the test database (committed) and return its slug."""
    from courses.importing import import_course
    from lms.db import db

    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    result = import_course(folder)
    db.session.commit()
    db.session.remove()  # nothing of the test's session stays open while the server runs
    assert result.created
    return result.slug
