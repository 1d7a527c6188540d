"""Cohort forms: they validate and populate; views save."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from lms.forms import LmsForm, SentOnceForm, SingleLine

#: The last day a group may start or end on. Its schedule counts up to ten years of days
#: from its start (a module's ``unlock_after_days``); a date near the year 9999, typed as
#: "no end", overflowed and failed its members' pages.
LAST_DATE = dt.date(2099, 12, 31)


def _not_too_late(form, field) -> None:
    if field.data and field.data > LAST_DATE:
        raise ValidationError(_l("Enter a date in %(year)d or before.", year=LAST_DATE.year))


class CohortForm(LmsForm):
    """An admin's cohort details."""

    course_id = SelectField(_l("Course"), coerce=int, choices=[], validate_choice=True)
    name = StringField(
        _l("Name of the group"),
        validators=[DataRequired(_l("Enter a name.")), Length(max=200), SingleLine()],
        description=_l("For example: “Riverside food co-op, spring”."),
    )
    start_date = DateField(
        _l("Starts on"),
        validators=[DataRequired(_l("Enter the start date, like 2027-01-15.")), _not_too_late],
    )
    end_date = DateField(
        _l("Ends on"),
        validators=[DataRequired(_l("Enter the end date, like 2027-03-31.")), _not_too_late],
    )
    capacity = IntegerField(
        _l("Places (leave empty for no limit)"),
        validators=[
            Optional(),
            NumberRange(
                min=1, max=100000, message=_l("Enter a whole number of places, 1 or more.")
            ),
        ],
    )
    enrolment_key = StringField(
        _l("Enrolment key (optional)"),
        # Stripped before the length is checked: "     k" passed as six characters and was
        # saved as a one-letter key, which anyone guesses.
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[Optional(), Length(min=6, max=64, message=_l("Use 6 to 64 characters."))],
        description=_l(
            "Learners who have the key can join the group from the course page."
            " Leave it empty to bring people in only by upload."
        ),
    )

    def validate_end_date(self, field):
        if self.start_date.data and field.data and field.data < self.start_date.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def populate(self, cohort) -> None:
        cohort.course_id = self.course_id.data
        cohort.name = " ".join(self.name.data.split())
        cohort.start_date = self.start_date.data
        cohort.end_date = self.end_date.data
        cohort.capacity = self.capacity.data
        cohort.enrolment_key = (self.enrolment_key.data or "").strip() or None


class TutorForm(LmsForm):
    email = EmailField(
        _l("Tutor's email address"),
        validators=[DataRequired(_l("Enter the tutor's email address.")), Length(max=320)],
        render_kw={"autocomplete": "off"},
    )


class UploadForm(LmsForm):
    file = FileField(
        _l("CSV file with the columns email and name"),
        validators=[FileRequired(_l("Choose a CSV file to upload."))],
    )


class JoinForm(LmsForm):
    key = StringField(
        _l("Enrolment key"),
        validators=[DataRequired(_l("Enter the enrolment key your tutor gave you.")),
                    Length(max=64)],
        render_kw={"autocomplete": "off"},
    )


class AnnouncementForm(SentOnceForm):
    subject = StringField(
        _l("Subject"),
        validators=[DataRequired(_l("Enter a subject.")), Length(max=200), SingleLine()],
    )
    body = TextAreaField(
        _l("Message (Markdown)"),
        validators=[DataRequired(_l("Write the message.")), Length(max=20000)],
    )


class MatrixFilterForm(LmsForm):
    """The progress matrix's sort and filters (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Find a learner"), validators=[Optional(), Length(max=100)])
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("name", _l("Name")),
            SelectChoice("progress", _l("Progress, least first")),
            SelectChoice("-progress", _l("Progress, most first")),
            SelectChoice("activity", _l("Last activity, oldest first")),
        ],
        default="name",
        validate_choice=True,
    )
    show = SelectField(
        _l("Show"),
        choices=[
            SelectChoice("all", _l("Everyone")),
            SelectChoice("at-risk", _l("Only learners at risk")),
        ],
        default="all",
        validate_choice=True,
    )
    idle_days = IntegerField(
        _l("At risk after this many days without activity"),
        default=7,
        validators=[Optional(), NumberRange(min=1, max=365, message=_l("Enter 1 to 365 days."))],
    )

