"""Assignment forms: they validate; the views save."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from lms.forms import LmsForm

from .models import STATE_PASSED, STATE_RETURNED
from .spec import AssignmentSpec

MAX_TEXT = 50_000


#: The buttons of the learner's one form (``name="action"``).
ACTION_SAVE, ACTION_ATTACH, ACTION_SUBMIT = "save", "attach", "submit"


class AnswerForm(LmsForm):
    """The learner's one form: their answer, a file to attach, and which button they pressed.

    One form, so that attaching a file (or submitting) sends the answer typed
    so far too, and it is kept rather than lost with the page.
    """

    text = TextAreaField(
        _l("Your answer"),
        description=_l("Saved as a draft until you submit it. Markdown works."),
        validators=[Length(max=MAX_TEXT, message=_l("Keep your answer under 50,000 characters."))],
    )
    file = FileField(_l("File"))
    action = StringField()

    def validate_file(self, field) -> None:
        if self.action.data == ACTION_ATTACH and not field.data:
            raise ValidationError(_l("Choose a file."))


class MarkForm(LmsForm):
    lock_version = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9]{1,9}$")])
    feedback = TextAreaField(
        _l("Feedback to the learner"),
        validators=[
            DataRequired(_l("Write your feedback.")),
            Length(max=20_000, message=_l("Keep the feedback under 20,000 characters.")),
        ],
    )
    outcome = RadioField(
        _l("Outcome"),
        choices=[
            SelectChoice(STATE_PASSED, _l("Pass")),
            SelectChoice(STATE_RETURNED, _l("Ask for a resubmission")),
        ],
        validators=[InputRequired(_l("Choose whether the assignment passes."))],
    )


def mark_form(spec: AssignmentSpec, **kwargs) -> MarkForm:
    """A marking form with one choice of level per rubric criterion (``c-<criterion id>``)."""

    class _Form(MarkForm):
        pass

    for criterion in spec.rubric:
        setattr(
            _Form,
            f"c-{criterion.key}",
            RadioField(
                criterion.title,
                choices=[
                    SelectChoice(lv.key, f"{lv.title} ({lv.points})") for lv in criterion.levels
                ],
                validators=[InputRequired(_l("Choose a level."))],
            ),
        )
    return _Form(**kwargs)
