"""The base form that every package's forms inherit from.

Flask-WTF loads and parses WTForms' own message catalogue (the defaults
such as "This field is required.") on the first form of *every* request. The
catalogue never changes while the process runs, so this base keeps one
parsed catalogue per locale for the life of the process instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    FormField,
    HiddenField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
)
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from .input_guard import CONTROL


@cache
def _catalogue(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _CachedTranslations:
    """WTForms' translations interface over the per-locale cache."""

    def gettext(self, string: str) -> str:
        return _catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _catalogue(str(get_locale())).ungettext(singular, plural, n)


_TRANSLATIONS = _CachedTranslations()


class LmsForm(FlaskForm):
    """A Flask-WTF form (CSRF included) with process-wide cached WTForms messages.

    A field that takes one value and was sent several (``choice=for&choice=against``)
    is refused with an error on that field: WTForms would silently keep the first.
    """

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _TRANSLATIONS

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        formdata = self.meta.wrap_formdata(self, formdata)
        super().process(formdata, obj, data, extra_filters, **kwargs)
        self._sent_twice = _sent_more_than_once(self, formdata)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in getattr(self, "_sent_twice", ()):
            field.errors = [*field.errors, _l("This field was sent more than once.")]
            valid = False
        return valid


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


class LanguageForm(LmsForm):
    """The language chooser of every page: one button per language, and where to return."""

    code = SelectField(choices=[], validate_choice=True)
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.code.choices = list(current_app.config["LMS_LANGUAGE_LIST"])
