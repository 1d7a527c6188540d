"""A group's announcements: its tutors post them (on dashboards and by email) and read them.

The page looks its cohort up through :func:`~.access.cohort_or_404`, so a tutor of
another cohort gets 404.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.db import db
from lms.mail import MailError
from lms.permissions import require

from ..permissions import COURSES_COHORT_TEACH
from . import operations as ops
from .access import cohort_or_404
from .forms import AnnouncementForm
from .models import CohortAnnouncement
from .views import bp


@bp.route("/<int:cohort_id>/announcements", methods=["GET", "POST"])
@require(COURSES_COHORT_TEACH)
def announcements(cohort_id: int):
    """Post a message to the cohort (dashboard and email) and read earlier ones."""
    cohort = cohort_or_404(cohort_id)
    form = AnnouncementForm()
    if request.method == "GET":
        form.fresh()
    if form.validate_on_submit():
        try:
            ops.post_announcement(cohort, current_user, form.subject.data, form.body.data,
                                  form.submit_token.data)
        except MailError:
            db.session.rollback()
            flash(
                _("We could not send the email just now, so nothing was posted."
                  " Your message is still below: try again in a few minutes."),
                "error",
            )
        else:
            db.session.commit()
            flash(_("Posted, and emailed to the group."), "success")
            return redirect(url_for("courses_cohorts.announcements", cohort_id=cohort.id), 303)
    posted = db.session.scalars(
        select(CohortAnnouncement)
        .where(CohortAnnouncement.cohort_id == cohort.id)
        .order_by(CohortAnnouncement.posted_dt.desc(), CohortAnnouncement.id.desc())
    ).all()
    # Refused (empty, too long, two lines...): the messages and the words come back, as a 400.
    status = 400 if form.errors else 200
    return render_template(
        "courses/cohorts/announcements.html", cohort=cohort, form=form, posted=posted
    ), status
