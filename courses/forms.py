"""Courses forms: they validate and populate; views save."""

from __future__ import annotations

import datetime as dt
import re

from flask import g
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from lms.forms import LmsForm, PlainForm, SingleLine, select_choices

from .content_format import (
    dump_yaml,
    latest_today,
    read_sources_text,
    source_entries,
    sources_data,
)
from .markdown import cited_sources

#: Slugs the URL scheme keeps for itself.
RESERVED_SLUGS = frozenset(
    {"my", "author", "cohorts", "new", "static", "discuss", "assignments"}
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LEVEL_LABELS = {
    "introductory": _l("Introductory"),
    "intermediate": _l("Intermediate"),
    "advanced": _l("Advanced"),
}
QUESTION_LABELS = {
    "single": _l("Choose one answer"),
    "multiple": _l("Choose all answers that are right"),
    "true_false": _l("True or false"),
    "short": _l("Short written answer"),
}


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80] or "item"


def _slug(form, field):
    if not SLUG.match(field.data or ""):
        raise ValidationError(_l("Use lower-case letters, numbers and dashes, like my-course."))
    if field.data in RESERVED_SLUGS:
        raise ValidationError(_l("This web address is reserved. Choose another."))


class CatalogueFilterForm(PlainForm):
    """The catalogue's search and filters (a GET form: no CSRF)."""

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    topic = SelectField(_l("Topic"), choices=[], validate_choice=False)
    level = SelectField(
        _l("Level"),
        choices=select_choices([("", _l("Any level")), *LEVEL_LABELS.items()]),
        validate_choice=False,
    )
    language = SelectField(_l("Language"), choices=[], validate_choice=False)


class ActionForm(LmsForm):
    """A bare POST form: just the CSRF token (enrol, mark complete, move, publish)."""

    action = HiddenField()


def action_is_valid() -> bool:
    """Tell whether a bare POST (an :class:`ActionForm`) is valid, that is its CSRF token.

    Flask-WTF's ``CSRFProtect`` checks the token of every POST before the
    view runs and marks the request valid; the form would find that mark and
    pass, after building itself, which costs more than the rest of a
    repeated "mark complete". Without the mark (CSRF checks turned off, an
    exempt view) the form decides, as before.
    """
    return g.get("csrf_valid", False) or ActionForm().validate()


class CourseForm(LmsForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("Enter a title.")), Length(max=200), SingleLine()],
    )
    slug = StringField(
        _l("Web address name"),
        description=_l("Lower-case letters, numbers and dashes. It cannot change later."),
        validators=[DataRequired(_l("Enter a web address name.")), Length(max=80), _slug],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("One or two sentences for the catalogue."),
        validators=[Length(max=500)],
    )
    description = TextAreaField(_l("Description (Markdown)"), validators=[Length(max=20000)])
    outcomes = TextAreaField(
        _l("Learning outcomes"),
        description=_l("One outcome on each line."),
        validators=[Length(max=5000)],
    )
    topic = StringField(_l("Topic"), validators=[Length(max=80)])
    level = SelectField(_l("Level"), choices=select_choices(LEVEL_LABELS))
    language = StringField(
        _l("Language code"),
        default="en",
        description=_l("For example en, es or fr."),
        validators=[DataRequired(), Length(max=16)],
    )
    estimated_hours = DecimalField(
        _l("Estimated hours"),
        default=1,
        places=1,
        validators=[DataRequired(_l("Enter the hours.")), NumberRange(min=0, max=1000)],
    )
    is_open = BooleanField(_l("Open to new learners"), default=True)
    retire_date = DateField(
        _l("Leaves the catalogue on (optional)"),
        description=_l(
            "From this day new learners cannot find or join the course; learners already "
            "in it can still finish it. Leave empty to keep it listed."
        ),
        validators=[Optional()],
    )
    prerequisites = SelectMultipleField(
        _l("Courses to finish first"),
        coerce=int,
        choices=[],
        validate_choice=True,
        description=_l("Learners must complete these courses before they can join."),
    )

    def populate(self, course) -> None:
        course.title = self.title.data.strip()
        if course.id is None:
            course.slug = self.slug.data
        course.summary = self.summary.data.strip()
        course.description = self.description.data or ""
        course.outcomes = [line.strip() for line in self.outcomes.data.splitlines() if line.strip()]
        course.topic = self.topic.data.strip()
        course.level = self.level.data
        course.language = self.language.data.strip().lower()
        course.estimated_hours = float(self.estimated_hours.data)
        course.is_open = self.is_open.data

    def retire_dt(self) -> dt.datetime | None:
        """The moment the course leaves the catalogue: the start of the chosen day (UTC)."""
        day = self.retire_date.data
        return None if day is None else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)

    #: The date already saved: it may stay even once it has passed.
    saved_retire_date: dt.date | None = None

    def validate_retire_date(self, field) -> None:
        if field.data is None or field.data == self.saved_retire_date:
            return
        if field.data <= dt.datetime.now(dt.UTC).date():
            raise ValidationError(_l("Choose a day after today, or leave it empty."))


