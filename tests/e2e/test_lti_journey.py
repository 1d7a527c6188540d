"""LTI 1.3 in a real browser: the platform's pages are played by Playwright (route
interception), the id_tokens are really signed, the Centre's pages are real.

A student follows the platform's link, agrees to link their account and lands in the course;
a teacher picks a course through Deep Linking and the signed answer is posted back. Each Centre
page passes axe, also without JavaScript, and fits 320 px.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from lms.db import db
from tests.courses.conftest import make_course  # noqa: F401  (fixture)
from tests.lti.conftest import CLIENT_ID, ISSUER, platform  # noqa: F401  (fixture)

from .a11y import check_a11y

pytestmark = pytest.mark.e2e


@pytest.fixture()
def course(app, make_course):  # noqa: F811 (the imported fixture)
    made = make_course(slug="co-op-basics", title="Co-op Basics")
    slug = made.slug
    db.session.commit()
    db.session.remove()
    return slug


def _play_platform(page: Page, platform, live_server: str, deep_link: bool,  # noqa: F811
                   sent: dict) -> None:
    """The platform's authentication endpoint answers with its auto-posting form (a button
    here); its Deep Linking return URL records what it receives."""

    def auth(route):
        query = parse_qs(urlsplit(route.request.url).query)
        token = platform.id_token(query["nonce"][0], deep_link=deep_link,
                                  target=f"{live_server}/courses/co-op-basics")
        body = (
            '<!doctype html><html lang="en"><head><title>Platform</title></head><body><main>'
            f'<form method="post" action="{html.escape(query["redirect_uri"][0])}">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{html.escape(query["state"][0])}">'
            "<button>Continue to the tool</button></form></main></body></html>"
        )
        route.fulfill(status=200, content_type="text/html", body=body)

    def returned(route):
        sent["jwt"] = parse_qs(route.request.post_data or "").get("JWT", [""])[0]
        route.fulfill(status=200, content_type="text/html",
                      body="<!doctype html><title>Platform</title><p>Added</p>")

    page.route(re.compile("^" + re.escape(f"{ISSUER}/auth")), auth)
    page.route(re.compile("^" + re.escape(f"{ISSUER}/deep-link-return")), returned)


def _start(page: Page, live_server: str) -> None:
    query = urlencode({"iss": ISSUER, "login_hint": "u", "client_id": CLIENT_ID,
                       "target_link_uri": f"{live_server}/courses/co-op-basics"})
    # The platform sends the browser to the tool's login; Playwright cannot route the page a
    # redirect leads to, so the browser context's own request client follows this one step
    # (its cookies, the state's among them, are the browser's).
    started = page.request.get(f"{live_server}/lti/login?{query}", max_redirects=0)
    assert started.status == 302
    page.goto(started.headers["location"])
    page.get_by_role("button", name="Continue to the tool").click()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_student_links_their_account_and_lands_in_the_course(
    new_page, live_server, platform, course, javascript  # noqa: F811
):
    page = new_page(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    _play_platform(page, platform, live_server, deep_link=False, sent={})
    _start(page, live_server)
    expect(page.get_by_role("heading", name="Link your account", level=1)).to_be_visible()
    expect(page.get_by_text("pat@university.example")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Make my account and continue").click()
    expect(page).to_have_url(f"{live_server}/courses/co-op-basics")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_teacher_picks_a_course_by_deep_linking(new_page, live_server, platform, course):  # noqa: F811
    page = new_page(viewport={"width": 320, "height": 640})
    sent: dict = {}
    _play_platform(page, platform, live_server, deep_link=True, sent=sent)
    _start(page, live_server)
    page.get_by_role("button", name="Make my account and continue").click()
    expect(page.get_by_role("heading", name="Choose a course to link", level=1)).to_be_visible()
    check_a11y(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320
    page.get_by_label("Co-op Basics").check()
    page.get_by_role("button", name="Link this course").click()
    expect(page.get_by_role("heading", name="Send the link to your platform")).to_be_visible()
    check_a11y(page)
    page.get_by_role("button", name="Add it to my platform").click()
    expect(page.get_by_text("Added")).to_be_visible()
    assert sent["jwt"].count(".") == 2


def test_the_admin_page_for_platforms(new_page, live_server, make_user):
    from lms.testing import TEST_PASSWORD

    make_user(email="admin.lti@example.org", roles=("learner", "admin"))
    db.session.commit()
    db.session.remove()
    page = new_page(viewport={"width": 320, "height": 640})
    page.goto("/account/login")
    page.get_by_label("Email address").fill("admin.lti@example.org")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/lti/")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_a11y(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{width}px wide"
