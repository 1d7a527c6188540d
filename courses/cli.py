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
from .linkcheck import check_urls, course_urls
from .models import KIND_LESSON, Course, Item
from .review import ReviewReport, review_report

cli = AppGroup(
    "courses",
    help="Import, export and list courses kept as folders of text files "
    "(see docs/content-format.md); review them and check their links.",
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


@cli.command("review")
@click.argument("slug", required=False)
@click.option(
    "--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
    help="Report as on this day (YYYY-MM-DD) instead of today.",
)
@click.option(
    "--within", type=click.IntRange(min=0), default=0, show_default=True,
    help="Also list reviews falling due within this many days.",
)
def review_command(slug: str | None, on, within: int):
    """List what needs a person to check it, in every course or course SLUG.

    Lessons whose review is due, lessons without sources, claims marked
    [source needed], links not in the course's own source list and quiz
    questions that give their answer away. Nothing is fetched from the network
    (see check-links).
    """
    if slug is not None and db.session.scalar(select(Course.id).where(Course.slug == slug)) is None:
        raise click.ClickException(f"no course {slug!r}")
    report = review_report(on.date() if on else None, slug, within)
    for line in report_lines(report):
        click.echo(line)


def report_lines(report: ReviewReport) -> list[str]:
    """The review report as the command prints it."""
    lines = [f"Review report for {report.on.isoformat()}"]
    lines.append(f"\nLessons due for review ({len(report.due)}):")
    for due in report.due:
        when = (
            f"due {due.due_on.isoformat()}, last reviewed {due.reviewed_on.isoformat()}"
            if due.due_on
            else "never reviewed"
        )
        lines.append(f"  {due.lesson.course_slug}/{due.lesson.key}: {when} "
                     f"(every {due.review_every_months} months)")
    lines.append(f"\nLessons without sources ({len(report.unsourced)}):")
    lines += [f"  {ref.course_slug}/{ref.key}" for ref in report.unsourced]
    lines.append(f"\nClaims marked as needing a source ({len(report.needs_source)}):")
    lines += [
        f"  {f.lesson.course_slug}/{f.lesson.key}: line {f.line}: {f.text}"
        for f in report.needs_source
    ]
    lines.append(f"\nLinks not in the course's source list ({len(report.unlisted_links)}):")
    lines += [
        f"  {f.lesson.course_slug}/{f.lesson.key}: line {f.line}: {f.text}"
        for f in report.unlisted_links
    ]
    lines.append(f"\nQuestions whose prompt gives the answer away ({len(report.giveaways)}):")
    lines += [
        f"  {q.course_slug}/{q.quiz_key}: question {q.question_key!r}: answer {q.answer!r}"
        for q in report.giveaways
    ]
    if report.is_clear:
        lines.append("\nNothing to review.")
    return lines


@cli.command("readability")
@click.argument("slug", required=False)
def readability_command(slug: str | None):
    """Each lesson's reading level (Flesch-Kincaid grade), in every course or course SLUG.

    Flags lessons above a US grade of 7 (a UK reading age of about 12, the aim of
    introductory courses), words of four syllables or more and sentences of more
    than 25 words. Counted offline (textstat 0.7.3 with pyphen).
    """
    from .readability import PLAIN_GRADE, measure

    query = select(Course).order_by(Course.slug)
    if slug is not None:
        query = query.where(Course.slug == slug)
    courses = db.session.scalars(query).all()
    if slug is not None and not courses:
        raise click.ClickException(f"no course {slug!r}")
    for course in courses:
        click.echo(f"{course.slug}  {course.title} ({course.level or 'no level'})")
        lessons = db.session.scalars(
            select(Item).where(Item.course_id == course.id, Item.kind == KIND_LESSON)
            .order_by(Item.position, Item.id)
        ).all()
        for item in lessons:
            r = measure(item.key, item.title, item.body_md or "")
            state = "plain" if r.is_plain else f"above grade {PLAIN_GRADE:g}"
            click.echo(f"  {r.key}  grade {r.grade} (reading age {r.reading_age}), {state}: "
                       f"{r.title}")
            if r.long_words:
                click.echo(f"    long words: {', '.join(r.long_words)}")
            for sentence in r.long_sentences:
                click.echo(f"    long sentence: {sentence}")


@cli.command("check-links")
@click.argument("slug", required=False)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds to wait for each address.")
def check_links_command(slug: str | None, timeout: float):
    """Ask every web address in the lessons (sources and links) whether it still answers.

    This uses the network; the review command does not. Exit status 1 when
    an address fails.
    """
    places = course_urls(slug)
    failed = 0
    for result in check_urls(places, timeout=timeout):
        if result.ok:
            continue
        failed += 1
        why = f"status {result.status}" if result.status is not None else result.error
        click.echo(f"{result.url}: {why} (in {', '.join(places[result.url])})")
    click.echo(f"{len(places)} addresses checked, {failed} failed.")
    if failed:
        sys.exit(1)


# Registered last: the translations group imports the content format and the importer.
from .translation_cli import translations_cli  # noqa: E402

cli.add_command(translations_cli)
