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


@bp.app_template_global("admin_todos")
def admin_todos() -> dict | None:
    """For admins' dashboards: failed background jobs and mail the server refused.

    ``None`` for everyone else (no query). Counted up to a cap, from the partial
    indexes of unfinished jobs; two queries.
    """
    from flask_login import current_user
    from sqlalchemy import select

    from .jobs import FAILED, Job
    from .mail import FAILED as MAIL_FAILED
    from .mail import OutboxMessage
    from .paging import capped_count
    from .permissions import has_permission

    if not has_permission(current_user, LMS_ADMIN_ACCESS):
        return None
    return {
        "failed_jobs": capped_count(select(Job.id).where(Job.state == FAILED), 99),
        "failed_mail": capped_count(
            select(OutboxMessage.id).where(OutboxMessage.status == MAIL_FAILED), 99
        ),
    }


@bp.route("/")
@public
def home():
    """The home page; signed-in people see their dashboard, built from plugin slots."""
    return render_template("lms/home.html")
