"""The curriculum review report: what in the courses needs a person to check it.

It reads the lessons and quizzes as stored (what learners see, including
edits made in the browser) and lists:

- lessons whose review is due: never reviewed, or ``review_every_months``
  (default :data:`DEFAULT_REVIEW_MONTHS`) after ``reviewed_on``;
- lessons with no source at all;
- claims marked ``[source needed]``;
- links in a lesson's text to pages that are not in its course's source list
  (offline: nothing is fetched; ``linkcheck`` is the optional network check);
- quiz questions whose prompt gives their right answer away.

``flask courses review`` prints it; the authoring page ``review`` shows it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.db import db

from .content_format.checking import answer_in_prompt
from .markdown import COURSE_SCHEME, LESSON_SCHEME, SOURCE_NEEDED, iter_links, parse
from .models import KIND_LESSON, KIND_QUIZ, Course, Item, Module, Question

#: Months between reviews for a lesson that does not say.
DEFAULT_REVIEW_MONTHS = 24


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole months; the 31st becomes the last day of a shorter month.

    Past the last year a date can hold, the last day there is: a lesson marked
    reviewed in 9999 (the authoring form and the files take any date) made the
    review report fail for its whole course.
    """
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    if year > dt.MAXYEAR:
        return dt.date.max
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def normal_url(url: str) -> str:
    """A web address as compared with the sources: no fragment, no trailing slash,
    lower-case scheme and host."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


@dataclass(frozen=True)
class LessonRef:
    course_slug: str
    course_title: str
    key: str
    title: str
    item_id: int


@dataclass(frozen=True)
class DueLesson:
    lesson: LessonRef
    reviewed_on: dt.date | None
    review_every_months: int
    #: ``None`` for a lesson never reviewed.
    due_on: dt.date | None


@dataclass(frozen=True)
class Finding:
    """Something in a lesson's text: ``line`` counts from the first line of the text."""

    lesson: LessonRef
    line: int
    text: str


@dataclass(frozen=True)
class QuestionFinding:
    course_slug: str
    course_title: str
    quiz_key: str
    quiz_title: str
    question_key: str
    answer: str


@dataclass
class ReviewReport:
    on: dt.date
    due: list[DueLesson] = field(default_factory=list)
    unsourced: list[LessonRef] = field(default_factory=list)
    needs_source: list[Finding] = field(default_factory=list)
    unlisted_links: list[Finding] = field(default_factory=list)
    giveaways: list[QuestionFinding] = field(default_factory=list)

    @property
    def is_clear(self) -> bool:
        return not (
            self.due or self.unsourced or self.needs_source or self.unlisted_links
            or self.giveaways
        )


def review_report(
    on: dt.date | None = None, slug: str | None = None, within_days: int = 0
) -> ReviewReport:
    """Build the report for every course, or the course ``slug``.

    :param on: the day to report for (default: today, UTC).
    :param within_days: also list reviews falling due this many days after ``on``.
    """
    on = on or dt.datetime.now(dt.UTC).date()
    report = ReviewReport(on=on)
    courses = select(Course).order_by(Course.title)
    if slug is not None:
        courses = courses.where(Course.slug == slug)
    by_id = {course.id: course for course in db.session.scalars(courses)}
    if not by_id:
        return report
    lessons = db.session.scalars(
        select(Item)
        .join(Module, Item.module_id == Module.id)
        .join(Course, Item.course_id == Course.id)
        .where(Item.kind == KIND_LESSON, Item.course_id.in_(by_id))
        .order_by(Course.title, Course.id, Module.position, Item.position)
    ).all()
    urls: dict[int, set[str]] = {}
    for lesson in lessons:
        urls.setdefault(lesson.course_id, set()).update(
            normal_url(s["url"]) for s in lesson.sources or () if s.get("url")
        )
    horizon = on + dt.timedelta(days=within_days)
    for lesson in lessons:
        course = by_id[lesson.course_id]
        ref = LessonRef(course.slug, course.title, lesson.key, lesson.title, lesson.id)
        every = lesson.review_every_months or DEFAULT_REVIEW_MONTHS
        due_on = add_months(lesson.reviewed_on, every) if lesson.reviewed_on else None
        if due_on is None or due_on <= horizon:
            report.due.append(DueLesson(ref, lesson.reviewed_on, every, due_on))
        if not lesson.sources:
            report.unsourced.append(ref)
        _read_text(report, ref, lesson.body_md or "", urls.get(lesson.course_id, set()))
    _giveaways(report, by_id)
    return report


def _read_text(report: ReviewReport, ref: LessonRef, text: str, source_urls: set[str]) -> None:
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if SOURCE_NEEDED in line:
            report.needs_source.append(Finding(ref, number, line.strip()))
    seen = set()
    for block, link in iter_links(parse(text)):
        href = str(link.attrGet("src" if link.type == "image" else "href") or "")
        if not href.lower().startswith(("http://", "https://")) or href.startswith(
            (LESSON_SCHEME, COURSE_SCHEME)
        ):
            continue
        if normal_url(href) in source_urls or href in seen:
            continue
        seen.add(href)
        number = (block.map[0] + 1) if block.map else 1
        for offset, line in enumerate(lines[number - 1 :], start=number):
            if href in line:
                number = offset
                break
        report.unlisted_links.append(Finding(ref, number, href))


def _giveaways(report: ReviewReport, courses: dict[int, Course]) -> None:
    questions = db.session.scalars(
        select(Question)
        .join(Item, Question.item_id == Item.id)
        .where(Item.kind == KIND_QUIZ, Item.course_id.in_(courses))
        .options(selectinload(Question.options), selectinload(Question.item))
        .order_by(Item.course_id, Item.module_id, Item.position, Question.position)
    )
    for question in questions:
        if question.type == "true_false":
            continue
        answers = (
            list(question.accepted or ())
            if question.type == "short"
            else [option.text for option in question.options if option.correct]
        )
        given = answer_in_prompt(question.prompt, answers)
        if given is not None:
            course = courses[question.item.course_id]
            report.giveaways.append(
                QuestionFinding(
                    course.slug, course.title, question.item.key, question.item.title,
                    question.key, given,
                )
            )
