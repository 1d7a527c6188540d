"""``flask lms retention run`` and ``flask lms privacy erase-due``: the scheduled commands."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..db import db
from . import operations as ops


@click.group("retention")
def retention_cli():
    """Apply the retention rules (schedule daily)."""


@retention_cli.command("run")
@with_appcontext
def retention_run():
    """Delete or empty what is past its retention period, rule by rule; safe to run again."""
    for key, count in ops.run_retention().items():
        click.echo(f"{key}: {count}")
    db.session.commit()


@click.group("privacy")
def privacy_cli():
    """Account closures (schedule daily)."""


@privacy_cli.command("erase-due")
@with_appcontext
def erase_due():
    """Erase every account whose closure's grace period is over, one transaction each.

    A failure rolls back that person only and is reported; the others go on,
    and the next run tries the failed one again (exit status 1).
    """
    failed = erased = 0
    for request_id in ops.due_closures():
        try:
            if ops.carry_out_closure(request_id):
                erased += 1
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 (reported, then the next person)
            db.session.rollback()
            failed += 1
            click.echo(f"closure {request_id}: not erased ({exc})", err=True)
    click.echo(f"erased: {erased}")
    if failed:
        raise SystemExit(1)
