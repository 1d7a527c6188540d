"""Reading course folders into :class:`CourseSource`, reporting every problem at once.

:func:`read_course` and :func:`read_courses` read and check folders; nothing
here touches the database: the importer passes a ``course_exists`` hook for
slugs that live there. A folder is read file by file (``course.yaml``, then
each item file with its kind's reader from ``items``); then the items are
put in their modules and every link is checked, so one run reports every
problem of every file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from . import schemas
from .checking import (
    MarkdownCheck,
    check_citations,
    check_modules,
    check_prerequisites,
    check_slug,
    item_ref,
    unknown_reference,
)
from .items import ITEM_READERS, ItemFile, load, text_of, texts, whole_number
from .layout import COURSE_FILE, ITEM_KINDS, TRANSLATIONS_DIR, folder_layout, is_id
from .model import CourseSource, ItemSource, ModuleSource, Reference
from .problems import ContentProblems, FileProblems, Problem, sort_problems
from .translations import read_translations
from .validation import check_schema
from .yamlfile import LineList, LineMap, read_text


class CourseReader:
    """Reads one course folder, collecting every problem and warning."""

    def __init__(self, folder: Path, *, translations: bool = True):
        self.folder = folder
        self.with_translations = translations
        self.name = folder.name
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.references: list[Reference] = []
        #: (kind, id) -> its line in course.yaml; None until the modules were read.
        self.item_lines: dict[tuple[str, str], int] | None = None

    def rel(self, *parts: str) -> str:
        return "/".join((self.name, *parts))

    def file(self, rel: str) -> FileProblems:
        """Where the problems and warnings of the file ``rel`` (in the course folder) go."""
        return FileProblems(self.problems, self.rel(rel), self.warnings)

    def read(self) -> CourseSource | None:
        """Read the folder: the course, or ``None`` when :attr:`problems` says why not."""
        if not (self.folder / COURSE_FILE).is_file():
            self.file(COURSE_FILE).add(None, "file not found")
            return None
        files = self.list_files()
        course = self.read_course_file()
        read: dict[tuple[str, str], ItemFile | None] = {
            (kind, key): self.read_item(kind, key) for kind, key in files
        }
        if course is None:
            return None
        self.fill_items(course, read)
        self.check_links(course, read)
        if self.with_translations and not self.problems:
            # Translations are checked against the original, so only once it is whole.
            course.translations = read_translations(
                self.folder, course, self.file, self.references.append
            )
        course.references = self.references
        course.warnings = self.warnings
        return None if self.problems else course

    def list_files(self) -> list[tuple[str, str]]:
        """``(kind, id)`` of every item file; anything else in the folder is a problem."""
        found = []
        for path in sorted(self.folder.rglob("*")):
            parts = path.relative_to(self.folder).parts
            if any(part.startswith(".") for part in parts) or path.is_dir():
                continue
            if parts[0] == TRANSLATIONS_DIR:
                continue  # read by ``translations``
            rel = "/".join(parts)
            if rel == COURSE_FILE:
                continue
            kind = next(
                (k for k in ITEM_KINDS.values()
                 if len(parts) == 2 and parts[0] == k.folder and path.suffix == k.suffix),
                None,
            )
            if kind is None:
                self.file(rel).add(
                    None, f"unexpected file: a course folder holds only {folder_layout()}"
                )
            elif not is_id(path.stem):
                self.file(rel).add(None, f"file name {path.stem!r} is not a valid id")
            else:
                found.append((kind.name, path.stem))
        return found

    def read_course_file(self) -> CourseSource | None:
        problems = self.file(COURSE_FILE)
        text = read_text(self.folder / COURSE_FILE, problems)
        data = None if text is None else load(text, problems)
        if data is None:
            return None
        check_schema(schemas.COURSE, data, problems, 1)
        if not isinstance(data, LineMap):
            return None
        check_slug(data, self.name, problems)
        self.references.extend(check_prerequisites(data, problems))
        self.item_lines = check_modules(data, problems) if isinstance(
            data.get("modules"), LineList
        ) else None
        hours = data.get("estimated_hours")
        course = CourseSource(
            slug=text_of(data, "slug"),
            title=text_of(data, "title"),
            summary=text_of(data, "summary"),
            description=text_of(data, "description"),
            outcomes=texts(data.get("outcomes")),
            topic=text_of(data, "topic"),
            level=text_of(data, "level"),
            language=text_of(data, "language"),
            estimated_hours=hours if isinstance(hours, int | float) and not isinstance(
                hours, bool) else 1,
            prerequisites=[ref.slug for ref in self.references],
        )
        modules = data.get("modules")
        for raw in modules if isinstance(modules, LineList) else ():
            if not isinstance(raw, LineMap):
                continue
            module = ModuleSource(key=text_of(raw, "id"), title=text_of(raw, "title"))
            if raw.get("opens_after_days") is not None:
                module.opens_after_days = whole_number(raw, "opens_after_days")
            items = raw.get("items")
            for value in items if isinstance(items, LineList) else ():
                ref = item_ref(value)
                if ref is not None:
                    module.items.append(ItemSource(key=ref[1], kind=ref[0], title=""))
            course.modules.append(module)
        self.description_line = data.at("description")
        return course

    def read_item(self, kind: str, key: str) -> ItemFile | None:
        rel = ITEM_KINDS[kind].rel(key)
        problems = self.file(rel)
        text = read_text(self.folder / rel, problems)
        return None if text is None else ITEM_READERS[kind](text, key, problems)

    def fill_items(
        self, course: CourseSource, read: dict[tuple[str, str], ItemFile | None]
    ) -> None:
        """Replace the items named in the modules by the files read."""
        problems = self.file(COURSE_FILE)
        item_lines = self.item_lines or {}
        for module in course.modules:
            filled = []
            for ref in module.items:
                if (ref.kind, ref.key) not in read:
                    problems.add(
                        item_lines.get((ref.kind, ref.key)),
                        f"{ref.kind} {ref.key!r}: there is no file "
                        f"{ITEM_KINDS[ref.kind].rel(ref.key)}",
                    )
                elif (item_file := read[ref.kind, ref.key]) is not None:
                    filled.append(item_file.item)
            module.items = filled
        if self.item_lines is None:
            return
        for kind, key in read:
            if (kind, key) not in item_lines:
                self.file(ITEM_KINDS[kind].rel(key)).add(
                    None, f"{kind} {key!r} is not used by any module in course.yaml"
                )

    def check_links(
        self, course: CourseSource, read: dict[tuple[str, str], ItemFile | None]
    ) -> None:
        """Check the links of the description and of every item's Markdown."""
        keys = {item.key for item in course.items()}
        description = self.file(COURSE_FILE)
        MarkdownCheck(description, set(), None, self.references.append).check(
            course.description, self.description_line
        )
        check_citations(course.description, self.description_line, None, description)
        for item in course.items():
            rel = ITEM_KINDS[item.kind].rel(item.key)
            check = MarkdownCheck(self.file(rel), keys, course.slug, self.references.append)
            item_file = read.get((item.kind, item.key))
            for source, first_line in item_file.markdown if item_file else ():
                check.check(source, first_line)


