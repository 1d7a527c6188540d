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


def test_a_sent_once_form_keeps_its_token_and_refuses_a_made_up_one(app):
    """The token is made when the form is first shown and kept when it comes back with
    errors, so a resend is recognised; only the token's own alphabet and length pass."""
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(method="POST"):
        shown = forms.SentOnceForm(formdata=None, meta={"csrf": False}).fresh()
        token = shown.submit_token.data
        assert len(token) >= 16 and token != forms.new_token()
        again = forms.SentOnceForm(MultiDict({"submit_token": token}), meta={"csrf": False})
        assert again.fresh().submit_token.data == token
        assert again.validate()
        for bad in ("short", "x" * 65, "<script>alert(1)</script>aaaaaaaa", ""):
            sent = forms.SentOnceForm(MultiDict({"submit_token": bad}), meta={"csrf": False})
            assert not sent.validate(), bad
