"""Alembic environment: one environment, one branch per package.

The revision folders are the core's and each loaded plugin's (see
``lms.extensions._version_locations``). Autogenerate only looks at tables of
loaded packages, so a plugin's revision never picks up another's tables.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
prefixes = ("lms_", *(f"{name}_" for name in current_app.extensions["lms"].plugins))


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        return name.startswith(prefixes) or name == "alembic_version"
    # An index declared for one dialect only (``.ddl_if(dialect=...)``, e.g. a pg_trgm
    # index) is compared on that dialect only.
    ddl_if = getattr(compare_to if reflected else obj, "_ddl_if", None)
    return ddl_if is None or ddl_if.dialect in (None, db.engine.dialect.name)


def process_revision_directives(ctx, revision, directives):
    # Do not write an empty revision when autogenerate finds nothing.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_online():
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a SQLite table: it copies it and drops the old one,
            # and with foreign keys on that DROP deletes every row referencing the
            # table (ON DELETE CASCADE: progress, questions, a group's members...).
            # Off while migrating (only outside a transaction, so on the driver's
            # connection before anything begins), checked before the commit, and on
            # again before the connection goes back to the pool.
            driver = connection.connection.dbapi_connection
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=db.metadata,
                include_object=include_object,
                process_revision_directives=process_revision_directives,
                render_as_batch=sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection):
    """Refuse to commit a migration that left a row pointing at nothing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise RuntimeError(
            f"the migration left {len(broken)} rows referencing missing rows in"
            f" {', '.join(tables)}; nothing was changed"
        )


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run them against a database")
run_migrations_online()
