"""Helpers shared by the core's tests."""

from __future__ import annotations

import os
import uuid
from importlib.metadata import EntryPoint

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lms.plugins import GROUP

SAMPLE_TARGETS = {
    "alpha": "tests.lms.sample_plugins:alpha",
    "beta": "tests.lms.sample_plugins:make_beta",
    "gamma": "tests.lms.sample_plugins:gamma",
    "needs_ghost": "tests.lms.sample_plugins:needs_ghost",
    "cycle_one": "tests.lms.sample_plugins:cycle_one",
    "cycle_two": "tests.lms.sample_plugins:cycle_two",
    "bad_blueprint": "tests.lms.sample_plugins:bad_blueprint",
    "bad_url": "tests.lms.sample_plugins:bad_url",
    "bad_permission": "tests.lms.sample_plugins:bad_permission",
    "bad_cli": "tests.lms.sample_plugins:bad_cli",
    "bad_table": "tests.lms.sample_plugins:bad_table",
    "misnamed": "tests.lms.sample_plugins:misnamed",
    "not_a_plugin": "tests.lms.sample_plugins:not_a_plugin",
    "broken": "tests.lms.sample_broken_plugin:plugin",
    "missing_module": "tests.lms.no_such_module:plugin",
}


def sample_entry_points(*names: str) -> dict[str, EntryPoint]:
    """Entry points for the named sample plugins, as if they were installed."""
    return {n: EntryPoint(name=n, value=SAMPLE_TARGETS[n], group=GROUP) for n in names}


def html_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture()
def fresh_database_url(tmp_path):
    """The URL of an empty database of the suite's kind.

    SQLite: a new file. PostgreSQL: a new schema in the test database, put
    first on the search path, dropped afterwards.
    """
    base = os.environ.get("LMS_TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    schema = f"fresh_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
