"""The core's own pages: the home page and dashboard."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
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


@bp.route("/language", methods=["GET", "POST"])
@public
def choose_language():
    """The language chooser of every page: kept in the account, or in a cookie for visitors.

    Returns to the page the chooser was on. An unknown language or a stale form
    changes nothing and says so. ``GET`` shows the chooser on a page of its own, for
    the pages kept for every visitor alike, whose chooser links here (``?next=`` the
    page to return to, ``&code=`` the language picked there, focused).
    """
    from flask_login import current_user

    from .accounts.operations import set_language
    from .accounts.views import safe_next
    from .db import db
    from .forms import LanguageForm
    from .i18n import LANGUAGE_COOKIE

    if request.method == "GET":
        return render_template(
            "lms/language.html", chooser_next=safe_next(request.args.get("next")) or "/",
            chosen_code=request.args.get("code", ""), language_page=True,
        )
    form = LanguageForm(prefix="language")
    back = safe_next(form.next.data) or url_for("lms.home")
    if not form.validate_on_submit():
        flash(_("That language could not be chosen. Please try again."), "error")
        return redirect(back)
    response = redirect(back)
    if current_user.is_authenticated:
        set_language(current_user, form.code.data)
        db.session.commit()
    response.set_cookie(
        LANGUAGE_COOKIE, form.code.data, max_age=365 * 24 * 3600, httponly=True,
        samesite="Lax", secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response
