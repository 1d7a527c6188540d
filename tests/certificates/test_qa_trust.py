"""QA as a hostile insider (qa-trust): refused amendments keep what the officer typed."""

from __future__ import annotations

import re

from tests.certificates.test_amendment_authority import _amend, _state


def test_a_correction_refused_by_the_operation_keeps_the_name_and_reason_typed(
    app, make_user, login, complete
):
    cert = complete(make_user(name="Owner Person"))
    before = _state(cert.id)
    client = login(make_user(roles=("certificate_officer",)))
    response = _amend(client, cert, "correct", learner_name="Owner  Person",
                      reason="Spelling checked against the passport")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "nothing to correct" in html
    assert "Spelling checked against the passport" in html
    assert 'value="Owner  Person"' in html
    assert _state(cert.id) == before


def _chooser_token(html: str) -> str:
    found = re.search(r'name="language-csrf_token" type="hidden" value="([^"]+)"', html)
    assert found, "the page has the language chooser"
    return found.group(1)


def test_a_kept_verification_page_carries_no_visitors_token_and_its_chooser_works(
    app, make_user, complete
):
    """The page kept for visitors carried the first visitor's CSRF token: every later
    visitor's language choice was refused as a stale form, and each saw another's token.
    It now carries no token: its chooser links to the language page, which has the
    visitor's own."""
    cert = complete(make_user(name="Owner Person"))
    first, second = app.test_client(), app.test_client()
    page = f"/certificates/verify/{cert.code}"
    kept = first.get(page).get_data(as_text=True)
    assert second.get(page).get_data(as_text=True) == kept
    assert "csrf_token" not in kept
    link = f'href="/language?next=/certificates/verify/{cert.code}&amp;code=ur"'
    assert link in kept
    chooser = second.get(f"/language?next={page}&code=ur")
    html = chooser.get_data(as_text=True)
    assert chooser.status_code == 200 and html.count('id="site-language"') == 1
    assert re.search(r'value="ur" lang="ur" dir="rtl"[^>]* autofocus', html)
    chosen = second.post("/language", data={"language-csrf_token": _chooser_token(html),
                                            "language-next": page, "language-code": "ur"})
    assert chosen.status_code == 302 and chosen.headers["Location"] == page
    assert "lms_language=ur" in chosen.headers["Set-Cookie"]


def test_the_language_page_returns_only_to_this_site(app):
    html = app.test_client().get("/language?next=https://evil.example/&code=pl").get_data(
        as_text=True)
    assert 'name="language-next" value="/"' in html


def _template_form(client, path: str) -> dict[str, str]:
    """The hidden fields of the template form as the page gave them."""
    return _hidden_fields(client.get(path).get_data(as_text=True))


def test_a_template_saved_from_a_stale_page_does_not_overwrite_a_newer_one(
    app, make_user, login
):
    """Two admins open the same course's template; the second to save is told that the
    other saved meanwhile, keeps their text, and overwrites nothing."""
    from certificates.design import stored
    from certificates.pdf import DEFAULT_DESIGN

    path = "/certificates/manage/templates/co-op-basics"
    first, second = login(make_user(roles=("admin",))), login(make_user(roles=("admin",)))
    first_form, second_form = _template_form(first, path), _template_form(second, path)
    mine = DEFAULT_DESIGN.html + "<!-- first admin -->"
    theirs = DEFAULT_DESIGN.html + "<!-- second admin -->"
    saved = second.post(path, data={**second_form, "html": theirs, "css": DEFAULT_DESIGN.css,
                                    "action": "save"})
    assert saved.status_code == 302
    response = first.post(path, data={**first_form, "html": mine, "css": DEFAULT_DESIGN.css,
                                      "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "saved this template since you opened it" in page
    assert "&lt;!-- first admin --&gt;" in page
    assert stored("co-op-basics").html == theirs
    # Sent again from the page that said so, it is saved: the admin has seen the warning.
    again = dict(_hidden_fields(page), html=mine, css=DEFAULT_DESIGN.css, action="save")
    assert first.post(path, data=again).status_code == 302
    assert stored("co-op-basics").html == mine


def _hidden_fields(page: str) -> dict[str, str]:
    form = page[page.index('<form method="post" novalidate>'):]
    form = form[:form.index("</form>")]
    return dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"',
                           form)
                + re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"',
                             form))
