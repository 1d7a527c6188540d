"""The registry of personal data: every table and column declared; the contract enforced."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table

from lms.db import db
from lms.personal_data import (
    PersonalDataError,
    PersonalDataProvider,
    TableDeclaration,
    coverage_problems,
    declarations,
    not_personal,
    providers,
    register_personal_data,
)


def test_every_column_of_every_table_is_declared(app):
    """Fails when a model gains a table or column no declaration covers (add it to the
    package's ``personal_data.py``), or a declaration names one that is gone."""
    assert coverage_problems(app) == []


def test_core_and_every_plugin_declare(app):
    owners = [p.owner for p in providers(app)]
    assert owners[0] == "lms"
    assert set(owners) == {"lms", *app.extensions["lms"].plugins}


def test_a_new_column_is_caught(app):
    table = db.metadata.tables["lms_user"]
    column = Column("shoe_size", Integer)
    table.append_column(column)
    try:
        assert coverage_problems(app) == [
            "column lms_user.shoe_size is not declared (personal or other)"
        ]
    finally:
        table._columns.remove(column)
    assert coverage_problems(app) == []


def test_a_new_table_is_caught_and_a_stale_declaration_too(app):
    table = Table("courses_wishlist", db.metadata, Column("id", Integer, primary_key=True),
                  Column("user_id", Integer), Column("wish", String(50)))
    try:
        assert coverage_problems(app) == ["table courses_wishlist has no personal data declaration"]
    finally:
        db.metadata.remove(table)
    # A declaration naming a column the table lacks is reported as well.
    state = app.extensions["lms"].personal_data
    original = state["courses"]
    wrong = [d if d.table != "courses_module" else not_personal(
        "courses_module", *d.other, "colour") for d in original.tables]
    state["courses"] = PersonalDataProvider(owner="courses", tables=wrong)
    try:
        assert coverage_problems(app) == [
            "declaration of courses_module names colour, which the table lacks"
        ]
    finally:
        state["courses"] = original


def test_tables_of_other_apps_plugins_are_not_this_apps(app):
    # A test plugin's table in the shared metadata is not a table of this app.
    table = Table("library_list", db.metadata, Column("id", Integer, primary_key=True))
    try:
        assert coverage_problems(app) == []
    finally:
        db.metadata.remove(table)


def test_a_package_declares_only_its_own_tables_once(app):
    with pytest.raises(PersonalDataError, match="another package's table"):
        register_personal_data(app, PersonalDataProvider(
            owner="library", tables=[not_personal("courses_course", "id")]))
    with pytest.raises(PersonalDataError, match="twice"):
        register_personal_data(app, PersonalDataProvider(
            owner="library", tables=[not_personal("library_a", "id"),
                                     not_personal("library_a", "id")]))
    with pytest.raises(PersonalDataError, match="registered its personal data twice"):
        register_personal_data(app, PersonalDataProvider(owner="courses", tables=[]))


def test_a_declaration_is_checked_when_made():
    with pytest.raises(ValueError, match="lawful basis"):
        TableDeclaration("x_t", "X", lawful_basis="because")
    with pytest.raises(ValueError, match="declared twice"):
        TableDeclaration("x_t", "X", personal=("a",), other=("a",))


def test_personal_tables_say_why_and_how_long(app):
    for declaration in declarations(app).values():
        if declaration.holds_personal_data:
            assert str(declaration.purpose) and str(declaration.retention), declaration.table
            assert declaration.personal, declaration.table


def test_metadata_walk_sees_every_model(app):
    # The check reads SQLAlchemy's metadata, which every model (core and plugins) joins.
    names = set(db.metadata.tables)
    assert {"lms_user", "courses_quiz_attempt", "certificates_certificate",
            "governance_vote"} <= names
    assert isinstance(db.metadata, MetaData)
