"""Pytest fixtures shared by every package's tests (registered as a pytest plugin).

The database is SQLite in a temporary file by default, or the PostgreSQL
database named by ``LMS_TEST_DATABASE_URL`` (``make test-postgres``). The
schema is created once per session from the models; a separate test proves
the migrations produce the same schema. After each test every table is
emptied, so tests never see each other's rows.

Fixtures: ``app_config``, ``app``, ``db``, ``client``, ``make_user``,
``login``, ``outbox``, ``make_app``.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from . import create_app
from .db import db as _db

TEST_PASSWORD = "correct horse battery"  # noqa: S105 (a test fixture's password)
_counter = itertools.count(1)


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own contexts, as in production.

    The ``app`` fixture keeps an application context pushed for the test body.
    Flask reuses a pushed context of the same app for requests, so without this
    the requests would share ``g`` (Flask-Login caches the user there: a second,
    anonymous client would see the first client's user) and one database
    session. Before each request the test body's open transaction is committed,
    so what the test set up is visible and SQLite's write lock is free.
    """

    def open(self, *args, **kwargs):
        if self.preserve_context:  # ``with client:`` wants the contexts kept
            return super().open(*args, **kwargs)
        _settle_test_session()
        # A streamed body (``stream_with_context``) reads in the request's context, so it
        # is read here, inside that context, as a server would.
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


def _settle_test_session() -> None:
    from flask import has_app_context

    if has_app_context() and _db.session().in_transaction():
        _db.session.commit()


