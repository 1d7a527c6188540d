"""Forms for data requests: they validate and populate; views save."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length

from ..forms import LmsForm
from .models import CLOSURE, EMAIL, EXPORT, IN_PERSON, POST


class ConfirmForm(LmsForm):
    """A button and its CSRF token (ask for an export, download it)."""


class CloseAccountForm(LmsForm):
    revoke_certificates = BooleanField(_l("Also revoke my certificates, so their pages say "
                                          "'revoked' and my name is erased from them"))
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password to confirm."))],
        render_kw={"autocomplete": "current-password"},
    )


class RecordRequestForm(LmsForm):
    """An admin records a request received outside the site: a copy of the data, or closing."""

    kind = SelectField(
        _l("What the person asks for"),
        choices=[
            SelectChoice(EXPORT, _l("A copy of their data")),
            SelectChoice(CLOSURE, _l("Closing their account")),
        ],
    )
    revoke_certificates = BooleanField(_l("Closing: they also ask to revoke their "
                                          "certificates"))
    email = EmailField(
        _l("The person's email address on this site"),
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
        validators=[DataRequired(_l("Enter the person's email address.")),
                    Email(_l("Enter an email address like name@example.org."),
                          check_deliverability=False), Length(max=320)],
    )
    channel = SelectField(
        _l("How the request reached us"),
        choices=[
            SelectChoice(POST, _l("By post")),
            SelectChoice(EMAIL, _l("By email")),
            SelectChoice(IN_PERSON, _l("In person")),
        ],
    )
    note = TextAreaField(
        _l("Note (what was received, when, how the person's identity was checked)"),
        validators=[DataRequired(_l("Write what was received and how identity was checked.")),
                    Length(max=2000, message=_l("Use at most 2000 characters."))],
    )
