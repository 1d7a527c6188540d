"""Import course folders into the database and export courses back to folders.

An import validates every folder first and writes nothing if anything is
wrong; then it creates or updates the courses in the caller's transaction
(the CLI commits once). Rows are matched by their keys, so a re-import
updates modules, items, questions and options in place: learners keep their
progress on every item that still exists. A changed course gets a new
version; an identical one is left exactly as it was.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from lms import audit
from lms.db import db, utcnow

from .content_format import (
    ASSIGNMENT_DIR,
    COURSE_FILE,
    LESSON_DIR,
    QUIZ_DIR,
    TRANSLATIONS_DIR,
    ContentProblems,
    CourseSource,
    ItemSource,
    ModuleSource,
    Problem,
    content_data,
    find_course_folders,
    read_courses,
    sources_data,
    write_course,
)
from .item_hashes import item_source as _item_source
from .markdown import render_lesson, render_markdown
from .models import (
    KIND_ASSIGNMENT,
    KIND_LESSON,
    STATUS_PUBLISHED,
    Course,
    Item,
    Module,
    Option,
    Prerequisite,
    Question,
)
from .translations import apply_translations, translations_source

#: Where the Centre's own curriculum lives.
CONTENT_DIR = Path(__file__).parent / "content"


class ImportProblems(ContentProblems):
    """The folders cannot be imported; ``problems`` lists every reason. Nothing was written."""


@dataclass
class ImportResult:
    """What importing one course did."""

    slug: str
    version: int
    #: The course did not exist before.
    created: bool
    #: Something was written (always true when ``created``).
    changed: bool
    warnings: list[Problem] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return "new" if self.created else "updated" if self.changed else "unchanged"


def _course_exists(slug: str) -> bool:
    return db.session.scalar(select(Course.id).where(Course.slug == slug)) is not None


def import_course(path: str | Path) -> ImportResult:
    """Import one course folder (see :func:`import_courses`)."""
    return import_courses([Path(path)])[0]


def import_courses(folders: Iterable[str | Path]) -> list[ImportResult]:
    """Validate every folder, then create or update their courses.

    The courses are written in dependency order, so one may require another
    of the same batch. Nothing is committed: the caller owns the transaction.

    :raises ImportProblems: listing every problem in every folder; nothing
        was written.
    """
    try:
        sources = read_courses(folders, course_exists=_course_exists)
    except ContentProblems as exc:
        raise ImportProblems(exc.problems) from None
    lost = [problem for source in sources for problem in _submitted_work_lost(source)]
    if lost:
        raise ImportProblems(lost)
    return [_upsert(source) for source in sources]


def _submitted_work_lost(source: CourseSource) -> list[Problem]:
    """Refuse to remove (or turn into another kind) an assignment learners have worked on.

    Deleting the item would delete their work with it: nothing a learner did is lost.
    """
    from .assignments.models import Submission

    kept = {item.key for item in source.items() if item.kind == KIND_ASSIGNMENT}
    sent = db.session.scalars(
        select(Item.key).distinct()
        .join(Course, Course.id == Item.course_id)
        .join(Submission, Submission.item_id == Item.id)
        .where(Course.slug == source.slug, Item.kind == KIND_ASSIGNMENT)
    )
    return [
        Problem(f"{source.slug}/{COURSE_FILE}", None,
                f"assignment {key!r} holds learners' work (drafts or submissions): keep it "
                "in the course (make it optional rather than remove it)")
        for key in sent if key not in kept
    ]


def import_path(path: str | Path) -> list[ImportResult]:
    """Import a course folder, or every course folder inside ``path``."""
    try:
        folders = find_course_folders(path)
    except ContentProblems as exc:
        raise ImportProblems(exc.problems) from None
    return import_courses(folders)


def _upsert(source: CourseSource) -> ImportResult:
    course = db.session.scalar(select(Course).where(Course.slug == source.slug))
    created = course is None
    if course is None:
        now = utcnow()
        course = Course(
            slug=source.slug,
            status=STATUS_PUBLISHED,
            version=1,
            created_dt=now,
            updated_dt=now,
            published_dt=now,
        )
        db.session.add(course)
    elif content_data(course_source(course, translations=False)) == content_data(source):
        # The curriculum is as it was; its translations may not be (no new version).
        changed = apply_translations(course, source)
        return ImportResult(source.slug, course.version, False, bool(changed), source.warnings)
    else:
        course.version += 1
        course.updated_dt = utcnow()
    apply_source(course, source)
    db.session.flush()
    apply_translations(course, source, record=not created)
    audit.record(
        "courses.course.imported",
        subject_type="course",
        subject_id=course.id,
        data={"slug": course.slug, "version": course.version, "created": created},
    )
    return ImportResult(source.slug, course.version, created, True, source.warnings)


def apply_source(course: Course, source: CourseSource) -> None:
    """Make ``course`` match ``source``, keeping rows whose keys survive.

    Also publishes a revision into its course (:mod:`courses.revisions`).
    """
    course.title = source.title
    course.summary = source.summary
    course.description = source.description
    course.description_html = render_markdown(source.description, source.slug)
    course.outcomes = list(source.outcomes)
    course.topic = source.topic
    course.level = source.level
    course.language = source.language
    course.estimated_hours = float(source.estimated_hours)
    _apply_prerequisites(course, source.prerequisites)

    # An item whose kind changed is a different thing: drop it (and the
    # progress on it) before its key is reused.
    kinds = {item.key: item.kind for item in source.items()}
    changed_kind = [i for i in course.items if i.key in kinds and i.kind != kinds[i.key]]
    for item in changed_kind:
        course.items.remove(item)
        item.module.items.remove(item)
    if changed_kind:
        db.session.flush()

    old_modules = {module.key: module for module in course.modules}
    old_items = {item.key: item for item in course.items}
    modules = []
    for position, module_source in enumerate(source.modules):
        module = old_modules.pop(module_source.key, None)
        if module is None:
            module = Module(key=module_source.key, course=course)
        module.title = module_source.title
        module.unlock_after_days = module_source.opens_after_days
        module.position = position
        modules.append(module)
    for module, module_source in zip(modules, source.modules, strict=True):
        items = []
        for position, item_source in enumerate(module_source.items):
            item = old_items.pop(item_source.key, None)
            if item is None:
                item = Item(key=item_source.key, kind=item_source.kind, course=course)
            _apply_item(item, item_source, course.slug)
            item.position = position
            items.append(item)
        module.items = items
    # What is left was removed from the source: delete-orphan cascades delete it
    # (and, in the database, the progress on it).
    for item in old_items.values():
        course.items.remove(item)
    course.modules = modules


def _apply_prerequisites(course: Course, slugs: list[str]) -> None:
    current = [p.required_course.slug for p in _ordered_prerequisites(course)]
    if current == slugs:
        return
    course.prerequisites = []
    # Flush the removals first: re-adding the same pair must not meet the old row.
    db.session.flush()
    required = {c.slug: c for c in db.session.scalars(select(Course).where(Course.slug.in_(slugs)))}
    course.prerequisites = [Prerequisite(required_course=required[slug]) for slug in slugs]


def _ordered_prerequisites(course: Course) -> list[Prerequisite]:
    # Rows are written in the listed order; their ids keep it.
    return sorted(course.prerequisites, key=lambda p: p.id or 0)


def _apply_item(item: Item, source: ItemSource, slug: str) -> None:
    item.title = source.title
    item.required = source.required
    item.assignment = None
    if source.kind == KIND_ASSIGNMENT:
        item.body_md = source.body
        item.body_html = render_markdown(source.body, slug)
        item.assignment = source.assignment
        item.estimated_minutes = source.estimated_minutes
        item.sources = []
        item.reviewed_on = item.review_every_months = None
        item.pass_mark = item.max_attempts = None
        item.questions = []
        return
    if source.kind == KIND_LESSON:
        item.body_md = source.body
        item.sources = sources_data(source.sources, dates_as_text=True)
        item.body_html = render_lesson(source.body, slug, item.sources)
        item.estimated_minutes = source.estimated_minutes
        item.reviewed_on = source.reviewed
        item.review_every_months = source.review_every
        item.pass_mark = item.max_attempts = None
        return
    item.body_md = item.body_html = ""
    item.sources = []
    item.reviewed_on = item.review_every_months = None
    item.estimated_minutes = None
    item.pass_mark = source.pass_mark
    item.max_attempts = source.max_attempts
    old = {question.key: question for question in item.questions}
    questions = []
    for position, question_source in enumerate(source.questions):
        question = old.pop(question_source.key, None) or Question(key=question_source.key)
        question.type = question_source.type
        question.prompt = question_source.prompt
        question.explanation = question_source.explanation
        question.accepted = list(question_source.accepted)
        question.position = position
        old_options = {option.key: option for option in question.options}
        options = []
        for option_position, option_source in enumerate(question_source.options):
            option = old_options.pop(option_source.key, None) or Option(key=option_source.key)
            option.text = option_source.text
            option.correct = option_source.correct
            option.feedback = option_source.feedback
            option.position = option_position
            options.append(option)
        question.options = options
        questions.append(question)
    item.questions = questions


def course_source(course: Course, *, translations: bool = True) -> CourseSource:
    """Return a stored course as content-format data (what an export writes).

    :param translations: with its stored translations (one more query).
    """
    return CourseSource(
        slug=course.slug,
        title=course.title,
        summary=course.summary,
        description=course.description,
        outcomes=list(course.outcomes),
        topic=course.topic,
        level=course.level,
        language=course.language,
        estimated_hours=course.estimated_hours,
        prerequisites=[p.required_course.slug for p in _ordered_prerequisites(course)],
        modules=[
            ModuleSource(
                key=module.key,
                title=module.title,
                items=[_item_source(item) for item in module.items],
                opens_after_days=module.unlock_after_days,
            )
            for module in course.modules
        ],
        translations=translations_source(course) if translations and course.id else [],
    )


def export_course(slug: str, path: str | Path, *, force: bool = False) -> Path:
    """Write a course's canonical folder at ``path/<slug>``.

    :param force: replace the content files of an existing, non-empty folder
        (other files there are left alone).
    :return: the course folder written.
    :raises LookupError: there is no course ``slug``.
    :raises FileExistsError: the folder exists, is not empty, and ``force``
        is false.
    """
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise LookupError(f"no course {slug!r}")
    folder = Path(path) / slug
    if folder.exists() and any(folder.iterdir()):
        if not force:
            raise FileExistsError(f"{folder} is not empty (use --force to replace it)")
        _remove_content_files(folder)
    write_course(course_source(course), folder)
    return folder


def _remove_content_files(folder: Path) -> None:
    """Remove what an export writes, so a removed lesson does not linger."""
    (folder / COURSE_FILE).unlink(missing_ok=True)
    for sub, pattern in ((LESSON_DIR, "*.md"), (QUIZ_DIR, "*.yaml"), (ASSIGNMENT_DIR, "*.yaml")):
        for file in (folder / sub).glob(pattern):
            file.unlink()
        if (folder / sub).is_dir() and not any((folder / sub).iterdir()):
            shutil.rmtree(folder / sub)
    for language in (folder / TRANSLATIONS_DIR).glob("*"):
        if language.is_dir() and not language.name.startswith("."):
            _remove_content_files(language)
            if not any(language.iterdir()):
                language.rmdir()
    if (folder / TRANSLATIONS_DIR).is_dir() and not any((folder / TRANSLATIONS_DIR).iterdir()):
        (folder / TRANSLATIONS_DIR).rmdir()


def seed(app: Flask, demo: bool) -> None:
    """Import the shipped curriculum (``courses/content/``) in the current transaction.

    Only courses not yet in the database are imported, so running it again
    changes nothing and never overwrites a course edited in the browser; use
    ``flask courses import`` to bring in a newer shipped version on purpose.

    :param demo: also make a demo group (see :func:`courses.cohorts.demo.seed_demo_cohort`).
    """
    if not CONTENT_DIR.is_dir():
        return
    existing = set(db.session.scalars(select(Course.slug)))
    folders = [p for p in find_course_folders(CONTENT_DIR) if p.name not in existing]
    import click

    if folders:
        n = len(folders)
        click.echo(f"importing the {n} shipped course{'' if n == 1 else 's'}"
                   " (checking every lesson and quiz; this takes a few seconds)...")
        results = import_courses(folders)
        app.logger.info("imported %d shipped courses", len(results))
        click.echo(f"imported {len(results)} course{'' if len(results) == 1 else 's'}")
    if demo:
        from .cohorts.demo import seed_demo_cohort

        click.echo("setting up the demo group...")
        seed_demo_cohort()
