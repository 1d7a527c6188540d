"""``flask certificates ...``: bulk issue and rendering of pending PDFs.

``issue --course SLUG`` covers a course's completions, ``issue --cohort ID``
those of one cohort's learners in its course (the cohort is looked up in the
cohort directory that the courses plugin provides). ``issue`` renders the
PDFs in worker processes (one per CPU unless ``--workers`` or
``CERTIFICATES_RENDER_WORKERS`` says otherwise) and commits one batch of
certificates at a time; ``render`` commits one PDF at a time. A
run killed half way leaves only whole certificates (the PDF is stored in the
same row and transaction as the credential), and running it again carries
on: the unique constraint and the "lacking a certificate" query make it
idempotent.
"""

from __future__ import annotations

import os
from contextlib import closing

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import ngettext
from sqlalchemy import select

from lms.contracts import CohortRoster
from lms.db import db
from lms.plugins import cohort_directory
from lms.routing import DB_INT_MAX

from . import bulk, operations
from .models import Certificate

cli = click.Group("certificates", help="Issue certificates and render their PDFs.")


def render_workers() -> int:
    """``CERTIFICATES_RENDER_WORKERS``, or one worker per CPU when it is unset."""
    configured = current_app.config.get("CERTIFICATES_RENDER_WORKERS")
    if configured is None:
        return os.cpu_count() or 1
    return int(configured)


@cli.command("issue")
@click.option("--course", "course_slug", default=None,
              help="The course's short name (slug): every completion of the course.")
@click.option("--cohort", "cohort_id", type=int, default=None,
              help="A cohort's id: its learners' completions of its course only.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Processes rendering the PDFs (default: CERTIFICATES_RENDER_WORKERS, else"
                   " one per CPU); 0 renders them in this process.")
@click.option("--batch-size", type=click.IntRange(min=1), default=20, show_default=True,
              help="Certificates written per transaction.")
@with_appcontext
def issue_command(course_slug: str | None, cohort_id: int | None, workers: int | None,
                  batch_size: int):
    """Issue the missing certificates of a course's or a cohort's completions.

    Give exactly one of --course and --cohort.
    """
    if (course_slug is None) == (cohort_id is None):
        raise click.UsageError("Give either --course SLUG or --cohort ID (exactly one).")
    learner_ids = None
    label = course_slug
    if cohort_id is not None:
        roster = _cohort(cohort_id)
        course_slug, learner_ids = roster.course_slug, roster.learner_ids
        label = f"cohort {roster.name} ({course_slug})"
    elif not bulk.course_exists(course_slug):
        raise click.BadParameter(f"no course has the short name {course_slug!r}.",
                                 param_hint="'--course'")
    pending = bulk.completions_lacking_certificate(course_slug, learner_ids)
    db.session.commit()
    summary = bulk.Summary()
    steps = bulk.issue_missing(
        pending, summary, actor_id=None,
        workers=render_workers() if workers is None else workers, batch=batch_size,
    )
    bar = click.progressbar(length=len(pending), label=f"Issuing for {label}")
    with closing(steps), bar:
        try:
            for count in steps:
                db.session.commit()
                bar.update(count)
        except BaseException:
            db.session.rollback()
            raise
    click.echo(ngettext("%(num)d certificate issued", "%(num)d certificates issued", summary.done)
               + ", " + ngettext("%(num)d already there.", "%(num)d already there.",
                                 summary.skipped))


def _cohort(cohort_id: int) -> CohortRoster:
    """The cohort's roster from the cohort directory; a clear error if there is none."""
    directory = cohort_directory(current_app)
    if directory is None:
        raise click.ClickException(
            "No cohort directory: no loaded plugin provides cohorts (the courses plugin does)."
            " Use --course instead, or enable the courses plugin."
        )
    # An id past the database's integers is no cohort (and would fail the query).
    roster = directory.roster(cohort_id) if 1 <= cohort_id <= DB_INT_MAX else None
    if roster is None:
        raise click.BadParameter(f"there is no cohort with id {cohort_id}.",
                                 param_hint="'--cohort'")
    return roster


@cli.command("render")
@with_appcontext
def render_command():
    """Render the PDFs still pending (e.g. after a rendering failure at issue)."""
    ids = db.session.scalars(
        select(Certificate.id).where(Certificate.pdf_sha256.is_(None)).order_by(Certificate.id)
    ).all()
    db.session.commit()
    with click.progressbar(ids, label="Rendering") as bar:
        for cert_id in bar:
            cert = db.session.get(Certificate, cert_id)
            if cert is not None and cert.pdf_sha256 is None:
                operations.render(cert)
            db.session.commit()
    click.echo(ngettext("%(num)d PDF rendered.", "%(num)d PDFs rendered.", len(ids)))
