"""Every migration runs from an empty database and matches the models."""

from __future__ import annotations

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from lms.db import db as _db


def _ours(app):
    prefixes = ("lms_", *(f"{name}_" for name in app.extensions["lms"].plugins))

    def include_object(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return name.startswith(prefixes)
        return for_this_dialect(obj if not reflected else compare_to)

    return prefixes, include_object


def for_this_dialect(obj) -> bool:
    """An index declared for one dialect only (``.ddl_if(dialect=...)``) is compared there."""
    ddl_if = getattr(obj, "_ddl_if", None)
    if ddl_if is None or ddl_if.dialect is None:
        return True
    return ddl_if.dialect == _db.engine.dialect.name


def test_migrations_from_empty_match_the_models(fresh_database_url, make_app):
    # Every installed plugin, as in production.
    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    prefixes, include_object = _ours(app)
    with app.app_context():
        engine = _db.engine
        assert inspect(engine).get_table_names() == []
        flask_migrate.upgrade(revision="heads")
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            differences = compare_metadata(context, _db.metadata)
        expected = {t for t in _db.metadata.tables if t.startswith(prefixes)}
        _db.session.remove()
    assert differences == []
    assert {"lms_user", "lms_user_role", "lms_audit_event", "alembic_version"} <= tables
    assert expected <= tables


def test_each_package_has_its_own_branch(make_app):
    from alembic.script import ScriptDirectory

    app = make_app()
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        script = ScriptDirectory.from_config(config)
        bases = {
            rev.revision: rev.branch_labels for rev in map(script.get_revision, script.get_bases())
        }
    labels = set().union(*bases.values())
    assert "lms" in labels
    for name in app.extensions["lms"].plugins:
        plugin = app.extensions["lms"].plugins[name]
        if plugin.migrations is not None:
            assert name in labels, f"plugin {name!r} has no Alembic branch labelled {name!r}"
