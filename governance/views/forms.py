"""The governance pages' forms; a proposal's form is built from its kind's ``fields()``."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import DateInput, EmailInput, NumberInput

from lms.forms import LmsForm, NoBidiControls, SentOnceForm, SingleLine

#: Prefix of the kind's fields in the proposal form (keeps them apart from title and body).
PREFIX = "p_"


class ActionForm(LmsForm):
    """A bare POST form: the CSRF token (second, withdraw, approve, lapse, retry)."""

    action = HiddenField()


class ApplyForm(LmsForm):
    member_class = RadioField(
        _l("Member class"), validators=[DataRequired(_l("Choose a member class."))]
    )
    note = TextAreaField(
        _l("Anything the secretary should know (optional)"),
        validators=[Optional(), Length(max=500)],
    )


class EarlyForm(LmsForm):
    """Open or close a ballot early: the reason members will read."""

    reason = StringField(
        _l("Reason"),
        description=_l("Members see it on the ballot; it is kept in the audit log."),
        validators=[DataRequired(_l("Give a reason: members see it on the ballot.")),
                    Length(max=500)],
    )


class DeclineForm(LmsForm):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])


class CommentForm(SentOnceForm):
    body = TextAreaField(
        _l("Your comment"),
        description=_l("Markdown: *emphasis*, lists and links."),
        validators=[DataRequired(_l("Write a comment.")), Length(max=10000)],
    )


class VoteForm(LmsForm):
    choice = RadioField(
        _l("Your vote"),
        choices=[
            SelectChoice("for", _l("For")),
            SelectChoice("against", _l("Against")),
            SelectChoice("abstain", _l("Abstain")),
        ],
        validate_choice=False,
    )
    receipt = StringField(
        _l("Receipt code of your vote (to change it)"),
        validators=[Optional(), Length(max=40)],
    )


class KindChoiceForm(LmsForm):
    """Step one of raising a proposal: choose the kind (a GET form, no CSRF)."""

    class Meta(LmsForm.Meta):
        csrf = False

    kind = SelectField(_l("Kind of decision"), validators=[DataRequired()])


class ProposalForm(SentOnceForm):
    title = StringField(
        _l("Title of the proposal"),
        validators=[DataRequired(_l("Enter a title.")), Length(max=200), SingleLine(),
                    NoBidiControls()],
    )
    body = TextAreaField(
        _l("Why (optional)"),
        description=_l("The case for the proposal, in Markdown."),
        validators=[Optional(), Length(max=20000), NoBidiControls()],
    )
    secret = BooleanField(_l("Secret ballot"))


def _field_for(spec: dict[str, Any]):
    kind = str(spec.get("type", "text"))
    label = spec.get("label") or spec["name"]
    help_text = spec.get("help") or ""
    # What a decision would write (a course's title, a rule's value) is shown to members as
    # typed: none of it may read in another order than it is stored.
    validators = [Optional(), NoBidiControls()]
    if spec.get("max_length"):
        validators.append(Length(max=int(spec["max_length"])))
    options = {"description": help_text, "validators": validators}
    default = spec.get("default")
    if kind in ("boolean", "bool"):
        return BooleanField(label, default=bool(default), description=help_text)
    if kind == "choice":
        choices = [SelectChoice(str(v), str(lbl)) for v, lbl in spec.get("choices") or ()]
        if not spec.get("default"):
            choices = [SelectChoice("", _l("Choose…")), *choices]
        return SelectField(
            label, choices=choices, default=default, validate_choice=False, **options
        )
    if kind == "textarea":
        return TextAreaField(label, default=default, **options)
    if kind == "json":
        text = json.dumps(default, sort_keys=True) if default is not None else ""
        return TextAreaField(label, default=text, **options)
    widget = {
        "email": EmailInput(),
        "date": DateInput(),
        "int": NumberInput(),
        "integer": NumberInput(),
        "number": NumberInput(),
    }.get(kind)
    if widget is not None:
        return StringField(label, default=default, widget=widget, **options)
    return StringField(label, default=default, **options)


def proposal_form(kind, formdata=None) -> ProposalForm:
    """A proposal form with the kind's own fields after the common ones."""

    class KindForm(ProposalForm):
        pass

    specs = list(kind.fields())
    for spec in specs:
        setattr(KindForm, PREFIX + spec["name"], _field_for(spec))
    form = KindForm(formdata)
    form.kind_specs = specs
    return form


def payload_of(form: ProposalForm) -> dict[str, Any]:
    return {spec["name"]: form[PREFIX + spec["name"]].data for spec in form.kind_specs}


def show_payload_errors(form: ProposalForm, errors: dict[str, str]) -> None:
    """Put a kind's payload errors on the fields they name (the title when unknown)."""
    for name, message in errors.items():
        target = form._fields.get(PREFIX + name) or form.title
        target.errors = [*target.errors, str(message)]
