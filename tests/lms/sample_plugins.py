"""Small plugins the loader tests install through hand-made entry points.

Each object here is what an ``lms.plugins`` entry point would point at. The
good ones (``alpha``, ``beta``, ``gamma``) contribute a blueprint, a
permission, a menu item, a slot template, a CLI group and a signal receiver;
the others each break one naming rule.
"""

from __future__ import annotations

import click
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from lms import signals
from lms.menu import MenuItem
from lms.permissions import public, require
from lms.plugins import Plugin, connect

#: ``(app, user id)`` for every ``user_registered`` that alpha heard.
HEARD: list[tuple[object, int]] = []

alpha_bp = Blueprint("alpha", __name__, url_prefix="/alpha", template_folder="sample_templates")


@alpha_bp.route("/")
@public
def alpha_index():
    return "alpha index"


@alpha_bp.route("/secret")
@require("alpha:secret:view")
def alpha_secret():
    return "alpha secret"


alpha_cli = click.Group("alpha", help="Alpha's commands.")


@alpha_cli.command("hello")
def alpha_hello():
    click.echo("hello from alpha")


def _alpha_setup(app):
    def heard(sender, user_id, **kwargs):
        HEARD.append((sender, user_id))

    connect(app, signals.user_registered, heard)


alpha = Plugin(
    name="alpha",
    version="1.2.3",
    blueprints=[alpha_bp],
    permissions={"alpha:secret:view": ["tutor"]},
    menu=[MenuItem(_l("Alpha"), "alpha.alpha_index", order=50)],
    slots={"home": ["alpha/home_slot.html"]},
    cli=alpha_cli,
    setup=_alpha_setup,
)

beta_bp = Blueprint("beta", __name__, url_prefix="/beta")


@beta_bp.route("/")
@public
def beta_index():
    return "beta index"


def make_beta() -> Plugin:
    """Entry points may also point at a factory returning the plugin."""
    return Plugin(name="beta", version="0.9", requires=["alpha"], blueprints=[beta_bp])


gamma = Plugin(name="gamma", version="2.0", menu=[MenuItem(_l("Home again"), "lms.home")])

needs_ghost = Plugin(name="needs_ghost", requires=["ghost"])
cycle_one = Plugin(name="cycle_one", requires=["cycle_two"])
cycle_two = Plugin(name="cycle_two", requires=["cycle_one"])

bad_blueprint = Plugin(name="bad_blueprint", blueprints=[Blueprint("elsewhere", __name__)])
bad_url = Plugin(
    name="bad_url", blueprints=[Blueprint("bad_url", __name__, url_prefix="/somewhere")]
)
bad_permission = Plugin(name="bad_permission", permissions={"courses:course:edit": ["tutor"]})
bad_cli = Plugin(name="bad_cli", cli=click.Group("other"))
bad_table = Plugin(name="bad_table", models="tests.lms.sample_bad_models")
misnamed = Plugin(name="somebody_else")
not_a_plugin = object()