def read_course(
    folder: str | Path, *, course_exists: Callable[[str], bool] | None = None,
    translations: bool = True,
) -> CourseSource:
    """Parse and validate one course folder.

    :param folder: the course folder; its name is the course's slug.
    :param course_exists: tells whether a course slug named by a
        prerequisite or a ``course:`` link exists elsewhere (the database).
    :param translations: read ``translations/`` too (``False``: the original alone).
    :raises ContentProblems: listing every problem found.
    """
    return read_courses([folder], course_exists=course_exists, translations=translations)[0]


def read_courses(
    folders: Iterable[str | Path], *, course_exists: Callable[[str], bool] | None = None,
    translations: bool = True,
) -> list[CourseSource]:
    """Parse and validate several course folders as one batch.

    Prerequisites and ``course:`` links may name a course of the batch or
    one for which ``course_exists`` returns true.

    :return: the courses, each after the batch courses it requires.
    :raises ContentProblems: listing every problem in every folder.
    """
    problems: list[Problem] = []
    courses: list[CourseSource] = []
    for folder in folders:
        reader = CourseReader(Path(folder), translations=translations)
        course = reader.read()
        problems.extend(sort_problems(reader.problems))
        if course is not None:
            courses.append(course)
    by_slug: dict[str, CourseSource] = {}
    for course in courses:
        if course.slug in by_slug:
            problems.append(
                Problem(f"{course.slug}/{COURSE_FILE}", None, "this course is in the batch twice")
            )
        by_slug[course.slug] = course
    for course in courses:
        for ref in course.references:
            if ref.slug not in by_slug and not (course_exists and course_exists(ref.slug)):
                problems.append(unknown_reference(ref))
    ordered = _dependency_order(courses, by_slug, problems)
    if problems:
        raise ContentProblems(problems)
    return ordered


def _dependency_order(
    courses: list[CourseSource], by_slug: dict[str, CourseSource], problems: list[Problem]
) -> list[CourseSource]:
    ordered: list[CourseSource] = []
    state: dict[str, str] = {}

    def visit(course: CourseSource, trail: tuple[str, ...]) -> None:
        if state.get(course.slug) == "done":
            return
        if state.get(course.slug) == "visiting":
            cycle = " -> ".join((*trail[trail.index(course.slug) :], course.slug))
            problems.append(
                Problem(f"{course.slug}/{COURSE_FILE}", None, f"prerequisites form a loop: {cycle}")
            )
            return
        state[course.slug] = "visiting"
        for slug in course.prerequisites:
            if slug in by_slug:
                visit(by_slug[slug], (*trail, course.slug))
        state[course.slug] = "done"
        ordered.append(course)

    for course in courses:
        visit(course, ())
    return ordered


def find_course_folders(path: str | Path) -> list[Path]:
    """Return the course folders at ``path``: itself, or its sub-folders.

    :raises ContentProblems: ``path`` holds no course folder.
    """
    path = Path(path)
    if (path / COURSE_FILE).is_file():
        return [path]
    folders = (
        sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        if path.is_dir()
        else []
    )
    if not folders:
        raise ContentProblems([Problem(str(path), None, "no course folder here")])
    return folders
