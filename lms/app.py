"""The application factory. It only wires: no queries, no migrations, no network."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import directread, jobs
from . import plugins as plugin_loader
from .cli_group import LmsGroup
from .config import load_config
from .db import db
from .extensions import babel, csrf, limiter, login_manager, migrate
from .jinja_env import LmsEnvironment
from .menu import MenuItem
from .permissions import CORE_GRANTS, PermissionRegistry
from .routing import register_converters
from .security import (
    CookieSessionInterface,
    guard_csrf_hook,
    guard_rate_limit_hooks,
    guard_remember_cookie_hook,
)

CORE_MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class LmsState:
    """What the core and the loaded plugins registered, kept in ``app.extensions['lms']``."""

    permissions: PermissionRegistry = field(default_factory=PermissionRegistry)
    plugins: dict[str, plugin_loader.Plugin] = field(default_factory=dict)
    menu: list[MenuItem] = field(default_factory=list)
    slots: dict[str, list[str]] = field(default_factory=dict)
    migration_dirs: list[str] = field(default_factory=list)
    decision_kinds: dict[str, Any] = field(default_factory=dict)
    #: The :class:`lms.contracts.CohortDirectory` a plugin provides (courses), if any.
    cohort_directory: Any = None
    #: The :class:`lms.contracts.CurriculumAuthority` a plugin provides (governance), if any.
    curriculum_authority: Any = None
    #: Notification kinds by key (:class:`lms.contracts.NotificationKind`), core's and plugins'.
    notification_kinds: dict[str, Any] = field(default_factory=dict)
    #: Personal data providers by package (:mod:`lms.personal_data`), the core first.
    personal_data: dict[str, Any] = field(default_factory=dict)
    #: The :class:`lms.contracts.EnrolmentRules` a plugin provides (courses), if any.
    enrolment_rules: Any = None
    #: The :class:`lms.contracts.CohortSeating` a plugin provides (courses), if any.
    cohort_seating: Any = None


def create_app(config: Mapping[str, Any] | None = None, *, plugins=None) -> Flask:
    """Create the platform's Flask application.

    :param config: settings applied after defaults, the instance file and the
        environment (used by tests and embedding code).
    :param plugins: entry points to choose plugins from, by name; default: the
        installed ``lms.plugins`` entry points.
    """
    app = Flask("lms", instance_path=os.environ.get("LMS_INSTANCE_PATH") or None)
    app.jinja_environment = LmsEnvironment  # before anything creates ``app.jinja_env``
    # Before any command is added: every one of them, the plugins' too, is found through it.
    app.cli = LmsGroup(app.name)
    load_config(app, config)
    register_converters(app)  # before any blueprint: their rules take the converters then
    _init_extensions(app)
    _register_core(app)
    plugin_loader.load_plugins(app, plugins)
    _init_templating(app)
    _init_observability(app)
    return app


def _init_extensions(app: Flask) -> None:
    from .accounts.auth import init_login

    if app.config["LMS_TRUSTED_PROXIES"]:
        n = app.config["LMS_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    app.session_interface = CookieSessionInterface()
    app.extensions["lms"] = state = LmsState()
    state.permissions.add(dict(CORE_GRANTS), owner="lms")
    state.migration_dirs.append(str(CORE_MIGRATIONS / "versions"))
    db.init_app(app)
    directread.init_app(app)
    jobs.init_app(app)
    migrate.init_app(app, db, directory=str(CORE_MIGRATIONS))
    csrf.init_app(app)
    guard_csrf_hook(app)
    limiter.init_app(app)
    guard_rate_limit_hooks(app, limiter)
    init_login(app, login_manager)
    guard_remember_cookie_hook(app, login_manager)
    from .i18n import escape_lazy_strings, select_locale, select_time_zone

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_time_zone)
    escape_lazy_strings()


def _register_core(app: Flask) -> None:
    from . import (
        api,
        cli,
        errors,
        health,
        input_guard,
        lti,
        mail,
        metrics,
        notifications,
        security,
        views,
        xapi,
    )
    from .accounts.views import bp as accounts_bp
    from .admin.views import bp as admin_bp
    from .jobs import views as job_views
    from .personal_data.setup import init_app as personal_data_init

    app.register_blueprint(views.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    metrics.init_app(app)
    app.register_blueprint(job_views.bp)
    app.register_blueprint(job_views.admin_bp)
    api.init_app(app)
    xapi.init_app(app)
    lti.init_app(app)
    mail.register_tasks(app)
    notifications.init_app(app)
    personal_data_init(app)
    app.extensions["lms"].menu.extend(views.CORE_MENU)
    errors.register(app)
    input_guard.init_app(app)
    security.register(app)
    app.cli.add_command(cli.lms_cli)


def _init_observability(app: Flask) -> None:
    # Last, so that the request id and the timing wrap everything else.
    from . import observability

    observability.init_app(app)


def _init_templating(app: Flask) -> None:
    from .templating import register

    register(app)
