"""Admin forms."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..forms import LmsForm, select_choices
from ..permissions import ROLES


class RoleForm(LmsForm):
    role = HiddenField(validators=[DataRequired(), AnyOf(list(ROLES))])
    action = HiddenField(validators=[DataRequired(), AnyOf(["grant", "revoke"])])


class AuditFilterForm(LmsForm):
    class Meta:
        csrf = False  # a GET search form

    action = StringField(_l("Action contains"), validators=[Optional()])
    actor = IntegerField(
        _l("Actor (user id)"), validators=[Optional(), NumberRange(min=1, max=2**31 - 1)]
    )
    subject_type = SelectField(_l("Subject type"), choices=[], validate_choice=False)
    since = DateField(_l("From date"), validators=[Optional()])
    until = DateField(_l("To date"), validators=[Optional()])

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The dates are the wrong way round: this date is before "
                                     "the From date."))


class UserSearchForm(LmsForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or email"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=select_choices([("", _l("Any role")), *ROLES.items()]),
        validators=[Optional()],
    )
