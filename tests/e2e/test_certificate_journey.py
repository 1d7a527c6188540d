"""A certificate's whole life, in a real browser: earned, downloaded, scanned, revoked.

A one-lesson course is imported from a content folder. A new learner joins it
and finishes the lesson, which completes the course; My certificates lists the
certificate and the learner downloads its PDF. The QR code is read *from the
PDF* (page 1 rendered with pypdfium2, decoded with zxing-cpp), and the URL it
holds opens the public verification page, which says "Valid". An admin finds
the certificate on the manage pages and revokes it with a reason; the same
URL then says "Revoked". On the way the admin also opens the bulk actions and
the template editor from the admin area (and sees a broken template refused).
axe-core (WCAG 2.x A and AA) checks every page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from playwright.sync_api import Page, expect

from lms.db import db
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y
from .conftest import import_course_files

pytestmark = pytest.mark.e2e

SLUG = "co-op-finance-e2e"
TITLE = "Reading a co-op's accounts"
NAME = "Katherine Johnson"
EMAIL = "katherine@example.org"

COURSE_FILES = {
    "course.yaml": f"""\
slug: {SLUG}
title: {TITLE}
summary: What a co-operative's annual accounts say, line by line.
description: |
  A short course for members before the annual general meeting.
outcomes:
- Read a balance sheet.
topic: finance
level: introductory
language: en
estimated_hours: 0.25
prerequisites: []
modules:
- id: accounts
  title: The accounts
  items:
  - lesson: balance-sheet
""",
    "lessons/balance-sheet.md": """\
---
title: The balance sheet
estimated_minutes: 5
required: true
---
The balance sheet lists what the co-operative **owns** and what it **owes**.
""",
}


@pytest.fixture()
def course(app, tmp_path: Path) -> str:
    """Import the course folder into the test database (committed) and return its slug."""
    return import_course_files(tmp_path / SLUG, COURSE_FILES)


@pytest.fixture()
def admin_email(app, make_user) -> str:
    email = make_user(name="Ada Admin", roles=("admin",)).email
    # Outside a request the test's session holds SQLite's write lock: end it for the server.
    db.session.commit()
    return email


def _check(page: Page) -> None:
    page.wait_for_load_state("load")
    check_a11y(page)


def _main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def _flash(page: Page, text: str) -> None:
    expect(page.locator(".flash").filter(has_text=text)).to_be_visible()


def _earn(page: Page) -> None:
    """Register, join the course, finish its one lesson: the course is complete."""
    page.goto("/account/register")
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label("Email address", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill("a long enough passphrase")
    page.get_by_label("Type the password again").fill("a long enough passphrase")
    page.get_by_role("button", name="Create account").click()
    _flash(page, f"Welcome, {NAME}.")
    page.goto(f"/courses/{SLUG}")
    page.get_by_role("button", name="Join this course").click()
    expect(page.get_by_role("heading", name="The balance sheet", level=1)).to_be_visible()
    page.get_by_role("button", name="I finished this lesson").click()
    _flash(page, f"Well done! You completed “{TITLE}”.")


def _download_and_scan(page: Page, tmp_path: Path) -> str:
    """My certificates, download the PDF, read the QR code from its first page."""
    _main_nav(page).get_by_role("link", name="My certificates").click()
    expect(page.get_by_role("heading", name="My certificates", level=1)).to_be_visible()
    entry = page.locator(".certificate-list li").filter(has_text=TITLE)
    expect(entry).to_contain_text("Valid")
    _check(page)
    with page.expect_download() as info:
        entry.get_by_role("link", name=re.compile("Download the PDF")).click()
    download = info.value
    assert re.fullmatch(r"certificate-[0-9A-Z-]{14}\.pdf", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    document = pypdfium2.PdfDocument(path.read_bytes())
    try:
        image = document[0].render(scale=4).to_pil()
    finally:
        document.close()
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1, f"expected one QR code on the certificate, found {len(codes)}"
    assert codes[0].format == zxingcpp.BarcodeFormat.QRCode
    return codes[0].text


def _verify(page: Page, url: str, status: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name="Verify a certificate", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(status)
    facts = page.locator(".certificate-facts")
    expect(facts).to_contain_text(NAME)
    expect(facts).to_contain_text(TITLE)
    _check(page)


def _log_in(new_page, email: str) -> Page:
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return page


def _revoke(page: Page, code: str) -> None:
    _main_nav(page).get_by_role("link", name="Certificates", exact=True).click()
    expect(page.get_by_role("heading", name="Certificates", level=1)).to_be_visible()
    _check(page)
    page.get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", name=f"Certificate {code}", level=1)).to_be_visible()
    _check(page)
    # No reason: refused, with the error tied to the field.
    page.get_by_role("button", name="Revoke this certificate").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    _check(page)
    page.get_by_label("Reason", exact=True).fill("The final assessment was taken by someone else.")
    page.get_by_role("button", name="Revoke this certificate").click()
    _flash(page, "The certificate is revoked.")
    expect(page.locator(".certificate-facts")).to_contain_text(
        "The final assessment was taken by someone else."
    )
    _check(page)


def _admin_area(page: Page) -> None:
    """The admin index links the bulk actions and the template editor."""
    page.goto("/admin/")
    page.get_by_role("link", name="Certificates: bulk actions").click()
    expect(page.get_by_role("heading", name="Bulk certificate actions", level=1)).to_be_visible()
    _check(page)
    page.get_by_label("Course (its short name)").fill(SLUG)
    page.get_by_role("button", name="Issue missing certificates").click()
    # The issue runs as a background job; its progress page says how it ended.
    expect(page.get_by_role("heading", name="Issue certificates", level=1)).to_be_visible()
    expect(page.get_by_text(f"{SLUG}: no completion lacks a certificate; nothing to issue.")
           ).to_be_visible()
    expect(page.get_by_text("Finished")).to_be_visible()
    _check(page)
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("heading", name="Bulk certificate actions", level=1)).to_be_visible()

    page.goto("/admin/")
    page.get_by_role("link", name="Certificate templates").click()
    expect(page.get_by_role("heading", name="Certificate templates", level=1)).to_be_visible()
    _check(page)
    page.get_by_label("Course (its short name)").fill(SLUG)
    page.get_by_role("button", name="Open").click()
    expect(page.get_by_role("heading", name=f"Certificate template: {SLUG}")).to_be_visible()
    _check(page)
    page.get_by_label("HTML template").fill("<p>{{ learner_nme }}</p>")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator(".error-summary")).to_contain_text("learner_nme")
    _check(page)


def test_certificate_journey(new_page, course, admin_email, live_server, tmp_path):
    learner = new_page(viewport={"width": 1280, "height": 900})
    _earn(learner)
    url = _download_and_scan(learner, tmp_path)
    match = re.fullmatch(re.escape(live_server) + r"/certificates/verify/([0-9A-Z-]{14})", url)
    assert match, f"the QR code holds {url!r}"
    code = match.group(1)

    anyone = new_page(viewport={"width": 1280, "height": 900})  # not signed in
    _verify(anyone, url, "Valid")

    admin = _log_in(new_page, admin_email)
    _revoke(admin, code)
    _admin_area(admin)

    _verify(anyone, url, "Revoked on")
    # The reason is private: never on the public page.
    expect(anyone.get_by_role("main")).not_to_contain_text("someone else")
