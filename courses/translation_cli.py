"""``flask courses translations ...``: stamp translation files, report what is missing.

See "Translations" in docs/content-format.md.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from .content_format import ContentProblems, stamp
from .importing import CONTENT_DIR

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
