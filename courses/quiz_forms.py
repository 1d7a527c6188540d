"""The quiz authoring forms: a quiz's settings and its questions with their answer rows."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.forms import LmsForm, PlainForm, select_choices

from .forms import QUESTION_LABELS, EditedSince


class QuizForm(EditedSince, LmsForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    pass_mark = IntegerField(
        _l("Pass mark (percent)"),
        default=70,
        validators=[DataRequired(_l("Enter a pass mark.")), NumberRange(min=1, max=100)],
    )
    max_attempts = IntegerField(
        _l("Attempts allowed"),
        default=0,
        description=_l("0 means no limit."),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    required = BooleanField(_l("Learners must pass this to complete the course"), default=True)

    def populate(self, item) -> None:
        item.title = self.title.data.strip()
        item.pass_mark = self.pass_mark.data
        item.max_attempts = self.max_attempts.data or 0
        item.required = self.required.data


class OptionForm(PlainForm):
    text = StringField(_l("Answer"), validators=[Length(max=1000)])
    correct = BooleanField(_l("This answer is right"))
    feedback = StringField(_l("Feedback for this answer"), validators=[Length(max=1000)])


OPTION_ROWS = 6


class QuestionForm(EditedSince, LmsForm):
    type = SelectField(_l("Question type"), choices=select_choices(QUESTION_LABELS))
    prompt = TextAreaField(
        _l("Question"), validators=[DataRequired(_l("Enter the question.")), Length(max=5000)]
    )
    explanation = TextAreaField(
        _l("Explanation"),
        description=_l("Shown after the learner answers."),
        validators=[Length(max=5000)],
    )
    accepted = TextAreaField(
        _l("Accepted answers (short answer only)"),
        description=_l("One on each line."),
        validators=[Length(max=5000)],
    )
    # Fixed rows keep the form usable without JavaScript.
    option_1 = FormField(OptionForm, label=_l("Answer 1"))
    option_2 = FormField(OptionForm, label=_l("Answer 2"))
    option_3 = FormField(OptionForm, label=_l("Answer 3"))
    option_4 = FormField(OptionForm, label=_l("Answer 4"))
    option_5 = FormField(OptionForm, label=_l("Answer 5"))
    option_6 = FormField(OptionForm, label=_l("Answer 6"))

    def option_rows(self):
        return [self[f"option_{n}"] for n in range(1, OPTION_ROWS + 1)]

    def options_data(self) -> list[dict]:
        return [
            {
                "text": (row.form.text.data or "").strip(),
                "correct": bool(row.form.correct.data),
                "feedback": (row.form.feedback.data or "").strip(),
            }
            for row in self.option_rows()
        ]

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        filled = [o for o in self.options_data() if o["text"]]
        right = sum(1 for o in filled if o["correct"])
        if self.type.data == "short":
            if not (self.accepted.data or "").strip():
                self.accepted.errors.append(_l("Enter at least one accepted answer."))
                return False
            return True
        first = self.option_1.form.text.errors
        if len(filled) < 2:
            first.append(_l("Enter at least two answers."))
            return False
        if right == 0 or (self.type.data != "multiple" and right != 1):
            first.append(
                _l("Mark exactly one right answer.")
                if self.type.data != "multiple"
                else _l("Mark at least one right answer.")
            )
            return False
        return True

    def populate(self, question) -> None:
        question.type = self.type.data
        question.prompt = self.prompt.data.strip()
        question.explanation = self.explanation.data.strip()
        lines = (self.accepted.data or "").splitlines() if self.type.data == "short" else []
        question.accepted = [a.strip() for a in lines if a.strip()]
