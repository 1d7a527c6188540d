"""Certificates forms: they validate and populate; views save."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from lms.forms import LmsForm, PersonName
from lms.routing import DB_INT_MAX


class RevokeForm(LmsForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Kept privately and in the audit log; never shown on the public page."),
    )


class CorrectForm(LmsForm):
    """A correction changes only the holder's name. The course's title, outcomes and
    dates are what the completed course version said; no field here can type them."""

    learner_name = StringField(
        _l("Holder's name"),
        validators=[DataRequired(), Length(max=120), PersonName()],
        description=_l("Only the name can be corrected; the course, its outcomes and the "
                       "dates stay as earned."),
    )
    reason = TextAreaField(
        _l("Reason for the correction"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Kept privately and in the audit log; never shown on the public page."),
    )


class ConfirmForm(LmsForm):
    """A button that only carries the CSRF token."""


class KnownCourse:
    """Validator: the value is the short name of a course that exists.

    A setting or a bulk run for a mistyped course would be saved or started and then
    apply to nothing. Certificates does not import the courses plugin: it reads the
    course table as :mod:`certificates.bulk` reads completions.
    """

    def __call__(self, form, field) -> None:
        from .bulk import course_exists

        if field.errors or not field.data:
            return  # already refused (not a short name, too long): nothing to look up
        if not course_exists(field.data.strip()):
            raise ValidationError(_l("No course has this short name. Check it in the "
                                     "course's address (/courses/<short name>)."))


class ValidityForm(LmsForm):
    course_slug = StringField(_l("Course (its short name)"),
                              validators=[DataRequired(), Length(max=80), KnownCourse()])
    validity_months = IntegerField(
        _l("Valid for (months)"),
        validators=[Optional(), NumberRange(min=1, max=1200)],
        description=_l("Leave empty for certificates that never expire."),
    )


class VerifyFileForm(LmsForm):
    file = FileField(
        _l("Certificate PDF or credential JSON"),
        validators=[FileRequired()],
        description=_l("The file is checked here and not kept."),
    )


SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"


class CourseChoiceForm(LmsForm):
    """Choose a course by its slug (for the template editor)."""

    course = StringField(
        _l("Course (its short name)"),
        validators=[DataRequired(), Length(max=80),
                    Regexp(SLUG_PATTERN, message=_l("Use the course's short name, "
                                                    "e.g. members-meetings."))],
    )


def _cohort_id(value) -> int | None:
    """A cohort's id from the form ("" when none is chosen)."""
    return None if value in (None, "") else int(value)


class BulkForm(LmsForm):
    """Choose what a bulk action covers: a whole course, or one cohort (its learners in
    its course).

    The view fills ``cohort.choices`` with the cohorts the user may act on, and
    sets ``whole_courses`` when the user may also choose a course (admins). A
    cohort outside the choices, or a course from a user who may not choose
    one, passes here: the view answers 404 or 403 for it.
    """

    whole_courses = True

    course = StringField(
        _l("Course (its short name)"),
        validators=[Optional(), Length(max=80),
                    Regexp(SLUG_PATTERN, message=_l("Use the course's short name, "
                                                    "e.g. members-meetings.")),
                    KnownCourse()],
        description=_l("Every completion of the course."),
    )
    cohort = SelectField(
        _l("Cohort"), coerce=_cohort_id, choices=[], validate_choice=False,
        description=_l("Only the cohort's learners, in its course."),
    )

    def validate(self, extra_validators=None) -> bool:
        """Check the fields, then that exactly one of course and cohort is chosen."""
        if not super().validate(extra_validators):
            return False
        chose_course, chose_cohort = bool(self.course.data), self.cohort.data is not None
        if chose_cohort and not 1 <= self.cohort.data <= DB_INT_MAX:
            # No cohort has such an id, and the database could not even compare it (SQLite
            # past 2**63, PostgreSQL's integer past 2**31): refused before any query.
            self.cohort.errors.append(_l("There is no such cohort among those you may act on."))
            return False
        if chose_course and chose_cohort:
            self.cohort.errors.append(_l("Choose a course or a cohort, not both."))
            return False
        if not (chose_course or chose_cohort):
            if self.whole_courses:
                self.course.errors.append(_l("Choose a course or a cohort."))
            else:
                self.cohort.errors.append(_l("Choose a cohort."))
            return False
        return True


class TemplateForm(LmsForm):
    html = TextAreaField(
        _l("HTML template"),
        validators=[DataRequired(), Length(max=100_000)],
        description=_l("Jinja, run in a sandbox; the variables are listed below."),
        render_kw={"rows": 18, "spellcheck": "false"},
    )
    css = TextAreaField(
        _l("CSS"),
        validators=[Length(max=100_000)],
        description=_l("Only data: URLs and the packaged fonts may be used."),
        render_kw={"rows": 12, "spellcheck": "false"},
    )
    rerender = BooleanField(
        _l("Also re-render the course's issued certificates with it (in the background)")
    )
    #: The saved template the page was opened on (its time of saving; empty for the
    #: default), so that saving from a stale page does not silently replace a newer one.
    based_on = HiddenField()
