"""``flask lms ...``: set-up and maintenance commands."""

from __future__ import annotations

import secrets
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from .accounts import operations as account_ops
from .audit import seal_pending, verify_chain
from .cli_group import sets_up_database
from .db import db
from .jobs.worker import worker_command
from .permissions import ROLE_ADMIN, ROLE_CERTIFICATE_OFFICER, ROLE_LEARNER, ROLE_TUTOR

DEMO_ACCOUNTS = [
    ("learner@example.org", "Demo Learner", (ROLE_LEARNER,)),
    ("tutor@example.org", "Demo Tutor", (ROLE_LEARNER, ROLE_TUTOR)),
    ("admin@example.org", "Demo Admin", (ROLE_LEARNER, ROLE_ADMIN)),
    ("officer@example.org", "Demo Certificate Officer", (ROLE_LEARNER, ROLE_CERTIFICATE_OFFICER)),
]


@click.group("lms")
def lms_cli():
    """Set up and look after the platform."""


@lms_cli.command("init")
@click.option("--demo", is_flag=True, help="Also create demo accounts (passwords printed once).")
@with_appcontext
@sets_up_database
def init_command(demo: bool):
    """Migrate the database, then let every plugin seed what it seeds. Safe to run twice.

    Says what it is doing at each step: the first run takes a while (every
    migration, the shipped courses), and a newcomer should never wonder whether
    anything is happening.
    """
    click.echo("migrating the database (the first time runs every migration)...")
    upgrade(revision="heads")
    # The demo accounts first, so that plugins can give them demo data.
    if demo:
        click.echo("creating the demo accounts...")
    created = _demo_accounts() if demo else []
    for plugin in current_app.extensions["lms"].plugins.values():
        if plugin.seed is not None:
            click.echo(f"setting up {plugin.name}...")
            plugin.seed(current_app, demo)
    db.session.commit()
    for email, password in created:
        click.echo(f"demo account {email}  password: {password}")
    if demo and not created:
        click.echo("demo accounts already exist (their passwords were printed when created)")
    click.echo("database ready")


def _demo_accounts() -> list[tuple[str, str]]:
    created = []
    for email, name, roles in DEMO_ACCOUNTS:
        if account_ops.find_user_by_email(email) is None:
            password = secrets.token_urlsafe(12)
            account_ops.create_user(email, name, password, roles=roles)
            created.append((email, password))
    return created


@lms_cli.command("create-admin")
@click.option("--email", prompt=True, help="The admin's email address.")
@click.option("--name", prompt="Display name", help="The admin's display name.")
@click.password_option(help="Asked for twice when not given.")
@with_appcontext
def create_admin_command(email: str, name: str, password: str):
    """Create an administrator account, or make an existing account one."""
    from email_validator import EmailNotValidError, validate_email

    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from None
    minimum = current_app.config["LMS_PASSWORD_MIN_LENGTH"]
    user = account_ops.find_user_by_email(email)
    if user is None:
        if len(password) < minimum:
            raise click.BadParameter(f"use at least {minimum} characters", param_hint="password")
        user = account_ops.create_user(email, name, password, roles=(ROLE_LEARNER, ROLE_ADMIN))
        message = f"created administrator {user.email}"
    else:
        changed = account_ops.grant_role(user, ROLE_ADMIN)
        message = f"{user.email} is {'now' if changed else 'already'} an administrator"
    db.session.commit()
    click.echo(message)


@lms_cli.command("plugins")
@with_appcontext
def plugins_command():
    """List the loaded plugins with their versions."""
    plugins = current_app.extensions["lms"].plugins
    if not plugins:
        click.echo("no plugins loaded")
    for plugin in plugins.values():
        requires = f"  (requires {', '.join(plugin.requires)})" if plugin.requires else ""
        click.echo(f"{plugin.name} {plugin.version}{requires}")


@lms_cli.group("audit")
def audit_cli():
    """The audit log."""


@audit_cli.command("verify")
@with_appcontext
def audit_verify_command():
    """Check the audit log's hash chain; name the first broken entry.

    Entries committed but left unsealed (a process that died between its
    commit and the sealing) are sealed first.
    """
    pending = seal_pending()
    if pending:
        click.echo(f"sealed {pending} pending entries")
    result = verify_chain()
    if result.ok:
        click.echo(f"audit log intact: {result.checked} entries")
        return
    click.echo(
        f"audit log BROKEN at entry {result.broken_seq}: {result.reason}"
        f" ({result.checked} entries before it are intact)",
        err=True,
    )
    sys.exit(1)


@lms_cli.command("translations")
@click.option("--check", is_flag=True,
              help="Exit with status 1 when a catalogue is incomplete or out of step.")
@with_appcontext
def translations_command(check: bool):
    """Each configured language: how much of the interface is translated, its review state,
    whether its catalogue is in step with the template and whether it is offered.

    Counts the catalogue (``.po``) against the template (``messages.pot``): an
    entry counts as translated when it has a translation that is not fuzzy. A
    language is offered only when its compiled catalogue is at least
    ``LMS_LANGUAGE_MIN_TRANSLATED`` percent translated (read at start-up). A
    template older than the code is not detected here (``make messages``
    refreshes it; ``tests/lms/test_catalogues.py`` fails on it).
    """
    from .i18n import catalogue_dir, catalogue_progress, describe_language

    config = current_app.config
    directories = config["BABEL_TRANSLATION_DIRECTORIES"]
    withheld = config["LMS_LANGUAGES_WITHHELD"]
    incomplete = []
    for code in [c.strip() for c in config["LMS_LANGUAGES"].split(",") if c.strip()]:
        language = describe_language(code, directories)
        if language.state == "source":
            click.echo(f"{code}  {language.name}: the original (source) language")
            continue
        directory = catalogue_dir(code, directories)
        progress = catalogue_progress(directory, code) if directory else None
        offered = f"not offered: {withheld[code]}" if code in withheld else "offered"
        if progress is None:
            click.echo(f"{code}  {language.name}: no catalogue; {offered}")
            incomplete.append(code)
            continue
        step = "in step with messages.pot" if progress.in_step else (
            f"out of step with messages.pot ({progress.stale} missing, {progress.obsolete} "
            "obsolete: make catalogues)"
        )
        click.echo(
            f"{code}  {language.name}: {progress.translated}/{progress.total} translated "
            f"({progress.percent}%), {progress.fuzzy} fuzzy, {progress.untranslated} "
            f"untranslated; {language.state}; {step}; {offered}"
        )
        if not progress.complete:
            incomplete.append(code)
    if check and incomplete:
        click.echo(f"incomplete: {', '.join(incomplete)}", err=True)
        sys.exit(1)


lms_cli.add_command(worker_command)
