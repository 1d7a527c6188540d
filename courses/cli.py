"""``flask courses ...``: import, export and list courses kept as content folders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from lms.db import db

from .importing import ImportProblems, export_course, import_path
from .models import KIND_LESSON, Course, Item

cli = AppGroup(
    "courses",
    help="Import, export and list courses kept as folders of text files "
    "(see docs/content-format.md).",
)


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_command(path: Path):
    """Import a course folder, or every course folder inside PATH.

    Everything is checked first: if anything is wrong, every problem is
    printed with its file and line and nothing is imported.
    """
    try:
        results = import_path(path)
    except ImportProblems as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        count = len(exc.problems)
        click.echo(
            f"{count} problem{'s' if count != 1 else ''} found; nothing was imported.", err=True
        )
        sys.exit(1)
    db.session.commit()
    for result in results:
        click.echo(f"{result.slug}: version {result.version} ({result.outcome})")
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)


@cli.command("export")
@click.argument("slug")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the content files of a non-empty folder.")
def export_command(slug: str, path: Path, force: bool):
    """Write course SLUG as a content folder at PATH/SLUG."""
    try:
        folder = export_course(slug, path, force=force)
    except LookupError as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"exported {slug} to {folder}")


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_command(as_json: bool):
    """List the courses: slug, title, status, version and number of lessons."""
    lessons = (
        select(Item.course_id, func.count(Item.id).label("lessons"))
        .where(Item.kind == KIND_LESSON)
        .group_by(Item.course_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Course.slug,
            Course.title,
            Course.status,
            Course.version,
            func.coalesce(lessons.c.lessons, 0),
        )
        .outerjoin(lessons, lessons.c.course_id == Course.id)
        .order_by(Course.slug)
    ).all()
    courses = [
        {"slug": s, "title": t, "status": st, "version": v, "lessons": n} for s, t, st, v, n in rows
    ]
    if as_json:
        click.echo(json.dumps(courses, indent=2, ensure_ascii=False))
        return
    for c in courses:
        click.echo(
            f"{c['slug']:<40} {c['status']:<10} v{c['version']:<4} "
            f"{c['lessons']:>3} lessons  {c['title']}"
        )
