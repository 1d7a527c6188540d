"""``flask governance ...``: run due ballots (for cron) and verify a ballot's result.

Cron, every minute (results are fixed on time even when nobody visits)::

    * * * * *  cd /srv/lms && .venv/bin/flask --app wsgi governance close-due
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from lms.db import db

from .models import Ballot
from .notices import remind_closing
from .proposals import open_due
from .publish import verify
from .tally import close_due

cli = AppGroup("governance", help="Open and close due ballots; verify results.")


@cli.command("close-due")
def close_due_command():
    """Open ballots that are due and fix the result of every ballot whose window ended.

    Safe to run at any time and concurrently with the site: each result is
    fixed exactly once. Meant for cron (every minute).
    """
    opened = open_due()
    db.session.commit()
    closed = close_due()
    db.session.commit()
    reminded = remind_closing()
    db.session.commit()
    click.echo(
        f"opened {len(opened)} ballot(s), fixed {len(closed)} result(s),"
        f" reminded {reminded} member(s) who have not voted"
    )


@cli.command("verify")
@click.argument("ballot_id", type=int)
def verify_command(ballot_id: int):
    """Recount BALLOT from its published list and roll; exit 1 if anything disagrees."""
    ballot = db.session.get(Ballot, ballot_id)
    if ballot is None:
        click.echo(f"no ballot {ballot_id}", err=True)
        sys.exit(2)
    report = verify(ballot)
    db.session.rollback()
    click.echo(
        f"ballot {ballot_id}: for {report.recount.get('votes_for', 0)}, "
        f"against {report.recount.get('votes_against', 0)}, "
        f"abstain {report.recount.get('abstentions', 0)}"
    )
    if report.ok:
        click.echo("OK: the published list and roll agree with the result")
        return
    for problem in report.problems:
        click.echo(f"MISMATCH: {problem}", err=True)
    sys.exit(1)
