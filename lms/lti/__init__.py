"""LTI 1.3: the Centre as a tool that learning platforms launch (see docs/lti.md).

Plugins offer what a platform's teacher may link to (Deep Linking) with
:func:`provide_link_targets`; the courses plugin offers its published courses.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app


def init_app(app: Flask) -> None:
    from . import grades, models, roster_views  # noqa: F401  (tables, routes)
    from .admin_views import admin_bp
    from .views import bp

    grades.init_app(app)
    app.extensions["lms_lti_targets"] = []
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)


def provide_link_targets(app: Flask, provider: Callable[[], list[tuple[str, str]]]) -> None:
    """Offer ``provider() -> [(title, site path), ...]`` to the Deep Linking picker."""
    app.extensions["lms_lti_targets"].append(provider)


def link_targets() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for provider in current_app.extensions.get("lms_lti_targets", []):
        found.extend(provider())
    return found