def database_url(tmp_dir: Path) -> str:
    return os.environ.get("LMS_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.sqlite3'}"


def base_config(url: str, instance: Path) -> dict[str, Any]:
    return {
        "LMS_ENV": "testing",
        "LMS_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "LMS_DATABASE_URL": url,
        "LMS_BASE_URL": "http://localhost",
        # Cheap argon2id parameters: same algorithm, test-suite speed.
        "LMS_ARGON2_TIME_COST": 1,
        "LMS_ARGON2_MEMORY_KIB": 1024,
        "LMS_SMTP_HOST": "",
        "LMS_REDIS_URL": "",
        # Jobs run in the process that commits them, right after the commit.
        "LMS_JOBS_IMMEDIATE": True,
        "LMS_PLUGINS": "",
        # Files learners attach stay in the test session's folder, not the project's instance.
        "LMS_UPLOAD_FOLDER": str(instance / "uploads"),
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": True,
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def _session_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lms")


@pytest.fixture(scope="session")
def _schema(_session_dir) -> str:
    """Create the full schema once per test session and return the database URL."""
    url = database_url(_session_dir)
    app = create_app(base_config(url, _session_dir))
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        _db.create_all()
        _db.engine.dispose()
    return url


@pytest.fixture()
def app_config(_schema, _session_dir) -> dict[str, Any]:
    """Settings for the ``app`` fixture; override it in a conftest to change them."""
    return base_config(_schema, _session_dir)


def _clear_tables() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture()
def make_app(app_config) -> Iterator[Callable[..., Flask]]:
    """Build extra apps (e.g. with other plugins) on the test database."""
    made: list[Flask] = []

    def factory(overrides: dict[str, Any] | None = None, **kwargs) -> Flask:
        app = create_app({**app_config, **(overrides or {})}, **kwargs)
        app.test_client_class = IsolatedClient
        made.append(app)
        return app

    yield factory
    for app in made:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture()
def app(app_config) -> Iterator[Flask]:
    """The application with every installed plugin, on a clean database."""
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        yield application
        _db.session.remove()
        _clear_tables()
        _db.engine.dispose()


@pytest.fixture()
def db(app):
    """The SQLAlchemy object, inside the app context."""
    return _db


@pytest.fixture()
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def make_user(app) -> Callable[..., Any]:
    """Create (and commit) a user: ``make_user(roles=("tutor",), name=..., email=...)``."""
    from .accounts.operations import create_user

    def factory(
        email: str | None = None,
        name: str | None = None,
        password: str = TEST_PASSWORD,
        roles: tuple[str, ...] = ("learner",),
    ):
        n = next(_counter)
        user = create_user(
            email or f"person{n}@example.org", name or f"Person {n}", password, roles
        )
        _db.session.commit()
        return user

    return factory


def csrf_token(client: FlaskClient, path: str) -> str:
    """Fetch ``path`` and return the CSRF token of its (first) form."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="([a-z]+-)?csrf_token" type="hidden" value="([^"]+)"', html)
    if match is None:
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        if match is None:
            raise AssertionError(f"no CSRF token on {path}")
        return match.group(1)
    return match.group(2)


def sign_in(client: FlaskClient, email: str, password: str = TEST_PASSWORD) -> FlaskClient:
    """Sign ``client`` in as ``email`` through the real login form, with its CSRF token when
    the application checks one; fail the test when the form does not let them in."""
    data = {"email": email, "password": password}
    if client.application.config.get("WTF_CSRF_ENABLED", True):
        data["csrf_token"] = csrf_token(client, "/account/login")
    response = client.post("/account/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture()
def login(app) -> Callable[..., FlaskClient]:
    """Log a user in through the real login form: ``login(user)`` or ``login(user, client)``."""

    def do_login(user, client: FlaskClient | None = None, password: str = TEST_PASSWORD):
        return sign_in(client or app.test_client(), user.email, password)

    return do_login


@pytest.fixture()
def outbox(app) -> Callable[[], list]:
    """Return a function listing the messages in the local outbox, oldest first."""
    from .mail import OutboxMessage

    def messages():
        _db.session.expire_all()
        return list(_db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    return messages


#: The markers round every string of a pseudo-translation (:func:`write_pseudo_catalogues`).
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"
TEMPLATE = Path(__file__).parent / "translations" / "messages.pot"


def pseudo_translate(text: str) -> str:
    """``text`` as a pseudo-translation gives it: wrapped in markers, placeholders intact."""
    return f"{PSEUDO_OPEN}{text}{PSEUDO_CLOSE}"


#: The languages whose catalogues the project ships.
SHIPPED_LANGUAGES = ("ur", "pl", "gu")


def compile_shipped_catalogues(directory: Path) -> str:
    """Copy the shipped catalogues (and the template) into ``directory`` and compile them.

    Tests that render pages in the real languages use these, whatever
    ``make translations`` last built; returns ``directory`` for
    ``BABEL_TRANSLATION_DIRECTORIES``.
    """
    import shutil

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    shutil.copy(TEMPLATE, directory / "messages.pot")
    for code in SHIPPED_LANGUAGES:
        source = TEMPLATE.parent / code / "LC_MESSAGES" / "messages.po"
        target = directory / code / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(source, target / "messages.po")
        with source.open("rb") as po:
            catalogue = read_po(po, locale=code)
        with (target / "messages.mo").open("wb") as mo:
            write_mo(mo, catalogue)
    return str(directory)


def write_pseudo_catalogues(directory: Path, codes: tuple[str, ...], state: str = "draft") -> str:
    """Write and compile complete catalogues for ``codes`` where every string is marked.

    Each string of the template (``messages.pot``) becomes its English between
    ``⟦`` and ``⟧`` (plural entries get as many forms as the language has), so
    a page in one of these languages shows which text went through the
    catalogue and which did not. ``directory`` gets the template too: the
    catalogues are complete against it, so the languages are offered. For tests
    only; returns ``directory`` for ``BABEL_TRANSLATION_DIRECTORIES``.
    """
    import shutil

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    with TEMPLATE.open("rb") as pot:
        template = read_po(pot)
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(TEMPLATE, directory / "messages.pot")
    for code in codes:
        catalogue = Catalog(locale=code, header_comment=f"# Translation-State: {state}\n#")
        for message in template:
            if not message.id:
                continue
            if isinstance(message.id, tuple):
                forms = tuple(
                    pseudo_translate(message.id[min(i, 1)]) for i in range(catalogue.num_plurals)
                )
                catalogue.add(message.id, forms, flags=message.flags - {"fuzzy"})
            else:
                catalogue.add(message.id, pseudo_translate(message.id),
                              flags=message.flags - {"fuzzy"})
        folder = directory / code / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "messages.po").open("wb") as po:
            write_po(po, catalogue)
        with (folder / "messages.mo").open("wb") as mo:  # after the .po: not older than it
            write_mo(mo, catalogue)
    return str(directory)


@pytest.fixture(scope="session")
def pseudo_translations(tmp_path_factory) -> Callable[..., str]:
    """``pseudo_translations("ur", "pl")``: a folder of complete, marked catalogues for them.

    Give it to an app as ``BABEL_TRANSLATION_DIRECTORIES`` (with ``LMS_LANGUAGES``)
    for a test that needs those languages offered; built once per session.
    """
    built: dict[tuple[str, ...], str] = {}

    def folder(*codes: str) -> str:
        if codes not in built:
            built[codes] = write_pseudo_catalogues(
                tmp_path_factory.mktemp("translations"), codes)
        return built[codes]

    return folder


def export_walked(app: Flask, owner: str, user_id: int) -> dict[str, Any]:
    """``owner``'s part of ``user_id``'s "Download my data", by section key, once its
    declarations are walked: every table the package declares personal is in one of
    its sections (``ExportSection.tables``) and no section names another table.

    Each package's export test calls it, so a table declared later and left out of the
    export fails that package's test. Call it inside a request context.
    """
    from .personal_data.registry import providers

    (provider,) = [p for p in providers(app) if p.owner == owner]
    sections = provider.export(user_id) if provider.export else []
    exported = {table for s in sections for table in s.tables}
    declared = {d.table for d in provider.tables if d.holds_personal_data}
    assert declared - exported == set(), f"{owner}: declared personal, not exported"
    assert exported - declared == set(), f"{owner}: exported, not declared by it"
    return {s.key: s for s in sections}
