"""The core's own pages: the home page and dashboard."""

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from .menu import MenuItem
from .permissions import LMS_ADMIN_ACCESS, public

bp = Blueprint("lms", __name__)

CORE_MENU = [
    MenuItem(_l("Home"), "lms.home", order=0),
    MenuItem(_l("Admin"), "admin.index", permission=LMS_ADMIN_ACCESS, order=900),
]


@bp.route("/")
@public
def home():
    """The home page; signed-in people see their dashboard, built from plugin slots."""
    return render_template("lms/home.html")
