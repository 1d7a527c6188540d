"""The base form keeps WTForms' message catalogue for the life of the process."""

from babel import support

from lms import forms


def test_wtforms_catalogue_is_loaded_once_per_locale(client, monkeypatch):
    loads = []
    real_load = support.Translations.load

    def counting_load(*args, **kwargs):
        # WTForms' own catalogue; the app's (Flask-Babel's, once per app and locale) aside.
        if kwargs.get("domain") == "wtforms":
            loads.append(args)
        return real_load(*args, **kwargs)

    forms._catalogue.cache_clear()
    monkeypatch.setattr(support.Translations, "load", counting_load)
    for _ in range(3):
        assert client.get("/account/login").status_code == 200
    assert len(loads) == 1


def test_default_wtforms_messages_still_translate_through_the_cache(app):
    with app.test_request_context():
        assert forms.LmsForm.Meta().get_translations(None).gettext("Not a valid choice.") == (
            "Not a valid choice."
        )
