"""Job pages: a job's progress for whoever started it, and the admins' list of jobs."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..db import db
from ..forms import LmsForm
from ..paging import int_arg
from ..permissions import LMS_JOBS_MANAGE, has_permission, login_required, require
from .models import DONE, STATES, Job
from .queue import JobError, queue_for, retry

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
admin_bp = Blueprint("admin_jobs", __name__, url_prefix="/admin/jobs")
PAGE_SIZE = 50


#: Ids are 32-bit integers; a longer number in a URL is no job (and PostgreSQL would refuse it).
_MAX_ID = 2**31 - 1


def _job_or_404(job_id: int) -> Job:
    job = db.session.get(Job, job_id) if 0 < job_id <= _MAX_ID else None
    if job is None:
        abort(404)
    return job


def task_label(name: str) -> str:
    task = queue_for().tasks.get(name)
    return str(task.label) if task is not None and task.label else name


@bp.route("/<int:job_id>")
@login_required
def progress(job_id: int):
    """How far a job has got; the page refreshes itself while the job runs."""
    job = _job_or_404(job_id)
    if job.created_by_id != current_user.id and not has_permission(current_user, LMS_JOBS_MANAGE):
        abort(404)
    back = request.args.get("back", "")
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = ""  # only a path of this site
    return render_template(
        "lms/jobs/progress.html", job=job, label=task_label(job.name), back=back
    )


@admin_bp.route("")
@require(LMS_JOBS_MANAGE)
def index():
    """Jobs newest first, by state (default: every job not done); failed ones can be retried."""
    state = request.args.get("state", "open")
    if state not in (*STATES, "open", "all"):
        state = "open"
    query = select(Job).order_by(Job.id.desc())
    if state == "open":
        query = query.where(Job.state != DONE)
    elif state != "all":
        query = query.where(Job.state == state)
    before = int_arg("before")  # an id past the database's range is ignored, not a 500
    if before is not None:
        query = query.where(Job.id < before)
    rows = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render_template(
        "lms/admin/jobs.html",
        jobs=rows,
        state=state,
        states=STATES,
        next_before=rows[-1].id if more else None,
        label=task_label,
        depth=queue_for().depth(),
    )


@admin_bp.route("/<int:job_id>")
@require(LMS_JOBS_MANAGE)
def detail(job_id: int):
    job = _job_or_404(job_id)
    return render_template("lms/admin/job.html", job=job, label=task_label(job.name))


@admin_bp.route("/<int:job_id>/retry", methods=["POST"])
@require(LMS_JOBS_MANAGE)
def retry_job(job_id: int):
    if not LmsForm().validate():
        abort(400)
    job = _job_or_404(job_id)
    try:
        retry(job)
    except JobError:
        # Finished, waiting or running (another admin retried it, or a stale page): say so
        # on the job's page, which shows its state, rather than an error page.
        db.session.rollback()
        flash(_("Only a failed job can be tried again, and this one has not failed: its "
                "state is shown below."), "error")
        return redirect(url_for("admin_jobs.detail", job_id=job_id), 303)
    audit.record("lms.job.retried", subject_type="job", subject_id=job.id,
                 data={"task": job.name})
    db.session.commit()
    current_app.logger.info("job %s (%s) retried by user %s", job.id, job.name, current_user.id)
    flash(_("The job is queued again."), "success")
    return redirect(url_for("admin_jobs.detail", job_id=job_id), 303)


