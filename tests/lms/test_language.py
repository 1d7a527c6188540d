"""Choosing a language: the account's choice, else the visitor's cookie, else the browser's.

A language is offered only when its catalogue can serve it. These tests get
complete (pseudo-translated, ``⟦…⟧``) catalogues for ``ur``, ``pl`` and ``gu``
explicitly, so they do not depend on how far the translators are.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from lms.i18n import LANGUAGE_COOKIE, catalogue_state, languages_offered
from lms.testing import TEMPLATE, csrf_token


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("ur", "pl", "gu")}


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


def choose(client, code: str, back: str = "/"):
    return client.post(
        "/language",
        data={"csrf_token": csrf_token(client, "/"), "language-code": code,
              "language-next": back},
    )


def test_four_languages_are_offered_english_first(app):
    with app.test_request_context("/"):
        offered = languages_offered()
    assert [language.code for language in offered] == ["en", "ur", "pl", "gu"]
    assert [language.name for language in offered] == ["English", "اردو", "Polski", "ગુજરાતી"]
    assert [language.direction for language in offered] == ["ltr", "rtl", "ltr", "ltr"]
    # The catalogues are drafts until the advisory group has reviewed them.
    assert [language.state for language in offered] == ["source", "draft", "draft", "draft"]


def test_every_page_has_the_chooser_marking_drafts(client):
    html = client.get("/").get_data(as_text=True)
    chooser = html[html.index('class="language-chooser"'):]
    chooser = chooser[: chooser.index("</form>")]
    assert 'method="post"' in html[html.index('class="language-chooser"') - 60:][:80]
    assert 'name="language-csrf_token"' in chooser
    assert 'lang="ur" dir="rtl">اردو</button>' in chooser
    assert 'lang="pl" dir="ltr">Polski</button>' in chooser
    assert 'lang="gu" dir="ltr">ગુજરાતી</button>' in chooser
    assert chooser.count("draft translation: help us improve it") == 3  # not English
    assert 'value="en" lang="en" dir="ltr" aria-current="true"' in chooser


def test_first_visit_follows_the_browser(client):
    assert html_tag(client.get("/", headers={"Accept-Language": "pl-PL,pl;q=0.9"})) == (
        '<html lang="pl" dir="ltr">'
    )
    urdu = client.get("/", headers={"Accept-Language": "ur"})
    assert html_tag(urdu) == '<html lang="ur" dir="rtl">'
    assert "⟦Log in⟧" in urdu.get_data(as_text=True)  # the text is the Urdu catalogue's


def test_unsupported_language_falls_back_to_english(client):
    response = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert html_tag(response) == '<html lang="en" dir="ltr">'
    assert "Log in" in response.get_data(as_text=True)


def test_visitor_choice_is_a_cookie_and_beats_the_browser(client):
    response = choose(client, "ur", "/courses/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/courses/"
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie.value == "ur" and cookie.http_only
    assert html_tag(client.get("/", headers={"Accept-Language": "pl"})) == (
        '<html lang="ur" dir="rtl">'
    )


def test_signed_in_choice_is_kept_in_the_account(db, client, make_user, login):
    user = make_user()
    login(user, client)
    choose(client, "gu")
    db.session.refresh(user)
    assert user.locale == "gu"
    # The account's choice follows the person to another browser with another cookie.
    other = login(user)
    other.set_cookie(LANGUAGE_COOKIE, "pl")
    assert html_tag(other.get("/", headers={"Accept-Language": "ur"})) == (
        '<html lang="gu" dir="ltr">'
    )


def test_a_visitor_without_cookies_is_answered_in_the_browsers_language(app):
    fresh = app.test_client()  # no cookie at all: nobody is signed in, no choice is kept
    assert html_tag(fresh.get("/", headers={"Accept-Language": "gu, en;q=0.5"})) == (
        '<html lang="gu" dir="ltr">'
    )
    assert html_tag(fresh.get("/")) == '<html lang="en" dir="ltr">'


def test_someone_signed_in_during_a_request_without_cookies_gets_their_language(
    db, app, make_user
):
    from flask_login import login_user

    from lms.i18n import select_locale

    user = make_user()
    user.locale = "ur"
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "pl"}):
        login_user(user)  # as a log-in form or a launch does, before any cookie exists
        assert select_locale() == "ur"


def test_a_visitors_choice_becomes_the_new_accounts_language(db, client):
    from lms.accounts.models import User

    def register(client, email):
        token = csrf_token(client, "/account/register")
        return client.post("/account/register", data={
            "csrf_token": token, "display_name": "Nadia", "email": email,
            "password": "a long enough passphrase", "confirm": "a long enough passphrase"})

    choose(client, "ur")
    assert register(client, "nadia@example.org").status_code == 302
    # Kept in the account: mail and certificates (written outside this browser) follow it.
    assert db.session.query(User).filter_by(email="nadia@example.org").one().locale == "ur"
    # A language the browser only asked for is not a choice: the account follows the browser.
    browser = client.application.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "pl"
    assert register(browser, "piotr@example.org").status_code == 302
    assert db.session.query(User).filter_by(email="piotr@example.org").one().locale is None


def test_bad_choice_changes_nothing_and_says_so(client):
    response = choose(client, "fr")
    assert response.status_code == 302
    assert client.get_cookie(LANGUAGE_COOKIE) is None
    assert "That language could not be chosen" in client.get("/").get_data(as_text=True)
    # Without the CSRF token nothing is chosen either.
    client.post("/language", data={"language-code": "ur"})
    assert client.get_cookie(LANGUAGE_COOKIE) is None


def test_chooser_never_sends_you_off_site(client):
    response = choose(client, "pl", "https://evil.example/")
    assert response.headers["Location"] == "/"


def test_catalogue_state_is_read_from_the_header_comment(tmp_path):
    po = tmp_path / "messages.po"
    assert catalogue_state(str(po)) == "missing"
    po.write_text('# Translation-State: reviewed\n#\nmsgid ""\nmsgstr ""\n', encoding="utf-8")
    assert catalogue_state(str(po)) == "reviewed"
    po.write_text('# Polish\nmsgid ""\nmsgstr ""\n# Translation-State: draft\n', encoding="utf-8")
    assert catalogue_state(str(po)) == "reviewed"  # only the header comment counts


def test_translations_command_reports_each_language(app):
    result = app.test_cli_runner().invoke(args=["lms", "translations", "--check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "en  English: the original (source) language"
    for code in ("ur", "pl", "gu"):
        line = next(line for line in lines if line.startswith(code + " "))
        assert re.search(r": (\d+)/\1 translated \(100%\), 0 fuzzy, 0 untranslated; draft; "
                         r"in step with messages.pot; offered$", line), line


def _catalogue(directory: Path, code: str, entries: dict[str, str], *, compile: bool = True):
    """A catalogue for ``code`` against the real template, translating only ``entries``."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po, write_po

    shutil.copy(TEMPLATE, directory / "messages.pot")
    with TEMPLATE.open("rb") as pot:
        template = read_po(pot)
    catalogue = Catalog(locale=code)
    for message in template:
        if message.id:
            catalogue.add(message.id, entries.get(message.id, ""))
    folder = directory / code / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "messages.po").open("wb") as po:
        write_po(po, catalogue)
    if compile:
        with (folder / "messages.mo").open("wb") as mo:
            write_mo(mo, catalogue)
    return folder


