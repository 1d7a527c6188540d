"""WTForms' and Flask-WTF's own messages come out in the page's language, from our catalogues.

WTForms ships Polish but neither Urdu nor Gujarati, and Flask-WTF raises its
CSRF reasons in English; :mod:`lms.form_messages` puts them all in the
platform's catalogues and :mod:`lms.forms` looks there first.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import flask_wtf
import pytest
import wtforms
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import g, request
from flask_babel import force_locale
from flask_wtf.csrf import generate_csrf
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from lms import forms
from lms.form_messages import CSRF_MESSAGES
from lms.i18n import LANGUAGE_COOKIE
from lms.testing import TEMPLATE, compile_shipped_catalogues, csrf_token


@pytest.fixture(scope="module")
def shipped_catalogues(tmp_path_factory) -> str:
    """The shipped catalogues, compiled (whatever ``make translations`` last built)."""
    return compile_shipped_catalogues(tmp_path_factory.mktemp("shipped"))


@pytest.fixture()
def app_config(app_config, shipped_catalogues):
    return {**app_config, "LMS_LANGUAGES": "en,ur,pl,gu", "LMS_LANGUAGE_MIN_TRANSLATED": 0,
            "BABEL_TRANSLATION_DIRECTORIES": shipped_catalogues}


def _template_ids() -> set[str]:
    with TEMPLATE.open("rb") as pot:
        return {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(pot) if m.id}


def _looked_up_by(package) -> set[str]:
    """The messages ``package`` looks up with ``gettext``/``ngettext`` (from its source)."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        Path(package.__file__).parent, method_map=[("**.py", "python")],
        keywords={"gettext": None, "ngettext": (1, 2), "_": None},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_wtforms_and_flask_wtf_show_is_in_our_template():
    """An upgrade that brings a new message fails here: add it to lms/form_messages.py."""
    shown = _looked_up_by(wtforms) | _looked_up_by(flask_wtf) | set(CSRF_MESSAGES)
    missing = sorted(shown - _template_ids())
    assert missing == [], missing
    assert "Invalid email address." in shown and "The CSRF token is invalid." in shown


def _errors(text: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r'<p class="error-message"[^>]*>(.*?)</p>', text, re.S)]


def test_an_empty_required_field_is_refused_in_urdu(app, db, make_user, login):
    """The LTI registration's fields use WTForms' default messages."""
    client = login(make_user(roles=("admin",)))
    client.set_cookie(LANGUAGE_COOKIE, "ur")
    response = client.post("/admin/lti/", data={
        "csrf_token": csrf_token(client, "/admin/lti/"), "name": "", "issuer": "x" * 301,
        "client_id": "c", "auth_login_url": "https://-not-a-host-/a", "auth_token_url": "https://p.example/t",
        "key_set_url": "https://p.example/k", "deployment_ids": "1",
    })
    assert response.status_code == 400
    errors = _errors(response.get_data(as_text=True))
    assert "غلطی: یہ خانہ ضروری ہے۔" in errors  # "Error: This field is required."
    assert "غلطی: اس خانے میں 300 سے زیادہ حروف نہیں ہو سکتے۔" in errors
    assert "غلطی: ویب پتہ (URL) درست نہیں۔" in errors
    assert not any("field" in e or "Invalid" in e for e in errors), errors


def test_wtforms_messages_in_each_language_with_their_plurals(app):
    class Form(forms.LmsForm):
        class Meta:
            csrf = False

        name = StringField(validators=[DataRequired(), Length(min=2, max=5)])

    expected = {
        "ur": ["اس خانے میں 2 سے 5 تک حروف ہونے چاہییں۔"],
        "pl": ["Pole musi mieć od 2 do 5 znaków."],
        "gu": ["આ ખાનામાં 2 થી 5 અક્ષરો હોવા જોઈએ."],
        "en": ["Field must be between 2 and 5 characters long."],
    }
    for code, errors in expected.items():
        with app.test_request_context("/", method="POST", data={"name": "abcdefg"}), \
                force_locale(code):
            form = Form()
            assert not form.validate()
            assert form.name.errors == errors, code
    # A GET form's filters and a FormField's rows (PlainForm) translate alike.
    from courses.forms import CatalogueFilterForm

    with app.test_request_context("/?q=" + "x" * 101), force_locale("pl"):
        form = CatalogueFilterForm(request.args)
        assert not form.validate()
        assert form.q.errors == ["Pole może mieć najwyżej 100 znaków."]


def test_select_options_declared_once_come_out_in_each_pages_language(app):
    """A select's labels are declared at import (``select_choices``) and translated when shown."""
    from courses.forms import CatalogueFilterForm

    for code, label in (("pl", "Wprowadzający"), ("en", "Introductory"), ("pl", "Wprowadzający")):
        with app.test_request_context("/"), force_locale(code):
            assert f">{label}</option>" in str(CatalogueFilterForm().level), code


def test_a_bad_csrf_token_is_refused_in_urdu(app, client):
    client.set_cookie(LANGUAGE_COOKIE, "ur")
    response = client.post("/account/login", data={
        "csrf_token": "not-a-token", "email": "a@example.org", "password": "x",
    })
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert 'lang="ur"' in text
    # "This form has expired or was sent from another site. Please go back, reload ..."
    assert ("اس فارم کی مدت ختم ہو گئی ہے یا یہ کسی اور سائٹ سے بھیجا گیا۔ براہِ کرم واپس جائیں، "
            "صفحہ دوبارہ لوڈ کریں اور دوبارہ کوشش کریں۔") in text
    assert "expired" not in text and "CSRF" not in text


def test_flask_wtf_csrf_reasons_are_translated_on_the_form(app):
    """Where a form checks its own token (the global check not run), Flask-WTF's English
    reason is given in the page's language."""
    for code, reason in (("ur", "حفاظتی کوڈ (CSRF ٹوکن) درست نہیں ہے۔"),
                         ("pl", "Token zabezpieczający (CSRF) jest nieprawidłowy."),
                         ("gu", "સુરક્ષા કોડ (CSRF ટોકન) માન્ય નથી."),
                         ("en", "The CSRF token is invalid.")):
        with app.test_request_context("/", method="POST", data={"csrf_token": "bad"}), \
                force_locale(code):
            # (``g`` is the app context's, shared by these request contexts.)
            g.pop("csrf_valid", None)
            g.pop("csrf_token", None)
            generate_csrf()  # the session has a token; the one sent is not it
            form = forms.LmsForm()
            assert not form.validate()
            assert form.csrf_token.errors == [reason], code
