"""Signals, contracts, plugin isolation, database settings, permissions and locales."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import inspect
from pathlib import Path

import pytest
from blinker import Signal
from sqlalchemy import select, text

from lms import contracts, signals
from lms.accounts.models import User
from lms.db import NAMING_CONVENTION, UTCDateTime
from lms.permissions import PermissionRegistry, has_permission

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_PACKAGES = ("courses", "certificates", "governance")
ARCHITECTURE_SIGNALS = {
    "user_registered",
    "enrolment_created",
    "lesson_completed",
    "course_completed",
    "certificate_issued",
    "certificate_revoked",
    "decision_made",
    "decision_enacted",
}


def test_every_signal_is_documented():
    tree = ast.parse(inspect.getsource(signals))
    documented = {}
    body = tree.body
    for statement, following in zip(body, body[1:], strict=False):
        if (
            isinstance(statement, ast.Assign)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
        ):
            documented[statement.targets[0].id] = following.value.value
    defined = {n for n, v in vars(signals).items() if isinstance(v, Signal)}
    assert defined >= ARCHITECTURE_SIGNALS
    for name in defined:
        assert "kwargs" in documented.get(name, ""), f"signal {name} lacks its documented kwargs"


def test_contracts_are_documented_plain_data():
    for name, obj in vars(contracts).items():
        if inspect.isclass(obj) and obj.__module__ == contracts.__name__:
            assert obj.__doc__, f"contracts.{name} has no docstring"
            if dataclasses.is_dataclass(obj):
                assert obj.__dataclass_params__.frozen, f"contracts.{name} must be frozen"
    assert getattr(contracts.DecisionKind, "_is_runtime_protocol", False)


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", PLUGIN_PACKAGES)
def test_plugins_never_import_each_other(package):
    others = set(PLUGIN_PACKAGES) - {package}
    for path in (ROOT / package).rglob("*.py"):
        wrong = _imported_packages(path) & others
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_core_imports_no_plugin():
    for path in (ROOT / "lms").rglob("*.py"):
        assert not _imported_packages(path) & set(PLUGIN_PACKAGES), path


def test_database_settings(app, db):
    engine = db.engine
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        else:
            assert engine.dialect.name == "postgresql"
            assert engine.dialect.driver == "psycopg"
    names = {c.name for c in db.metadata.tables["lms_user"].constraints}
    assert {"pk_lms_user", "uq_lms_user_email", "ck_lms_user_email_lower_case"} <= names
    for key in NAMING_CONVENTION:
        assert db.metadata.naming_convention[key] == NAMING_CONVENTION[key]


def test_timestamps_are_aware_utc(app, db, make_user):
    user = make_user()
    db.session.expire_all()
    created = db.session.scalar(select(User.created_dt).where(User.id == user.id))
    assert created.tzinfo is not None
    assert created.utcoffset() == dt.timedelta(0)
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(dt.datetime(2024, 1, 1), db.engine.dialect)


def test_integrity_lives_in_the_database(app, db, make_user):
    from sqlalchemy.exc import IntegrityError

    make_user(email="unique@example.org")
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO lms_user (email, display_name, is_active_account, session_token,"
                " created_dt) VALUES ('UPPER@example.org', 'x', true, 't', CURRENT_TIMESTAMP)"
            )
        )
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO lms_user_role (user_id, role, granted_dt)"
                " VALUES (999999, 'learner', CURRENT_TIMESTAMP)"
            )
        )


def test_permission_registry_rules():
    registry = PermissionRegistry()
    registry.add({"lms:thing:view": ["tutor"]}, owner="lms")
    assert registry.allows({"tutor"}, "lms:thing:view")
    assert not registry.allows({"learner"}, "lms:thing:view")
    assert registry.allows({"admin"}, "lms:thing:view")  # admin holds every permission
    with pytest.raises(KeyError):
        registry.allows({"admin"}, "lms:thing:unknown")
    for bad in ("lms:thing", "lms::view", "other:thing:view"):
        with pytest.raises(ValueError, match="must be named"):
            registry.add({bad: ["tutor"]}, owner="lms")
    with pytest.raises(ValueError, match="declared twice"):
        registry.add({"lms:thing:view": ["tutor"]}, owner="lms")
    with pytest.raises(ValueError, match="unknown roles"):
        registry.add({"lms:thing:edit": ["emperor"]}, owner="lms")


def test_anonymous_holds_no_permission(app):
    from flask_login import AnonymousUserMixin

    assert not has_permission(AnonymousUserMixin(), "lms:admin:access")


def test_locale_from_user_choice_else_browser(db, make_app, make_user, login,
                                             pseudo_translations):
    two = make_app({"LMS_LANGUAGES": "en,de",
                    "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("de")})
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    client = two.test_client()
    assert '<html lang="de" dir="ltr">' in client.get("/", headers=german).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in client.get("/").get_data(as_text=True)
    user = make_user()
    user.locale = "en"
    db.session.commit()
    chosen = login(user, two.test_client())
    assert '<html lang="en" dir="ltr">' in chosen.get("/", headers=german).get_data(as_text=True)


def test_own_stylesheet_no_cdn(client):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/static/lms.css' in html
    assert "://" not in "".join(part.split('"')[0] for part in html.split('src="')[1:])
    css = client.get("/static/lms.css").get_data(as_text=True)
    assert ":focus-visible" in css  # visible focus
    assert "@media" in css  # adapts to small screens
    assert "@import" not in css and "http" not in css