def test_a_language_is_offered_only_when_its_catalogue_can_serve_it(make_app, tmp_path, login,
                                                                     make_user, db):
    """Accept-Language: ur over an incomplete catalogue gave English text under lang="ur"."""
    _catalogue(tmp_path, "ur", {"Log in": "لاگ ان"})
    _catalogue(tmp_path, "pl", {}, compile=False)
    settings = {"LMS_LANGUAGES": "en,ur,pl,gu", "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)}
    strict = make_app(settings)
    assert strict.config["LMS_LANGUAGE_LIST"] == ["en"]
    withheld = strict.config["LMS_LANGUAGES_WITHHELD"]
    assert withheld["ur"].startswith("0% translated, 100% needed")
    assert withheld["pl"] == "not compiled: make translations"
    assert withheld["gu"] == "no catalogue"
    client = strict.test_client()
    page = client.get("/", headers={"Accept-Language": "ur"})
    assert html_tag(page) == '<html lang="en" dir="ltr">'
    html = page.get_data(as_text=True)
    assert "Log in" in html and 'class="language-chooser"' not in html  # nothing to choose
    client.set_cookie(LANGUAGE_COOKIE, "ur")
    assert html_tag(client.get("/")) == '<html lang="en" dir="ltr">'
    # Kept in an account from when Urdu was offered: the page is still English, and says so.
    with strict.app_context():
        user = make_user()
        user.locale = "ur"
        db.session.commit()
        signed_in = login(user, strict.test_client())
        assert html_tag(signed_in.get("/")) == '<html lang="en" dir="ltr">'
        profile = signed_in.get("/account/profile").get_data(as_text=True)
        assert '<option value="ur"' not in profile
        result = strict.test_cli_runner().invoke(args=["lms", "translations", "--check"])
    assert result.exit_code == 1
    assert "not offered: 0% translated, 100% needed" in result.output
    assert "gu  ગુજરાતી: no catalogue; not offered: no catalogue" in result.output

    # The operator may accept a partial catalogue: then the page is in Urdu where it can be.
    lenient = make_app({**settings, "LMS_LANGUAGE_MIN_TRANSLATED": 0})
    assert lenient.config["LMS_LANGUAGE_LIST"] == ["en", "ur"]
    page = lenient.test_client().get("/", headers={"Accept-Language": "ur"})
    assert html_tag(page) == '<html lang="ur" dir="rtl">'
    assert "لاگ ان" in page.get_data(as_text=True)


def test_a_catalogue_compiled_before_its_last_change_is_not_served(make_app, tmp_path,
                                                                    pseudo_translations):
    source = Path(pseudo_translations("ur", "pl", "gu"))
    shutil.copytree(source, tmp_path, dirs_exist_ok=True)
    po = tmp_path / "pl" / "LC_MESSAGES" / "messages.po"
    later = os.stat(po.with_suffix(".mo")).st_mtime_ns + 10**9
    os.utime(po, ns=(later, later))
    app = make_app({"BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)})
    assert app.config["LMS_LANGUAGE_LIST"] == ["en", "ur", "gu"]
    assert app.config["LMS_LANGUAGES_WITHHELD"] == {
        "pl": "compiled before its last change: make translations"}


def test_catalogue_names_course_languages_not_codes(app, client):
    from flask_babel import force_locale

    from lms.i18n import language_name

    with app.test_request_context("/"):
        assert [language_name(c) for c in ("en", "ur", "pl", "gu", "xx", None)] == [
            "English", "Urdu", "Polish", "Gujarati", "xx", ""]
    with app.test_request_context("/"), force_locale("pl"):
        assert language_name("en") == "Angielski"  # in the page's language

