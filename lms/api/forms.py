"""The form that makes a personal access token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import LmsForm, select_choices
from .tokens import LIFETIMES


class TokenForm(LmsForm):
    name = StringField(
        _l("Name"),
        description=_l("What the token is for, e.g. “CRM sync”."),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=80)],
    )
    scopes = SelectMultipleField(
        _l("Scopes"),
        choices=[],
        validators=[DataRequired(_l("Choose at least one scope."))],
    )
    days = SelectField(
        _l("Expires after"),
        choices=select_choices(
            (str(d), lazy_ngettext("%(num)d day", "%(num)d days", d)) for d in LIFETIMES
        ),
        default="30",
    )
