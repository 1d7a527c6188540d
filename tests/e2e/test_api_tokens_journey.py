"""Making, using and revoking an API token, and reading the API reference, in a real browser.

An integrator makes a token with one scope, copies it from the page that shows
it once, calls the API with it, then revokes it; the reference page renders
without script. Each page passes axe, works without JavaScript and fits 320 px.
"""

from __future__ import annotations

import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from lms.db import db
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y

pytestmark = pytest.mark.e2e


@pytest.fixture()
def integrator(app, make_user) -> str:
    user = make_user(name="Ian Integrator", email="ian.api@example.org")
    email = user.email
    db.session.commit()
    db.session.remove()
    return email


def _log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _call(base: str, secret: str) -> int:
    request = urllib.request.Request(  # noqa: S310 (the test's own loopback server)
        base + "/api/v1/courses/", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _fits(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width}px wide at a 320px viewport"


@pytest.mark.parametrize("javascript", [True, False])
def test_make_use_and_revoke_a_token(new_page, integrator, live_server, javascript):
    page = new_page(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    _log_in(page, integrator)
    page.goto("/account/tokens/")
    expect(page.get_by_role("heading", name="API tokens", level=1)).to_be_visible()
    check_a11y(page)
    # Sent without a scope: a clear message, nothing made.
    page.get_by_label("Name", exact=True).fill("CRM sync")
    page.get_by_role("button", name="Make token").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one scope.")
    check_a11y(page)
    page.get_by_label(re.compile("Read the catalogue")).check()
    page.get_by_label("Expires after").select_option("7")
    page.get_by_role("button", name="Make token").click()
    expect(page.get_by_role("heading", name="Your new token", level=1)).to_be_visible()
    secret = page.get_by_label(re.compile("Token “CRM sync”")).input_value()
    assert secret.startswith("lmsat_")
    check_a11y(page)
    assert _call(live_server, secret) == 200
    page.get_by_role("link", name="Back to your tokens").click()
    expect(page.get_by_role("button", name="Revoke CRM sync")).to_be_visible()
    assert secret not in page.content()
    page.get_by_role("button", name="Revoke CRM sync").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    expect(page.locator("td").get_by_text("Revoked", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Revoke CRM sync")).to_have_count(0)
    assert _call(live_server, secret) == 401


def test_reference_and_tokens_fit_320px(new_page, integrator):
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_contain_text("API")
    expect(page.get_by_role("heading", name="GET /api/v1/courses/", exact=True)).to_be_visible()
    check_a11y(page)
    _fits(page)
    _log_in(page, integrator)
    page.goto("/account/tokens/")
    _fits(page)
