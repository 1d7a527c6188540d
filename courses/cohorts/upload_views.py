"""A group's uploaded lists of learners: a tutor uploads a CSV, previews what confirming it
would do to every row, then confirms it (all or nothing).

The pages look their cohort up through :func:`~.access.cohort_or_404`, so a tutor of
another cohort gets 404, and an upload only through its own cohort.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from lms.db import db
from lms.mail import MailError
from lms.permissions import require

from ..forms import ActionForm
from ..permissions import COURSES_COHORT_TEACH
from . import operations as ops
from . import uploads
from .access import cohort_or_404
from .forms import UploadForm
from .models import Cohort, CohortUpload
from .roster_csv import RosterFileError, read_roster
from .views import bp, to_cohort_page


def _upload_limits() -> tuple[int, int]:
    cfg = current_app.config
    return cfg["COURSES_COHORT_UPLOAD_MAX_BYTES"], cfg["COURSES_COHORT_UPLOAD_MAX_ROWS"]


@bp.route("/<int:cohort_id>/upload", methods=["GET", "POST"])
@require(COURSES_COHORT_TEACH)
def upload(cohort_id: int):
    """Upload a CSV of learners; the next page previews what confirming it would do."""
    cohort = cohort_or_404(cohort_id)
    form = UploadForm()
    max_bytes, max_rows = _upload_limits()
    if form.validate_on_submit():
        data = form.file.data.read(max_bytes + 1)
        try:
            rows = read_roster(data, max_bytes=max_bytes, max_rows=max_rows)
        except RosterFileError as exc:
            form.file.errors.append(str(exc))
        else:
            stored = uploads.store_upload(
                cohort, current_user, form.file.data.filename or "", rows
            )
            db.session.commit()
            return redirect(
                url_for("courses_cohorts.preview", cohort_id=cohort.id, upload_id=stored.id), 303
            )
    status = 422 if form.errors else 200
    return render_template(
        "courses/cohorts/upload.html",
        cohort=cohort,
        form=form,
        max_rows=max_rows,
        max_kb=max_bytes // 1024,
    ), status


def _upload_or_404(cohort: Cohort, upload_id: int) -> CohortUpload:
    return db.session.scalar(
        select(CohortUpload).where(
            CohortUpload.id == upload_id, CohortUpload.cohort_id == cohort.id
        )
    ) or abort(404)


@bp.route("/<int:cohort_id>/upload/<int:upload_id>")
@require(COURSES_COHORT_TEACH)
def preview(cohort_id: int, upload_id: int):
    """Every row's fate if the upload were confirmed now (reads only)."""
    cohort = cohort_or_404(cohort_id)
    stored = _upload_or_404(cohort, upload_id)
    plan = uploads.plan_upload(cohort, uploads.upload_rows(stored))
    return render_template(
        "courses/cohorts/preview.html",
        cohort=cohort,
        upload=stored,
        plan=plan,
        Fate=uploads.Fate,
        action=ActionForm(),
    )


@bp.route("/<int:cohort_id>/upload/<int:upload_id>/confirm", methods=["POST"])
@require(COURSES_COHORT_TEACH)
def confirm(cohort_id: int, upload_id: int):
    """Apply a previewed upload, all or nothing."""
    cohort = cohort_or_404(cohort_id)
    stored = _upload_or_404(cohort, upload_id)
    if not ActionForm().validate():
        abort(400)
    try:
        plan = uploads.apply_upload(cohort, stored, current_user)
    except ops.CohortError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(
            url_for("courses_cohorts.preview", cohort_id=cohort_id, upload_id=upload_id), 303
        )
    except MailError:
        db.session.rollback()
        flash(
            _("We could not send the invitations just now, so nothing was changed."
              " Try again in a few minutes."),
            "error",
        )
        return redirect(
            url_for("courses_cohorts.preview", cohort_id=cohort_id, upload_id=upload_id), 303
        )
    db.session.commit()
    new, invited = plan.count(uploads.Fate.NEW_ACCOUNT), plan.count(uploads.Fate.INVITE)
    held = len(plan.held_back)
    if new or invited:
        flash(
            _(
                "Done: %(new)s, %(invited)s.",
                new=ngettext("%(num)d person invited with a new account",
                             "%(num)d people invited with a new account", new),
                invited=ngettext(
                    "%(num)d existing account asked to join (it joins on accepting)",
                    "%(num)d existing accounts asked to join (each joins on accepting)",
                    invited,
                ),
            ),
            "success",
        )
    elif not held:
        flash(_("Nothing to change: everyone in the file is already in the group or"
                " invited to it."), "info")
    if held:
        flash(ngettext("%(num)d person was held back: the course's prerequisites are not"
                       " met (see the preview).",
                       "%(num)d people were held back: the course's prerequisites are not"
                       " met (see the preview).", held), "info")
    return to_cohort_page(cohort)
