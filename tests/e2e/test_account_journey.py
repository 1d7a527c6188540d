"""The first journey, in a real browser: register, log out, log in, change the password.

Every page the journey visits is checked with axe-core (WCAG 2.x A and AA).
The same journey runs with JavaScript switched off, and again at 320 px wide,
where no page may scroll sideways.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from .a11y import check_a11y

pytestmark = pytest.mark.e2e

OLD_PASSWORD = "first long passphrase"
NEW_PASSWORD = "second, even longer passphrase"
_people = itertools.count(1)


def _account_nav(page: Page):
    """The account's links; on a narrow screen they are in the header's menu, opened first."""
    menu = page.locator("details.site-menu")
    if page.get_by_text("Menu", exact=True).is_visible() and menu.get_attribute("open") is None:
        page.get_by_text("Menu", exact=True).click()
    return page.get_by_role("navigation", name="Account")


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".flash").filter(has_text=text)).to_be_visible()


def _log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Log in").click()


def account_journey(page: Page, check: Callable[[Page], None]) -> None:
    """Walk the journey from the home page, calling ``check(page)`` on every page shown."""
    n = next(_people)
    name, email = f"Ada Lovelace {n}", f"ada{n}@example.org"

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    check(page)

    # Register: first an empty form, so the error state is checked too.
    _account_nav(page).get_by_role("link", name="Register").click()
    expect(page).to_have_url(re.compile(r"/account/register$"))
    expect(page.get_by_role("heading", name="Create an account", level=1)).to_be_visible()
    check(page)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_attribute("aria-invalid", "true")
    check(page)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email address", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(OLD_PASSWORD)
    page.get_by_label("Type the password again").fill(OLD_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    _flash(page, f"Welcome, {name}.")
    expect(page.get_by_role("heading", name=f"Hello, {name}", level=1)).to_be_visible()
    expect(page.get_by_text("Welcome back")).to_have_count(0)  # they have only just arrived
    check(page)

    # Log out.
    _account_nav(page).get_by_role("button", name="Log out").click()
    _flash(page, "You are logged out.")
    expect(_account_nav(page).get_by_role("link", name="Log in")).to_be_visible()
    check(page)

    # Log in.
    _account_nav(page).get_by_role("link", name="Log in").click()
    expect(page.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    check(page)
    _log_in(page, email, OLD_PASSWORD)
    _flash(page, "You are logged in.")
    check(page)

    # Change the password, from the profile page.
    _account_nav(page).get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name="Your profile", level=1)).to_be_visible()
    check(page)
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", name="Change your password", level=1)).to_be_visible()
    check(page)
    page.get_by_label("Current password").fill(OLD_PASSWORD)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    _flash(page, "Your password is changed.")
    expect(page).to_have_url(re.compile(r"/account/profile$"))
    check(page)

    # The old password no longer works; the new one does.
    _account_nav(page).get_by_role("button", name="Log out").click()
    _flash(page, "You are logged out.")
    page.goto("/account/login")
    _log_in(page, email, OLD_PASSWORD)
    expect(page.locator(".error-message")).to_contain_text(
        "The email address or password is not correct."
    )
    check(page)
    _log_in(page, email, NEW_PASSWORD)
    _flash(page, "You are logged in.")
    expect(_account_nav(page).get_by_role("link", name=name)).to_be_visible()
    check(page)


def test_account_journey(page):
    account_journey(page, check_a11y)


def test_account_journey_without_javascript(new_page):
    page = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    account_journey(page, check_a11y)


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width}px wide at a 320px viewport"


def test_account_journey_at_320px(new_page):
    page = new_page(viewport={"width": 320, "height": 640})
    account_journey(page, _no_horizontal_scroll)
