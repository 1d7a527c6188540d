"""Data rights in a real browser: download "my data" once; close the account, then sign in
again to cancel; the privacy page and the admin's requests.

Every page is checked with axe-core; the journey runs with JavaScript on, off and at 320 px.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.db import db
from lms.mail import OutboxMessage
from lms.personal_data.models import DataRequest
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y

pytestmark = pytest.mark.e2e


@pytest.fixture()
def people(app, make_user):
    make_user(name="Ola Owner", email="ola@example.org")
    make_user(name="Ari Admin", email="ari@example.org", roles=("learner", "admin"))
    db.session.commit()
    db.session.remove()  # the live server writes next


def _check(page: Page) -> None:
    page.wait_for_load_state("load")
    check_a11y(page)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width}px wide at a 320px viewport"


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".flash").filter(has_text=text)).to_be_visible()


def _log_in(page: Page, email: str) -> None:
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    # Asked on the login page still, "is the menu shown" can answer for the wrong page.
    page.wait_for_url(lambda url: "/account/login" not in url)
    # On a phone the account's links are in the header's folded menu: open it.
    menu = page.get_by_text("Menu", exact=True)
    if menu.is_visible():
        menu.click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def _link_for(email: str) -> str:
    db.session.remove()
    body = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.recipient == email,
                                         OutboxMessage.subject == "Your data is ready to download")
        .order_by(OutboxMessage.id.desc())).first()
    db.session.remove()
    return re.search(r"/account/data/download/\S+", body).group(0)


def journey(page: Page, check: Callable[[Page], None]) -> None:
    _log_in(page, "ola@example.org")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Ola Owner").click()
    page.get_by_role("link", name="Download your data or close your account").click()
    expect(page.get_by_role("heading", name="My data", level=1)).to_be_visible()
    check(page)
    page.get_by_role("button", name="Prepare my data").click()
    _flash(page, "We are preparing your data")
    expect(page.get_by_role("table")).to_contain_text("Ready: the link is in your email")
    check(page)

    # The link from the email: a page, then the file, once.
    link = _link_for("ola@example.org")
    page.goto(link)
    expect(page.get_by_role("heading", name="Download your data", level=1)).to_be_visible()
    check(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the zip file").click()
    download = info.value
    assert download.suggested_filename == "my-data.zip"
    with open(download.path(), "rb") as f:
        archive = zipfile.ZipFile(io.BytesIO(f.read()))
    data = json.loads(archive.read("data.json"))
    assert data["sections"]["profile"]["rows"][0]["email"] == "ola@example.org"
    page.goto(link)
    expect(page.get_by_text("This link has been used")).to_be_visible()
    check(page)

    # What we keep and why, from the footer.
    page.get_by_role("contentinfo").get_by_role("link", name="What we keep and why").click()
    expect(page.get_by_role("heading", name="What we keep and why", level=1)).to_be_visible()
    check(page)

    # Close the account: a wrong password first, then the right one.
    page.goto("/account/data")
    page.get_by_role("link", name=re.compile("close it")).click()
    expect(page.get_by_role("heading", name="Close your account", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="What will be erased")).to_be_visible()
    check(page)
    page.get_by_label("Your password").fill("not the password")
    page.get_by_role("button", name="Close my account").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    check(page)
    page.get_by_label("Your password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Close my account").click()
    _flash(page, "Your account will be closed on")
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Log in")
           ).to_be_visible()
    check(page)

    # Signing in within the grace period cancels it.
    _log_in(page, "ola@example.org")
    _flash(page, "Welcome back: your account will not be closed.")
    check(page)
    db.session.remove()
    states = set(db.session.scalars(select(DataRequest.state)
                                    .where(DataRequest.kind == "closure")))
    db.session.remove()
    assert "cancelled" in states and "pending" not in states
    page.get_by_role("button", name="Log out").click()

    # The admin sees the requests.
    _log_in(page, "ari@example.org")
    page.goto("/admin/data-requests")
    expect(page.get_by_role("heading", name="Data requests", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Data exports")).to_contain_text("Ola Owner")
    check(page)
    page.get_by_role("button", name="Log out").click()


def test_personal_data_journey(page, people):
    journey(page, _check)


def test_personal_data_journey_without_javascript(new_page, people):
    journey(new_page(java_script_enabled=False, accept_downloads=True), _check)


def test_personal_data_journey_at_320px(new_page, people):
    journey(new_page(viewport={"width": 320, "height": 640}, accept_downloads=True),
            _no_sideways_scroll)
