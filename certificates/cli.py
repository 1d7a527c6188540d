"""``flask certificates ...``: bulk issue and rendering of pending PDFs.

Both commands commit one certificate at a time. A run killed half way leaves
only whole certificates (the PDF is stored in the same row and transaction
as the credential), and running it again carries on: the unique constraint
and the "lacking a certificate" query make it idempotent.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.db import db

from . import bulk, operations
from .models import Certificate

cli = click.Group("certificates", help="Issue certificates and render their PDFs.")


@cli.command("issue")
@click.option("--course", "course_slug", required=True, help="The course's short name (slug).")
@with_appcontext
def issue_command(course_slug: str):
    """Issue the missing certificates of a course's completions (cohorts: --cohort, later)."""
    pending = bulk.completions_lacking_certificate(course_slug)
    db.session.commit()
    summary = bulk.Summary()
    steps = bulk.issue_missing(pending, summary, actor_id=None)
    with click.progressbar(steps, length=len(pending), label=f"Issuing for {course_slug}") as bar:
        try:
            for _completion in bar:
                db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    click.echo(f"{summary.done} certificate(s) issued, {summary.skipped} already there.")


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
    click.echo(f"{len(ids)} PDF(s) rendered.")
