"""Which translations each course lacks or has out of date (``flask courses translations report``).

Read from the database, like ``flask courses review``: edits made in course
authoring count, so a lesson changed in the browser flags its translations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .content_format import COURSE_FILE, ITEM_KINDS, CourseSource, original_hashes
from .importing import course_source
from .models import Course


@dataclass
class LanguageReport:
    """One course in one language: what is translated, missing, out of date.

    Files are named as in the content folder (``lessons/intro.md``).
    """

    language: str
    #: ``course.yaml`` and every lesson and quiz of the course.
    total: int
    up_to_date: int = 0
    missing: list[str] = field(default_factory=list)
    out_of_date: list[str] = field(default_factory=list)
    #: What a translated ``course.yaml`` leaves in the original language.
    course_untranslated: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass
class CourseReport:
    slug: str
    language: str
    languages: list[LanguageReport]

    def as_data(self) -> dict[str, Any]:
        return asdict(self)


def _course_gaps(source: CourseSource, text) -> list[str]:
    gaps = []
    if text.description is None and source.description.strip():
        gaps.append("description")
    if text.outcomes is None:
        gaps.append("outcomes")
    gaps.extend(f"module {m.key!r}" for m in source.modules if m.key not in text.modules)
    return gaps


def course_report(course: Course, languages: list[str]) -> CourseReport:
    """The report of ``course`` for ``languages`` and every language it has translations in."""
    source = course_source(course)
    hashes = original_hashes(source)
    files = [(kind, key) for kind, key in hashes]
    by_language = {t.language: t for t in source.translations}
    wanted = sorted((set(languages) | set(by_language)) - {source.language})
    reports = []
    for language in wanted:
        translation = by_language.get(language)
        report = LanguageReport(language, total=len(files))
        for kind, key in files:
            rel = COURSE_FILE if kind == "course" else ITEM_KINDS[kind].rel(key)
            if translation is None:
                report.missing.append(rel)
                continue
            found = translation.course if kind == "course" else translation.item(kind, key)
            if found is None:
                report.missing.append(rel)
            elif found.source != hashes[kind, key]:
                report.out_of_date.append(rel)
            else:
                report.up_to_date += 1
            if kind == "course" and found is not None:
                report.course_untranslated = _course_gaps(source, found)
        reports.append(report)
    return CourseReport(course.slug, source.language, reports)


def report_lines(report: CourseReport) -> list[str]:
    """The report as the command prints it."""
    lines = [f"{report.slug} (written in {report.language})"]
    for lang in report.languages:
        line = f"  {lang.language}: {lang.up_to_date} of {lang.total} up to date"
        if not lang.missing and not lang.out_of_date:
            line += ", complete"
        lines.append(line)
        if lang.missing:
            lines.append(f"    missing ({len(lang.missing)}): {', '.join(lang.missing)}")
        if lang.out_of_date:
            lines.append(
                f"    out of date ({len(lang.out_of_date)}): {', '.join(lang.out_of_date)}")
        if lang.course_untranslated:
            lines.append(
                f"    course.yaml leaves untranslated: {', '.join(lang.course_untranslated)}")
    return lines
