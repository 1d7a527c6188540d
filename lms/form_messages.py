"""WTForms' and Flask-WTF's own messages, so that they are in our catalogues.

WTForms ships catalogues for some languages (Polish, not Urdu or Gujarati)
and Flask-WTF none for its CSRF messages. The forms (:mod:`lms.forms`)
translate these messages with the platform's catalogue first, so every
language offered has them, translated and reviewed with the rest of the
interface (``tests/lms/test_catalogues.py``), and Flask-WTF's CSRF reasons
are translated too. ``tests/lms/test_form_messages.py`` fails when an
upgrade brings a message that is not listed here.
"""

from __future__ import annotations

from flask_babel import gettext, ngettext

#: Flask-WTF's CSRF reasons. It raises them as they are (no ``gettext``); the
#: forms translate a CSRF field's errors through the catalogue.
CSRF_MESSAGES = (
    "The CSRF token is missing.",
    "The CSRF session token is missing.",
    "The CSRF token has expired.",
    "The CSRF token is invalid.",
    "The CSRF tokens do not match.",
    "The referrer header is missing.",
    "The referrer does not match the host.",
)


def _for_extraction() -> None:
    """Never called: ``make messages`` (``pybabel extract``) finds the messages here.

    WTForms looks each up with the English text as the key at validation time
    (``field.gettext``/``field.ngettext``), then fills the placeholders.
    """
    # Flask-WTF (flask_wtf/csrf.py), as CSRF_MESSAGES above.
    gettext("The CSRF token is missing.")
    gettext("The CSRF session token is missing.")
    gettext("The CSRF token has expired.")
    gettext("The CSRF token is invalid.")
    gettext("The CSRF tokens do not match.")
    gettext("The referrer header is missing.")
    gettext("The referrer does not match the host.")
    # Flask-WTF's file validators (flask_wtf/file.py).
    gettext("File does not have an approved extension: {extensions}")
    gettext("File does not have an approved extension.")
    # WTForms' validators (wtforms/validators.py).
    gettext("Invalid field name '%s'.")
    gettext("Field must be equal to %(other_name)s.")
    ngettext("Field must be at least %(min)d character long.",
             "Field must be at least %(min)d characters long.", 1)
    ngettext("Field cannot be longer than %(max)d character.",
             "Field cannot be longer than %(max)d characters.", 1)
    ngettext("Field must be exactly %(max)d character long.",
             "Field must be exactly %(max)d characters long.", 1)
    gettext("Field must be between %(min)d and %(max)d characters long.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Number must be between %(min)s and %(max)s.")
    gettext("Date must be at least %(min)s.")
    gettext("Date must be at most %(max)s.")
    gettext("Date must be between %(min)s and %(max)s.")
    gettext("This field is required.")
    gettext("Invalid input.")
    gettext("Invalid email address.")
    gettext("Invalid IP address.")
    gettext("Invalid Mac address.")
    gettext("Invalid URL.")
    gettext("Invalid UUID.")
    gettext("Invalid value, must be one of: %(values)s.")
    gettext("Invalid value, can't be any of: %(values)s.")
    gettext("This field cannot be edited.")
    gettext("This field is disabled and cannot have a value.")
    # WTForms' CSRF (wtforms/csrf/), for forms using its session CSRF.
    gettext("Invalid CSRF Token.")
    gettext("CSRF token missing.")
    gettext("CSRF failed.")
    gettext("CSRF token expired.")
    # WTForms' fields (wtforms/fields/).
    gettext("Invalid Choice: could not coerce.")
    gettext("Choices cannot be None.")
    gettext("Not a valid choice.")
    gettext("Invalid choice(s): one or more data inputs could not be coerced.")
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field.", 1)
    gettext("Not a valid datetime value.")
    gettext("Not a valid date value.")
    gettext("Not a valid time value.")
    gettext("Not a valid week value.")
    gettext("Not a valid integer value.")
    gettext("Not a valid decimal value.")
    gettext("Not a valid float value.")
