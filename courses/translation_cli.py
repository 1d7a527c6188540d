"""``flask courses translations ...``: stamp translation files, report what is missing.

See "Translations" in docs/content-format.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from lms.db import db

from .content_format import ContentProblems, stamp
from .importing import CONTENT_DIR
from .models import Course
from .translation_report import course_report, report_lines

translations_cli = AppGroup(
    "translations",
    help="Course translations (translations/<lang>/ beside the originals): stamp the files "
    "with the original they match, report what is missing or out of date.",
)


@translations_cli.command("stamp")
@click.argument("slug")
@click.argument("language")
@click.argument("files", nargs=-1)
@click.option(
    "--content",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=CONTENT_DIR,
    show_default="courses/content",
    help="The folder of course folders.",
)
def stamp_command(slug: str, language: str, files: tuple[str, ...], content: Path):
    """Write the source: line of translation files of course SLUG in LANGUAGE.

    FILES are relative to translations/LANGUAGE/ (such as lessons/intro.md) and
    are restamped; without FILES, every file of the language that has no source
    yet is stamped. Stamp a file again only after updating it to the current
    original.
    """
    folder = content / slug
    if not folder.is_dir():
        raise click.ClickException(f"no course folder {folder}")
    try:
        stamped = stamp(folder, language, list(files) or None)
    except ContentProblems as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from None
    for line in stamped:
        click.echo(f"stamped {line}")
    if not stamped:
        click.echo("nothing to stamp (every file has a source; name a file to restamp it)")


@translations_cli.command("report")
@click.argument("slug", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def report_command(slug: str | None, as_json: bool):
    """For each course (or SLUG) and language: what is missing or out of date.

    The languages are those configured (LMS_LANGUAGES) and those a course has
    translations in. Read from the database, so edits made in the browser count.
    """
    query = select(Course).where(Course.revision_of_id.is_(None)).order_by(Course.slug)
    if slug:
        query = query.where(Course.slug == slug)
    courses = db.session.scalars(query).all()
    if slug and not courses:
        raise click.ClickException(f"no course {slug!r}")
    # Every language configured, offered in the interface yet or not.
    languages = [c.strip() for c in current_app.config["LMS_LANGUAGES"].split(",") if c.strip()]
    reports = [course_report(course, languages) for course in courses]
    if as_json:
        click.echo(json.dumps([r.as_data() for r in reports], ensure_ascii=False, indent=2))
        return
    for report in reports:
        for line in report_lines(report):
            click.echo(line)
