"""Commands on a database that is not set up, or behind the code: one clear line, nothing changed.

The guard lives in the core (``lms.cli_group``); the plugins' commands below
reach it only because the plugin loader adds their groups to ``app.cli``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, inspect, text

from lms import cli as lms_cli
from lms.cli_group import BEHIND, NOT_SET_UP

from .test_cli import invoke

NOT_SET_UP_LINE = f"Error: {NOT_SET_UP}"

#: Commands that read the database first thing: the core's and each plugin's.
READING = [
    ("courses", "readability", "what-is-a-co-operative"),
    ("courses", "list"),
    ("governance", "close-due"),
    ("certificates", "render"),
    ("lms", "audit", "verify"),
]


def tables(url: str) -> list[str]:
    """The database's table names, sorted: PostgreSQL lists them in no set order."""
    engine = create_engine(url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("args", READING, ids=" ".join)
def test_reading_command_on_an_empty_database_says_to_set_it_up(args, fresh_database_url, make_app):
    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    result = invoke(app, *args)
    assert result.exit_code == 1, result.output
    # click printed it and exited: no exception escaped, so no traceback.
    assert isinstance(result.exception, SystemExit)
    assert result.stderr == NOT_SET_UP_LINE + "\n"
    assert result.stdout == ""
    assert tables(fresh_database_url) == []


def test_the_flask_command_itself_prints_one_line(fresh_database_url, tmp_path):
    """``flask --app wsgi ...`` finds commands through ``app.cli`` differently from the
    test runner (Flask's own group asks for them); this is the path a newcomer takes."""
    env = {
        **os.environ,
        "LMS_ENV": "development",
        "LMS_DATABASE_URL": fresh_database_url,
        "LMS_INSTANCE_PATH": str(tmp_path),
        "LMS_PLUGINS": "",
    }
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [str(flask), "--app", "wsgi", "courses", "readability", "what-is-a-co-operative"],
        env=env,
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr == NOT_SET_UP_LINE + "\n"
    assert result.stdout == ""
    assert tables(fresh_database_url) == []


def test_init_sets_up_the_database_the_refused_command_then_works(fresh_database_url, make_app):
    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    refused = invoke(app, "courses", "list")
    assert refused.exit_code == 1
    init = invoke(app, "lms", "init")
    assert init.exit_code == 0, init.output
    assert init.output.rstrip().endswith("database ready")
    listed = invoke(app, "courses", "list")
    assert listed.exit_code == 0, listed.output
    assert "what-is-a-co-operative" in listed.output
    # On a database that is set up, a missing table is a fault of its own: its error
    # is not dressed up as "not set up".
    engine = create_engine(fresh_database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE lms_audit_event"))
    engine.dispose()
    broken = invoke(app, "lms", "audit", "verify")
    assert broken.exit_code == 1
    assert not isinstance(broken.exception, SystemExit)
    assert "lms_audit_event" in str(broken.exception)
    assert NOT_SET_UP not in broken.output


def test_database_behind_the_code_says_to_migrate(fresh_database_url, make_app):
    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    with app.app_context():
        flask_migrate.upgrade(revision="lms@head")  # the core's branch only
    core_tables = tables(fresh_database_url)
    result = invoke(app, "courses", "list")
    assert result.exit_code == 1, result.output
    assert result.stderr == f"Error: {BEHIND}\n"
    assert tables(fresh_database_url) == core_tables
    # The core's own commands work on the core's tables meanwhile.
    assert invoke(app, "lms", "audit", "verify").exit_code == 0


def test_init_keeps_its_own_errors(fresh_database_url, make_app, monkeypatch):
    """``lms init`` creates the schema: a missing table there is a broken migration, and
    "run lms init" would be no answer to it."""

    def broken_upgrade(revision):
        from lms.db import db

        db.session.execute(text("SELECT * FROM lms_no_such_table"))

    monkeypatch.setattr(lms_cli, "upgrade", broken_upgrade)
    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    result = invoke(app, "lms", "init")
    assert result.exit_code == 1
    assert "lms_no_such_table" in str(result.exception)
    assert NOT_SET_UP not in result.output


def test_commands_without_the_database_work_on_an_empty_one(fresh_database_url, make_app):
    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    result = invoke(app, "lms", "plugins")
    assert result.exit_code == 0, result.output
    assert "courses" in result.output
