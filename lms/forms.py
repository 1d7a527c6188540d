"""The base forms that every package's forms inherit from.

Their messages, WTForms' own defaults included ("This field is required.",
"Invalid email address."), come out in the page's language: looked up in
the platform's catalogue first (where :mod:`lms.form_messages` puts them, so
Urdu and Gujarati have them too), then in WTForms' bundled catalogue, which
is parsed once per locale for the life of the process (Flask-WTF parsed it
on the first form of every request).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)
from wtforms.csrf.core import CSRFTokenField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Regexp, ValidationError
from wtforms.widgets import HiddenInput

from .form_messages import CSRF_MESSAGES
from .input_guard import CONTROL


@cache
def _catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _FormTranslations:
    """WTForms' translations interface: the platform's catalogue, then WTForms' own.

    A message the platform's catalogue does not have (English, or one a newer
    WTForms added) comes back unchanged from it, and WTForms' catalogue is asked.
    """

    def gettext(self, string: str) -> str:
        translated = get_translations().ugettext(string)
        if translated != string:
            return translated
        return _catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        translated = get_translations().ungettext(singular, plural, n)
        if translated not in (singular, plural):
            return translated
        return _catalogue(str(get_locale())).ungettext(singular, plural, n)


_TRANSLATIONS = _FormTranslations()


class _TranslatedMeta:
    """Form options (``class Meta``): messages through :class:`_FormTranslations`.

    ``WTF_I18N_ENABLED = False`` turns it off, as it does for Flask-WTF.
    """

    def get_translations(self, form):
        if not current_app.config.get("WTF_I18N_ENABLED", True):
            return super().get_translations(form)
        return _TRANSLATIONS


class PlainForm(Form):
    """A form without CSRF, its messages translated like :class:`LmsForm`'s.

    For a GET form's filters and for the rows of a ``FormField`` (WTForms
    makes those with their own class's options, not the outer form's).
    """

    Meta = _TranslatedMeta


class _HiddenInputWithoutId(HiddenInput):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", False)  # WTForms leaves out an attribute whose value is False
        return super().__call__(field, **kwargs)


class _CSRFTokenField(CSRFTokenField):
    """The CSRF token field, rendered without WTForms' ``id`` (``id="csrf_token"``), like
    :func:`lms.templating.csrf_field`: nothing refers to a hidden field, and a page with
    several forms (a notice's Open and Mark as read, a question's editor and its Delete)
    would repeat the id."""

    widget = _HiddenInputWithoutId()


class _CSRF(FlaskForm.Meta.csrf_class):  # Flask-WTF's, reached without its private name
    field_class = _CSRFTokenField


class LmsForm(FlaskForm):
    """A Flask-WTF form (CSRF included) with its messages in the page's language.

    A field that takes one value and was sent several (``choice=for&choice=against``)
    is refused with an error on that field: WTForms would silently keep the first.
    """

    class Meta(_TranslatedMeta, FlaskForm.Meta):
        csrf_class = _CSRF

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        formdata = self.meta.wrap_formdata(self, formdata)
        super().process(formdata, obj, data, extra_filters, **kwargs)
        self._sent_twice = _sent_more_than_once(self, formdata)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        csrf = self._fields.get(self.meta.csrf_field_name) if self.meta.csrf else None
        if csrf is not None and csrf.errors:
            # Flask-WTF raises its reasons in English, without gettext.
            csrf.errors = [csrf.gettext(e) if e in CSRF_MESSAGES else e for e in csrf.errors]
        for field in getattr(self, "_sent_twice", ()):
            field.errors = [*field.errors, _l("This field was sent more than once.")]
            valid = False
        return valid


def new_token() -> str:
    """A fresh token for a form that stores a record (see :class:`SentOnceForm`)."""
    return secrets.token_urlsafe(24)


class SentOnceForm(LmsForm):
    """A form that stores a record: its ``submit_token`` lets a resend find the first.

    A tap sent twice on a poor connection, or the back button and "send" again,
    would otherwise store the post, comment or proposal twice. The token is made
    when the form is first shown (:meth:`fresh`) and kept when the form comes back
    with errors, so fixing them and sending stores one record. The table holding
    the record makes ``(author, submit_token)`` unique; the view looks the first
    one up when the insert is refused.
    """

    submit_token = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{16,64}$")])

    def fresh(self):
        """Give the form a token unless it already carries one; returns the form."""
        if not self.submit_token.data:
            self.submit_token.data = new_token()
        return self


#: Fields that take several values under one name; every other field takes one.
_MULTI_VALUED = (SelectMultipleField, MultipleFileField)


def _single_valued(fields) -> Iterator:
    """The fields that take one value, looking inside ``FormField`` and ``FieldList``."""
    for f in fields:
        if isinstance(f, FormField):
            yield from _single_valued(f.form)
        elif isinstance(f, FieldList):
            yield from _single_valued(f.entries)
        elif not isinstance(f, _MULTI_VALUED):
            yield f


def _sent_more_than_once(form: FlaskForm, formdata) -> list:
    """The single-valued fields of ``form`` that ``formdata`` holds more than one value for."""
    if formdata is None or not hasattr(formdata, "getlist"):
        return []
    return [f for f in _single_valued(form) if len(formdata.getlist(f.name)) > 1]


class SingleLine:
    """Validator: the value is one line (no line break, tab or other control character).

    For what ends up in a mail header (a subject) or a one-line listing: a line
    break there would start a new header (``Bcc:``) or forge a line.
    """

    def __init__(self, message=None) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data and CONTROL.search(str(field.data)):
            raise ValidationError(
                self.message or _l("Write this on one line, without line breaks or tabs.")
            )


#: Bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069).
#: They change the order in which the text around them is shown: "Demo\u202e Learner"
#: prints as "Demo renraeL". The marks U+200E/U+200F (LRM, RLM) and U+061C (ALM) only
#: nudge neutral characters and are left alone.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


class NoBidiControls:
    """Validator: the text holds no bidirectional formatting controls.

    For what members decide on and what is printed as it was typed (a proposal's
    title and text, the values it would write): an override in it would show the
    words in another order than they are stored, so what members read and vote on
    would not be what is recorded and carried out. Arabic, Urdu or Hebrew letters
    need no controls: the browser lays them out from the letters themselves.
    """

    def __init__(self, message=None) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data and BIDI_CONTROLS.search(str(field.data)):
            raise ValidationError(self.message or _l(
                "Remove the invisible text-direction characters (they make the text show in"
                " another order than it is written)."
            ))


class PersonName(NoBidiControls):
    """Validator: a person's name holds no bidirectional formatting controls.

    A name is shown on certificates, verification pages and lists; an override
    in it would display the letters in another order than they are stored (a
    forged-looking or misleading name).
    """

    def __init__(self, message=None) -> None:
        super().__init__(message or _l(
            "Remove the invisible text-direction characters from the name (they make it"
            " show in another order than it is written)."
        ))


def select_choices(pairs: Mapping[Any, Any] | Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Make the options of a select or radio field from ``(value, label)`` pairs.

    WTForms 3.3 deprecates options given as tuples (and drops them in 3.4);
    this keeps a list of options as short to write as the tuples were.

    .. code-block:: python

        level = SelectField(_l("Level"), choices=select_choices(LEVEL_LABELS))

    :param pairs: The ``(value, label)`` pairs, or a mapping of each value to
        its label. A lazy label (``lazy_gettext``) is kept as it is, so it is
        translated each time the field is rendered, in that request's language.
    """
    items = pairs.items() if isinstance(pairs, Mapping) else pairs
    return [SelectChoice(value, label) for value, label in items]


class LanguageForm(LmsForm):
    """The language chooser of every page: one button per language, and where to return."""

    code = SelectField(choices=[], validate_choice=True)
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        languages = current_app.config["LMS_LANGUAGE_LIST"]
        self.code.choices = [SelectChoice(code) for code in languages]
