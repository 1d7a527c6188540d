"""Choosing a language: the account's choice, else the visitor's cookie, else the browser's."""

from __future__ import annotations

import re

from lms.i18n import LANGUAGE_COOKIE, catalogue_state, languages_offered
from lms.testing import csrf_token


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
    assert html_tag(client.get("/", headers={"Accept-Language": "ur"})) == (
        '<html lang="ur" dir="rtl">'
    )


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
    result = app.test_cli_runner().invoke(args=["lms", "translations"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "en  English: the original (source) language"
    for code in ("ur", "pl", "gu"):
        line = next(line for line in lines if line.startswith(code + " "))
        assert re.search(r": \d+/\d+ strings translated \(\d+%\), \d+ fuzzy, \d+ not in the "
                         r"catalogue yet; draft$", line), line


def test_catalogue_names_course_languages_not_codes(app, client):
    from flask_babel import force_locale

    from lms.i18n import language_name

    with app.test_request_context("/"):
        assert [language_name(c) for c in ("en", "ur", "pl", "gu", "xx", None)] == [
            "English", "Urdu", "Polish", "Gujarati", "xx", ""]
    with app.test_request_context("/"), force_locale("pl"):
        assert language_name("en") == "Angielski"  # in the page's language

