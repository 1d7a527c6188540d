"""The registry of personal data: providers by package, and the check that they cover
every table."""

from __future__ import annotations

from flask import Flask

from ..db import db
from .contract import PersonalDataProvider, TableDeclaration


class PersonalDataError(RuntimeError):
    """A provider breaks the contract (a foreign table, a table declared twice)."""


def register_personal_data(app: Flask, provider: PersonalDataProvider) -> None:
    """Add a package's declarations and hooks (a plugin calls this from its ``setup``).

    :raises PersonalDataError: the provider declares a table of another
        package, declares one table twice, or its package already registered.
    """
    state = app.extensions["lms"]
    owner = provider.owner
    if owner in state.personal_data:
        raise PersonalDataError(f"{owner!r} registered its personal data twice")
    seen: set[str] = set()
    for declaration in provider.tables:
        if not declaration.table.startswith(f"{owner}_"):
            raise PersonalDataError(f"{owner!r} cannot declare another package's table "
                                    f"{declaration.table!r}")
        if declaration.table in seen:
            raise PersonalDataError(f"{owner!r} declares {declaration.table!r} twice")
        seen.add(declaration.table)
    state.personal_data[owner] = provider


def providers(app: Flask) -> list[PersonalDataProvider]:
    """Every registered provider: the core first, then plugins in load order."""
    return list(app.extensions["lms"].personal_data.values())


def declarations(app: Flask) -> dict[str, TableDeclaration]:
    """Every declared table by name."""
    return {d.table: d for p in providers(app) for d in p.tables}


def loaded_tables(app: Flask) -> dict:
    """The tables of the core and of the loaded plugins (tables of test plugins loaded
    by other apps in the same process are not this app's)."""
    prefixes = tuple(f"{name}_" for name in ("lms", *app.extensions["lms"].plugins))
    return {name: t for name, t in db.metadata.tables.items() if name.startswith(prefixes)}


def coverage_problems(app: Flask) -> list[str]:
    """What the declarations miss or name wrongly, one sentence each (empty: all covered).

    Every table of a loaded package must be declared, and every one of its
    columns named exactly once as personal or not; a declaration must not
    name a table or a column that does not exist.
    """
    declared = declarations(app)
    tables = loaded_tables(app)
    problems = []
    for name, table in sorted(tables.items()):
        declaration = declared.get(name)
        if declaration is None:
            problems.append(f"table {name} has no personal data declaration")
            continue
        columns = {c.name for c in table.columns}
        for column in sorted(columns - declaration.columns):
            problems.append(f"column {name}.{column} is not declared (personal or other)")
        for column in sorted(declaration.columns - columns):
            problems.append(f"declaration of {name} names {column}, which the table lacks")
    for name in sorted(set(declared) - set(tables)):
        problems.append(f"declaration of {name}: no such table")
    return problems
