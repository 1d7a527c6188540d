"""Account forms: they validate and populate; views save."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..forms import LmsForm, PersonName


class _MinLength:
    """Password length read from config when the form validates."""

    def __call__(self, form, field):
        minimum = current_app.config["LMS_PASSWORD_MIN_LENGTH"]
        if len(field.data or "") < minimum:
            raise ValidationError(ngettext("Use at least %(num)d character.",
                                           "Use at least %(num)d characters.", minimum))
        if len(field.data) > 1024:
            raise ValidationError(_l("Use at most 1024 characters."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label=None):
    return EmailField(
        label or _l("Email address"),
        filters=[_strip],  # a pasted address often carries spaces
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter an email address like name@example.org."), check_deliverability=False),
            Length(max=320),
        ],
        render_kw={"autocomplete": "email"},
    )


def _new_password(label=None):
    return PasswordField(
        label or _l("Password"),
        validators=[DataRequired(_l("Choose a password.")), _MinLength()],
        render_kw={"autocomplete": "new-password"},
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
    )


def _confirm(field="password"):
    return PasswordField(
        _l("Type the password again"),
        validators=[
            DataRequired(_l("Type the password again.")),
            EqualTo(field, _l("The two passwords do not match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class RegisterForm(LmsForm):
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=120), PersonName()],
        render_kw={"autocomplete": "name"},
        description=_l("As you would like it on your certificates."),
    )
    email = _email_field()
    password = _new_password()
    confirm = _confirm()


class LoginForm(LmsForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LogoutForm(LmsForm):
    """Only carries the CSRF token: logging out is a POST."""


class ChangePasswordForm(LmsForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password(_l("New password"))
    confirm = _confirm()


class ResetRequestForm(LmsForm):
    email = _email_field()


class ResetPasswordForm(LmsForm):
    password = _new_password(_l("New password"))
    confirm = _confirm()


class ProfileForm(LmsForm):
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=120), PersonName()],
        render_kw={"autocomplete": "name"},
    )
    locale = SelectField(_l("Language"), choices=[], validate_choice=True)
    time_zone = SelectField(
        _l("Time zone"),
        choices=[],
        # Left out of the form (older pages, scripts): the person keeps the site's zone.
        validate_choice=False,
        description=_l("Times on the site and in emails, such as when a vote closes, are shown "
                       "in this time zone."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from babel import Locale

        from ..i18n import time_zone_names

        site = current_app.config["LMS_TIME_ZONE"]
        self.time_zone.choices = [
            SelectChoice("", _l("The site's time zone (%(zone)s)", zone=site))
        ] + [SelectChoice(name, name.replace("_", " ")) for name in time_zone_names()]

        self.locale.choices = [SelectChoice("", _l("As my browser prefers"))] + [
            SelectChoice(code, Locale.parse(code).get_display_name(code).capitalize())
            for code in current_app.config["LMS_LANGUAGE_LIST"]
        ]


    def validate_time_zone(self, field):
        from ..i18n import time_zone_names

        if field.data and field.data not in time_zone_names():
            raise ValidationError(_l("Choose a time zone from the list."))


class EmailChangeForm(LmsForm):
    email = _email_field(_l("New email address"))
    password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
