"""The application's command group (``app.cli``): a database that is not set up gets one line.

Every command of the core and of the plugins is found through ``app.cli``:
``flask`` looks each one up there, and so does Flask's test runner. The group
hands out each command so that, when it fails because a table or a column is
missing, the database is examined: if no migration was ever recorded, the
command stops with "the database is not set up" and the command to run; if
some were but not the latest, with "the database is behind the code". Any
other failure, and any failure on a database that is up to date, keeps its
own traceback. Nothing is checked before a command runs, so commands that need
no database (``lms plugins``, ``lms translations``) work on a fresh clone and
the others pay nothing when all is well. On a database that is not set up the
first statement fails, so nothing was written; either way the failed
transaction is rolled back.

Flask-Migrate's ``db`` group is a ``flask`` command, not one of ``app.cli``'s:
``db upgrade`` is never checked. ``lms init`` creates the schema, so it says so
with :func:`sets_up_database` and its errors stay its own.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import click
from alembic.script import ScriptDirectory
from flask import current_app, has_app_context
from flask.cli import AppGroup, ScriptInfo
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from .db import db

NOT_SET_UP = "the database is not set up: run `make run` or `flask --app wsgi lms init`."
BEHIND = (
    "the database is behind the code (migrations are missing): run `flask --app wsgi lms init`"
    " (it is safe to run twice) or `make run`."
)

#: Where a command that creates the schema notes it, in the context's ``meta``.
_SETS_UP = "lms.sets_up_database"
#: Error codes of a missing table (``undefined_table``) or column (``undefined_column``).
_POSTGRES_MISSING = frozenset({"42P01", "42703"})
_SQLITE_MISSING = ("no such table", "no such column", "has no column named")


class LmsGroup(AppGroup):
    """The group Flask keeps as ``app.cli``; see the module's description."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return the command, as a copy that explains a database that is not set up."""
        command = super().get_command(ctx, cmd_name)
        return None if command is None else _explaining_schema(command)


def _explaining_schema(command: click.Command) -> click.Command:
    # A copy, not the command: plugins' groups are module-level objects shared by every
    # app made in the process (the tests make many). The copy shares the subcommands.
    explaining = copy.copy(command)

    def invoke(ctx: click.Context) -> Any:
        try:
            return command.invoke(ctx)
        except DBAPIError as exc:
            problem = _schema_problem(ctx, exc)
            if problem is None:
                raise
            raise click.ClickException(problem) from exc

    explaining.invoke = invoke
    return explaining


def sets_up_database(f: Callable) -> Callable:
    """Mark a command that creates or migrates the schema: a missing table there is a
    failure of its own, which must not be reported as a database that is not set up."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        click.get_current_context().meta[_SETS_UP] = True
        return f(*args, **kwargs)

    return wrapper


def _schema_problem(ctx: click.Context, error: DBAPIError) -> str | None:
    """What to say instead of ``error``, or ``None`` to let it through."""
    if ctx.meta.get(_SETS_UP) or not _missing_table_or_column(error):
        return None
    if has_app_context():
        db.session.rollback()
        return _describe()
    # A command that pushed its own app context (``with_appcontext``) has left it by now.
    with ctx.ensure_object(ScriptInfo).load_app().app_context():
        return _describe()


def _missing_table_or_column(error: DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _POSTGRES_MISSING
    return any(words in str(error.orig) for words in _SQLITE_MISSING)


def _describe() -> str | None:
    try:
        state = schema_state()
    except SQLAlchemyError:
        # The database cannot even be examined: its own error says more than a guess.
        return None
    return {"missing": NOT_SET_UP, "behind": BEHIND}.get(state)


def schema_state() -> str:
    """Compare the database's recorded migrations with the code's, in an app context.

    :return: ``"missing"`` when no migration was ever recorded, ``"behind"`` when
        some branch has not reached its head, ``"current"`` when every one has,
        ``"unknown"`` when the database records a revision the code does not have.
    """
    # Alembic's own table, read directly: its MigrationContext would log two lines at INFO.
    with db.engine.connect() as connection:
        recorded = set()
        if inspect(connection).has_table("alembic_version"):
            recorded = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
    if not recorded:
        return "missing"
    script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    if not recorded <= {revision.revision for revision in script.walk_revisions()}:
        return "unknown"
    return "current" if recorded == set(script.get_heads()) else "behind"
