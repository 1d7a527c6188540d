"""The moderators' discussion pages: locking and pinning, reports, hiding, the reports queue.

Routes of the ``courses_discuss`` blueprint (:mod:`.views`, which imports this module
so they are registered with it). Every page first opens the space through
:func:`.access.open_space` (404 outside it); moderating needs the space's
moderators (403 for its other readers), and nobody moderates or reports their own post.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from lms.accounts.models import User
from lms.db import db
from lms.permissions import login_required, require

from ..forms import action_is_valid
from ..models import Course
from ..permissions import COURSES_DISCUSSION_MODERATE
from . import operations as ops
from .access import moderated_threads
from .forms import ReasonForm
from .models import DiscussionPost, DiscussionReport, DiscussionThread
from .views import _post_in_space, _thread_and_space, _thread_url, bp


@bp.route("/thread/<int:thread_id>/moderate", methods=["POST"])
@login_required
def moderate_thread(thread_id: int):
    """Lock, unlock, pin or unpin a thread (the space's moderators)."""
    found, space = _thread_and_space(thread_id)
    if not space.moderates:
        abort(403)
    if not action_is_valid():
        abort(400)
    what = request.form.get("do", "")
    changes = {
        "lock": {"locked": True}, "unlock": {"locked": False},
        "pin": {"pinned": True}, "unpin": {"pinned": False},
    }.get(what)
    if changes is None:
        abort(400)
    ops.set_flags(found, **changes)
    db.session.commit()
    flash(_("The thread is changed."), "success")
    return redirect(_thread_url(found), 303)


def _reason_page(template, post, found, space, form, status=200):
    return render_template(
        template, post=post, thread=found, course=space.course, form=form
    ), status


@bp.route("/post/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def report(post_id: int):
    """Anyone who can read a post reports it to the moderators, with a reason."""
    post, found, space = _post_in_space(post_id)
    if post.author_id == current_user.id:
        abort(403)
    if post.deleted_dt is not None:
        # A page opened before its author deleted it: nothing is left to report.
        flash(_("Its author deleted this post."), "error")
        return redirect(_thread_url(found, post.number), 303)
    form = ReasonForm()
    if request.method == "POST" and form.validate():
        created = ops.report(post, current_user, form.reason.data.strip())
        db.session.commit()
        flash(_("Thank you. The moderators will look at this post.") if created
              else _("You had reported this post already."), "success")
        return redirect(_thread_url(found, post.number), 303)
    return _reason_page("courses/discuss/report.html", post, found, space, form,
                        400 if form.errors else 200)


@bp.route("/post/<int:post_id>/hide", methods=["GET", "POST"])
@login_required
def hide(post_id: int):
    """A moderator hides a post with a reason (the author is told) or shows it again."""
    post, found, space = _post_in_space(post_id)
    if not space.moderates or post.author_id == current_user.id:
        abort(403)
    form = ReasonForm()
    if request.method == "POST" and request.form.get("do") == "show":
        if not action_is_valid():
            abort(400)
        try:
            ops.unhide(post, current_user)
        except ops.DiscussionError as exc:
            # Not hidden (shown again from another moderator's page): nothing to write.
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(_thread_url(found, post.number), 303)
        db.session.commit()
        flash(_("The post is shown again."), "success")
        return redirect(_thread_url(found, post.number), 303)
    if post.deleted_dt is not None or post.hidden_dt is not None:
        # A page opened before its author deleted it, or another moderator hid it: hiding
        # it again would tell its author of a post that is gone, or twice.
        flash(_("Its author deleted this post.") if post.deleted_dt is not None
              else _("This post is hidden already."), "error")
        return redirect(_thread_url(found, post.number), 303)
    if request.method == "POST" and form.validate():
        ops.hide(post, found, current_user, form.reason.data.strip())
        db.session.commit()
        flash(_("The post is hidden and its author told why."), "success")
        return redirect(_thread_url(found, post.number), 303)
    return _reason_page("courses/discuss/hide.html", post, found, space, form,
                        400 if form.errors else 200)


# -- the moderators' queue ------------------------------------------------------------------


@bp.route("/reports")
@require(COURSES_DISCUSSION_MODERATE)
def reports():
    """Open reports on posts in the spaces the user moderates, oldest first."""
    reporter = User.__table__.alias("reporter")
    rows = db.session.execute(
        select(
            DiscussionReport, DiscussionPost, DiscussionThread.title, Course.title,
            reporter.c.display_name,
        )
        .join(DiscussionPost, DiscussionPost.id == DiscussionReport.post_id)
        .join(DiscussionThread, DiscussionThread.id == DiscussionPost.thread_id)
        .join(Course, Course.id == DiscussionThread.course_id)
        .join(reporter, reporter.c.id == DiscussionReport.reporter_id)
        .where(
            DiscussionReport.resolved_dt.is_(None),
            moderated_threads(),
            # Nobody moderates their own post: reports on it are for the other moderators
            # (and who reported it is not for its author to learn).
            or_(DiscussionPost.author_id.is_(None), DiscussionPost.author_id != current_user.id),
        )
        .order_by(DiscussionReport.created_dt, DiscussionReport.id)
        .limit(200)
    ).all()
    return render_template("courses/discuss/reports.html", rows=rows)


@bp.route("/reports/<int:report_id>/resolve", methods=["POST"])
@require(COURSES_DISCUSSION_MODERATE)
def resolve(report_id: int):
    """Close a report without hiding the post (nothing wrong with it)."""
    row = db.session.get(DiscussionReport, report_id) or abort(404)
    post, _found, space = _post_in_space(row.post_id)
    if not space.moderates or post.author_id == current_user.id:
        abort(404)
    if not action_is_valid():
        abort(400)
    ops.resolve(row, current_user)
    db.session.commit()
    flash(_("The report is closed."), "success")
    return redirect(url_for(".reports"), 303)
