"""Background tasks: bulk issue and bulk re-render, started from the web.

Who may act on what is decided in the request that starts a job (the view
passes the scope it checked: a course and maybe a cohort's learners, or the
certificate ids the user may re-render); the task only does the work, one
certificate per transaction (:meth:`lms.jobs.JobContext.checkpoint`), with
its progress. Both are safe to run again after a crash: issue re-reads the
completions still lacking a certificate (the unique constraint refuses a
second one), and re-render skips certificates already rendered since the
job was created.

The rules are checked again when the job runs (it may run long after the
request, or again after a retry): the actor must still hold the bulk
permission, or the job fails without changing anything, and the actor's own
certificates are skipped (nobody issues or amends their own).
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from lms.accounts.models import User
from lms.db import db
from lms.jobs import GiveUp, Job, JobContext, Task
from lms.permissions import has_permission

from . import bulk
from .models import Certificate
from .permissions import CERTIFICATES_BULK

BULK_ISSUE = "certificates.bulk_issue"
RERENDER = "certificates.rerender"


def _check_actor(actor_id: int | None) -> None:
    """Fail the job at once, changing nothing, if its actor no longer holds the bulk
    permission (None: the system, e.g. a job enqueued by the CLI)."""
    if actor_id is None:
        return
    actor = db.session.get(User, actor_id)
    if actor is None or not actor.is_active or not has_permission(actor, CERTIFICATES_BULK):
        raise GiveUp(_("The person who started this job may no longer act on certificates "
                       "in bulk; nothing was changed."))


def bulk_issue(
    ctx: JobContext, course_slug: str, learner_ids: list[int] | None, actor_id: int | None,
    what: str,
) -> None:
    _check_actor(actor_id)
    todo = bulk.completions_lacking_certificate(course_slug, learner_ids,
                                                excluding_holder=actor_id)
    total = len(todo)
    summary = bulk.Summary()
    ctx.checkpoint(0, total)
    done = 0
    for step in bulk.issue_missing(todo, summary, actor_id=actor_id):
        done += step
        ctx.checkpoint(done, total)
    if not todo:
        message = _("%(what)s: no completion lacks a certificate; nothing to issue.", what=what)
    else:
        message = ngettext(
            "%(what)s: %(num)d certificate issued, %(skipped)s.",
            "%(what)s: %(num)d certificates issued, %(skipped)s.",
            summary.done, what=what,
            skipped=ngettext("%(num)d already there", "%(num)d already there", summary.skipped),
        )
    ctx.progress(done, total, message)


def rerender(
    ctx: JobContext, certificate_ids: list[int], actor_id: int | None, what: str
) -> None:
    _check_actor(actor_id)
    started = db.session.scalar(select(Job.created_dt).where(Job.id == ctx.job_id))
    total = len(certificate_ids)
    done = 0
    summary = bulk.Summary()
    for cert_id in certificate_ids:
        rendered = db.session.scalar(
            select(Certificate.pdf_rendered_dt).where(Certificate.id == cert_id)
        )
        if rendered is not None and started is not None and rendered >= started:
            summary.done += 1  # rendered by an earlier run of this job
        else:
            for _step in bulk.rerender_all([cert_id], summary, actor_id=actor_id):
                pass
        done += 1
        ctx.checkpoint(done, total)
    ctx.progress(done, total, ngettext(
        "%(what)s: %(num)d PDF re-rendered with the current template.",
        "%(what)s: %(num)d PDFs re-rendered with the current template.", summary.done, what=what))


TASKS = [
    Task(BULK_ISSUE, bulk_issue, retries=3, label=_l("Issue certificates")),
    Task(RERENDER, rerender, retries=3, label=_l("Re-render certificates")),
]


def recent_jobs(user_id: int, limit: int = 5) -> list[Job]:
    """The user's latest bulk jobs, newest first (shown on the bulk page)."""
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.created_by_id == user_id, Job.name.in_((BULK_ISSUE, RERENDER)))
            .order_by(Job.id.desc())
            .limit(limit)
        )
    )


