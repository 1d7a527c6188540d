"""The base form that every package's forms inherit from.

Flask-WTF loads and parses WTForms' own message catalogue (the defaults
such as "This field is required.") on the first form of *every* request. The
catalogue never changes while the process runs, so this base keeps one
parsed catalogue per locale for the life of the process instead.
"""

from __future__ import annotations

from functools import cache

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path


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
    """A Flask-WTF form (CSRF included) with process-wide cached WTForms messages."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _TRANSLATIONS
