"""Wiring of the core's personal data: its declarations, the export task, pages, commands."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from .registry import register_personal_data


def init_app(app: Flask) -> None:
    """Register the core's declarations (first, so the core exports first and erases last),
    the export task, the pages and the ``flask lms retention`` / ``privacy`` commands."""
    from ..cli import lms_cli
    from ..jobs import Task, register_task
    from .cli import privacy_cli, retention_cli
    from .core import PROVIDER
    from .operations import EXPORT_TASK, prepare_export
    from .views import bp

    register_personal_data(app, PROVIDER)
    register_task(app, Task(EXPORT_TASK, prepare_export, retries=3,
                            label=_l("Prepare a download of someone's data")), owner="lms")
    app.register_blueprint(bp)
    lms_cli.add_command(retention_cli)
    lms_cli.add_command(privacy_cli)
