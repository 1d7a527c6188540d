"""Amending a certificate and checking a file, in a real browser.

A certificate officer finds a learner's certificate, corrects the holder's
name (the only thing a correction can change) and follows the link to the
public verification page, whose history says the certificate was reissued,
replacing the old one; the old one's page says it was replaced, and neither
shows the private reason. An employer uploads to "verify a file" the genuine
PDF, then a PDF showing another person's name with the genuine credential
attached: both results name the holder from our records, and the second
warns. Every page passes axe (WCAG 2.x A and AA) and fits 320 px.
"""

from __future__ import annotations

import dataclasses

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from certificates import operations, pdf
from certificates.design import design_for
from certificates.models import Certificate
from lms import signals
from lms.db import db
from lms.testing import TEST_PASSWORD
from tests.certificates.conftest import snapshot

from .a11y import check_a11y

pytestmark = pytest.mark.e2e

REASON = "The learner's surname was misspelt at registration."


@dataclasses.dataclass
class Issued:
    code: str
    pdf: bytes
    #: A PDF showing another person's name, with the genuine credential attached.
    swapped_pdf: bytes


@pytest.fixture()
def certificate(app, make_user) -> Issued:
    """Grace Hoper's certificate of Co-op Basics (her name misspelt), committed."""
    learner = make_user(name="Grace Hoper")
    signals.course_completed.send(app, completion=snapshot(learner))
    db.session.commit()
    cert = db.session.scalars(select(Certificate).where(Certificate.user_id == learner.id)).one()
    shown = dataclasses.replace(operations.page_data(cert), learner_name="Mallory Impostor")
    swapped = pdf.render_pdf(shown, cert.credential_json, design=design_for(cert.course_slug),
                             when=cert.issued_dt)
    issued = Issued(cert.code, cert.pdf, swapped)
    # Reading opened a transaction, which holds SQLite's write lock: end it for the server.
    db.session.commit()
    return issued


@pytest.fixture()
def officer_email(app, make_user) -> str:
    email = make_user(name="Olu Officer", roles=("certificate_officer",)).email
    db.session.commit()  # the server needs SQLite's write lock
    return email


def _check(page: Page) -> None:
    page.wait_for_load_state("load")
    check_a11y(page)


def _fits_320(new_page, path: str) -> None:
    narrow = new_page(viewport={"width": 320, "height": 640})
    narrow.goto(path)
    width = narrow.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{path} is {width}px wide at a 320px viewport"


def test_an_officer_corrects_a_name_and_the_public_history_shows_it(
    new_page, certificate, officer_email
):
    old_code = certificate.code
    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto("/account/login")
    page.get_by_label("Email address").fill(officer_email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Certificates", exact=True).click()
    page.get_by_role("link", name=old_code).click()
    expect(page.get_by_role("heading", name=f"Certificate {old_code}", level=1)).to_be_visible()
    expect(page.get_by_label("Course title")).to_have_count(0)  # only the name can change
    _check(page)
    # No reason: refused, nothing changes.
    page.get_by_label("Holder's name").fill("Grace Hopper")
    page.get_by_role("button", name="Issue the corrected certificate").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    _check(page)
    page.get_by_label("Reason for the correction").fill(REASON)
    page.get_by_role("button", name="Issue the corrected certificate").click()
    expect(page.locator(".flash").filter(has_text="A corrected certificate was issued")
           ).to_be_visible()
    new_code = page.get_by_role("heading", level=1).inner_text().removeprefix("Certificate ")
    assert new_code != old_code
    expect(page.locator(".certificate-facts")).to_contain_text("Co-op Basics")
    _check(page)

    page.get_by_role("link", name="Verification page and public history").click()
    expect(page.get_by_role("heading", name="Verify a certificate", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Valid")
    expect(page.locator(".certificate-facts")).to_contain_text("Grace Hopper")
    history = page.locator(".certificate-history")
    expect(history).to_contain_text("Reissued on")
    _check(page)
    history.get_by_role("link", name=old_code).click()
    expect(page.get_by_role("status")).to_contain_text("Replaced on")
    expect(page.locator(".certificate-history")).to_contain_text("Replaced on")
    expect(page.get_by_role("main")).not_to_contain_text("misspelt")
    _check(page)
    _fits_320(new_page, f"/certificates/verify/{old_code}")
    _fits_320(new_page, f"/certificates/verify/{new_code}")


def test_verify_a_file_names_the_holder_and_warns_of_a_swapped_name(
    app, new_page, certificate, tmp_path
):
    genuine = tmp_path / "certificate.pdf"
    genuine.write_bytes(certificate.pdf)
    swapped = tmp_path / "swapped.pdf"
    swapped.write_bytes(certificate.swapped_pdf)

    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto("/certificates/verify-file")
    expect(page.get_by_role("heading", name="Check a certificate file", level=1)).to_be_visible()
    _check(page)
    page.get_by_label("Certificate PDF or credential JSON").set_input_files(genuine)
    page.get_by_role("button", name="Check the file").click()
    result = page.get_by_role("status")
    expect(result).to_contain_text("Genuine and current.")
    expect(result).to_contain_text("Grace Hoper")
    expect(result).to_contain_text(certificate.code)
    _check(page)

    page.get_by_label("Certificate PDF or credential JSON").set_input_files(swapped)
    page.get_by_role("button", name="Check the file").click()
    result = page.get_by_role("status")
    expect(result).to_contain_text("does not match its signed credential")
    expect(result).not_to_contain_text("Genuine and current.")
    expect(result.locator(".certificate-facts")).to_contain_text("Grace Hoper")
    _check(page)
    result.get_by_role("link", name=f"See the live verification page of {certificate.code}"
                       ).click()
    expect(page.get_by_role("status")).to_contain_text("Valid")
    _check(page)
    _fits_320(new_page, "/certificates/verify-file")
