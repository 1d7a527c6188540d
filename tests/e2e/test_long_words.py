"""Words longer than a phone's width wrap instead of widening the page.

People type what they type: a web address without hyphens, an email address
of 60 letters, a name in one long word. At 320 px none of it may make the
page scroll sideways, in the layouts that put text beside a label
(``dl.summary``) as in ordinary paragraphs.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from lms.testing import TEST_PASSWORD

pytestmark = pytest.mark.e2e

LONG_LOCAL = "averyveryverylongemailaddressthatneverbreaks"  # 44 letters, no break
LONG_NAME = "Wolfeschlegelsteinhausenbergerdorffwelchevoralternwarengewissenhaft"


def test_a_long_name_and_address_wrap_at_320px(new_page, make_user):
    email = f"{LONG_LOCAL}@subdomain.example.org"
    make_user(email=email, name=LONG_NAME)
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto("/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    for path in ("/", "/account/profile"):
        page.goto(path)
        assert LONG_NAME in page.content()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width}px wide at a 320px viewport"