class ModuleForm(LmsForm):
    title = StringField(
        _l("New module title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )


class ModuleEditForm(LmsForm):
    """Rename a module and say when it opens."""

    title = StringField(
        _l("Module title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    unlock_after_days = IntegerField(
        _l("Opens after this many days (optional)"),
        description=_l(
            "Whole days after a group's start date. Leave empty to open it at once."
        ),
        validators=[
            Optional(),
            NumberRange(min=0, max=3650, message=_l("Enter a whole number of days, 0 or more.")),
        ],
    )

    def populate(self, module) -> None:
        module.title = self.title.data.strip()
        module.unlock_after_days = self.unlock_after_days.data


class CorrectionForm(LmsForm):
    """Which of the rulebook's minor corrections an edit of a live lesson is, and what it fixes.

    ``correction.choices`` are set by the view from the rulebook in force.
    """

    correction = SelectField(
        _l("This is a minor correction"),
        validators=[DataRequired(_l("Choose which minor correction this is."))],
    )
    correction_note = StringField(
        _l("What you corrected"),
        description=_l("Shown publicly on the course's decisions and changes page."),
        validators=[
            DataRequired(_l("Say what you corrected.")),
            Length(max=500, message=_l("Use at most 500 characters.")),
        ],
    )


def _id_or_none(value) -> int | None:
    """A row id from a form, or ``None`` for anything else (the validator then says why)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class MoveItemForm(LmsForm):
    """Move a lesson or quiz to the end of another module of the same course."""

    module = SelectField(
        _l("Move to module"),
        coerce=_id_or_none,
        choices=[],
        validate_choice=False,
        description=_l("It goes to the end of that module. Learners keep their progress."),
    )

    def validate_module(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose another module of this course."))


class SourcesField(TextAreaField):
    """A lesson's sources, edited as the YAML list its content file holds.

    The data is the text; :meth:`entries` gives the sources once the form
    validated.
    """

    def process_data(self, value) -> None:
        # From the item: the stored list, shown as the files write it.
        if isinstance(value, list):
            value = dump_yaml(sources_data(source_entries(value))) if value else ""
        self.data = value or ""

    def entries(self) -> list:
        return read_sources_text(self.data or "")[0]


class EditedSince:
    """Form mixin: notice a record saved since its edit page was first shown.

    Saving the older page would silently undo that save (two tabs, two
    authors). The view puts a hash of the record (an item's ``source_hash``,
    a question's :func:`~courses.question_authoring.question_fingerprint`) in
    ``edited_from`` when it first shows the page.
    """

    edited_from = HiddenField()

    def edited_since(self, current: str) -> bool:
        """Tell whether the record's hash is no longer ``edited_from``. A form sent
        without the field (a page from before it existed) is not checked."""
        return bool(self.edited_from.data) and self.edited_from.data != current


class LessonForm(EditedSince, LmsForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    body_md = TextAreaField(
        _l("Lesson text (Markdown)"),
        validators=[Length(max=100000)],
        render_kw={"rows": 18},
        description=_l(
            "Use # for headings, * for lists and [words](lesson:key) for links. Cite a source "
            "after a claim with [^its-id]; mark a claim that still needs one with "
            "[source needed]."
        ),
    )
    estimated_minutes = IntegerField(
        _l("Estimated minutes"), validators=[Optional(), NumberRange(min=0, max=600)]
    )
    required = BooleanField(_l("Learners must finish this to complete the course"), default=True)
    sources = SourcesField(
        _l("Sources"),
        validators=[Length(max=20000)],
        render_kw={"rows": 8},
        description=_l(
            "One entry for each source, as in the course files: - id: ica-1995, then on "
            "indented lines title, and if known publisher, year, url and accessed (the day "
            "you last read the page, like 2026-12-01)."
        ),
    )
    reviewed_on = DateField(
        _l("Last reviewed on (optional)"),
        description=_l("The day someone last checked this lesson against its sources."),
        validators=[Optional()],
    )
    review_every_months = IntegerField(
        _l("Review every this many months (optional)"),
        description=_l("Shorter for law and figures, which change."),
        validators=[
            Optional(),
            NumberRange(min=1, max=60, message=_l("Enter a whole number from 1 to 60.")),
        ],
    )

    def validate_reviewed_on(self, field) -> None:
        # A future date would put off the lesson's next review (courses.review) for as long.
        if field.data is not None and field.data > latest_today():
            raise ValidationError(
                _l("A lesson cannot have been reviewed on a day that has not come yet. Enter "
                   "the day it was last checked against its sources: today or earlier.")
            )

    # These messages quote what the author typed: gettext, not lazy_gettext, whose strings
    # count as safe markup and would reach the page unescaped.
    def validate_sources(self, field) -> None:
        _entries, problems = read_sources_text(field.data or "")
        for problem in problems:
            field.errors.append(
                gettext("Line %(line)s: %(message)s", line=problem.line or 1,
                        message=problem.message)
            )
        if problems:
            raise StopValidation()

    def validate_body_md(self, field) -> None:
        entries, problems = read_sources_text(self.sources.data or "")
        if problems:
            return  # The sources field says what is wrong; the citations wait for it.
        known = {entry.key for entry in entries}
        unknown = [key for key in cited_sources(field.data or "") if key not in known]
        if unknown:
            raise ValidationError(
                gettext(
                    "The text cites %(ids)s, but the lesson has no source with that id. Add "
                    "it under Sources, or remove the citation.",
                    ids=", ".join(f"[^{key}]" for key in unknown),
                )
            )

    def citations(self) -> list[tuple[str, str]]:
        """The sources as the preview numbers them: ``(id, title)``."""
        return [(entry.key, entry.title) for entry in self.sources.entries()]

    def populate(self, item) -> None:
        item.title = self.title.data.strip()
        item.body_md = self.body_md.data or ""
        item.estimated_minutes = self.estimated_minutes.data
        item.required = self.required.data
        item.sources = sources_data(self.sources.entries(), dates_as_text=True)
        item.reviewed_on = self.reviewed_on.data
        item.review_every_months = self.review_every_months.data
