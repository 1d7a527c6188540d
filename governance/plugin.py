"""The governance plugin: wiring only."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.menu import MenuItem
from lms.personal_data import register_personal_data
from lms.plugins import Plugin, provide_curriculum_authority, register_decision_kind

from .cli import cli
from .notices import KINDS as NOTIFICATION_KINDS
from .permissions import GRANTS
from .views import bp


def setup(app: Flask) -> None:
    """Offer decision kinds, declare personal data, take charge of curriculum changes."""
    from .curriculum import RulebookAuthority
    from .kinds import KINDS
    from .personal_data import DEFAULT_REGISTER_YEARS
    from .personal_data import PROVIDER as PERSONAL_DATA

    for kind in KINDS:
        register_decision_kind(app, kind, owner="governance")
    provide_curriculum_authority(app, RulebookAuthority(), owner="governance")
    app.config.setdefault("GOVERNANCE_REGISTER_RETENTION_YEARS", DEFAULT_REGISTER_YEARS)
    register_personal_data(app, PERSONAL_DATA)
    from . import notices

    notices.setup(app)
    from lms import api

    from . import api as governance_api

    api.register(app, governance_api.bp, owner="governance", scopes=governance_api.SCOPES)
    app.jinja_env.globals["governance_dashboard"] = _dashboard


def _dashboard() -> dict:
    """The dashboard slot's data (a template global): the member's ballots and proposals, and
    the secretary's to-do count."""
    from flask_login import current_user

    from lms.permissions import has_permission

    from .notices import member_dashboard
    from .permissions import GOVERNANCE_MEMBERSHIP_MANAGE

    data = member_dashboard(current_user.id)
    data["todo"] = None
    if has_permission(current_user, GOVERNANCE_MEMBERSHIP_MANAGE):
        from .secretary import todos

        data["todo"] = todos(current_user.id).count
    return data


def seed(app: Flask, demo: bool) -> None:
    """Store the default rulebook as version 1 (idempotent)."""
    from .membership import ensure_default_rulebook

    ensure_default_rulebook()


plugin = Plugin(
    name="governance",
    version="0.1.0",
    description="The Centre as a co-op: member register, proposals, ballots and decisions.",
    blueprints=[bp],
    menu=[MenuItem(_l("Our co-op"), "governance.index", order=40)],
    models="governance.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    permissions=GRANTS,
    cli=cli,
    setup=setup,
    seed=seed,
    notification_kinds=NOTIFICATION_KINDS,
    slots={"dashboard": ["governance/_dashboard.html"]},
)
