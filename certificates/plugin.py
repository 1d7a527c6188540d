"""The certificates plugin: wiring only."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.menu import MenuItem
from lms.personal_data import register_personal_data
from lms.plugins import Plugin

from .cli import cli
from .jobs import TASKS
from .permissions import CERTIFICATES_VIEW_ANY, GRANTS
from .views import bp

#: Verification lookups per client address (Flask-Limiter syntax); raise it for benchmarks.
DEFAULT_VERIFY_LIMIT = "30 per minute; 300 per hour"
#: Processes rendering PDFs in ``flask certificates issue``; None: one per CPU, 0: none
#: (render in the command's own process).
DEFAULT_RENDER_WORKERS = None


def setup(app: Flask) -> None:
    """Connect the completion receiver, add the settings' defaults, the slot's data and
    the (empty) cache of verification pages."""
    from .personal_data import PROVIDER as PERSONAL_DATA
    from .receivers import connect_receivers
    from .signing import verify_url
    from .views.learner import dashboard_data, for_course
    from .views.public import PAGES, PageCache

    app.config.setdefault("CERTIFICATES_VERIFY_LIMIT", DEFAULT_VERIFY_LIMIT)
    app.config.setdefault("CERTIFICATES_RENDER_WORKERS", DEFAULT_RENDER_WORKERS)
    connect_receivers(app)
    register_personal_data(app, PERSONAL_DATA)
    app.extensions[PAGES] = PageCache()
    app.jinja_env.globals["certificates_dashboard"] = dashboard_data
    from lms import api

    from . import api as certificates_api

    api.register(app, certificates_api.bp, owner="certificates", scopes=certificates_api.SCOPES)
    app.jinja_env.globals["certificates_for_course"] = for_course
    app.jinja_env.globals["certificates_verify_url"] = verify_url


plugin = Plugin(
    name="certificates",
    version="0.1.0",
    description="Certificates issued on completion: PDF/A-3b, signed credentials, verification.",
    requires=(),
    blueprints=[bp],
    models="certificates.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    permissions=GRANTS,
    menu=[
        MenuItem(_l("My certificates"), "certificates.my", signed_in=True, order=25),
        MenuItem(
            _l("Certificates"), "certificates.manage", permission=CERTIFICATES_VIEW_ANY, order=35
        ),
    ],
    slots={
        "dashboard": ["certificates/_dashboard.html"],
        "admin": ["certificates/_admin.html"],
        "course_completed": ["certificates/_completion.html"],
    },
    cli=cli,
    setup=setup,
    tasks=TASKS,
)
