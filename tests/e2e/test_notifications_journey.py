"""Notifications in a real browser, without JavaScript: the bell, the list, choices, unsubscribe.

A person with two notices sees the count on the bell, opens one (which
takes them to its page and lowers the count), turns a kind off, and a
visitor follows an email's unsubscribe link. axe-core checks every page;
the same pages fit 320 px.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lms.contracts import NotificationKind
from lms.db import db
from lms.notifications import notify, unsubscribe_token
from lms.plugins import register_notification_kind
from lms.testing import TEST_PASSWORD

from .a11y import check_a11y

pytestmark = pytest.mark.e2e


def _no_horizontal_scroll(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 320, f"{page.url} is {width}px wide at a 320px viewport"


def test_notifications_without_javascript(app, live_server, new_page, make_user):
    register_notification_kind(
        app, NotificationKind("lms.e2e_news", "Site news", "When the site has news for you."),
        owner="lms",
    )
    person = make_user(name="Nia Notified")
    email, person_id = person.email, person.id
    notify([person_id], "lms.e2e_news", "The reading room is open", "Come and read.", "/courses/")
    notify([person_id], "lms.e2e_news", "A second piece of news")
    db.session.commit()
    token = unsubscribe_token(person_id, "lms.e2e_news")
    db.session.commit()

    for viewport, check, unread in (({"width": 1280, "height": 900}, check_a11y, "2"),
                                    ({"width": 320, "height": 640}, _no_horizontal_scroll, "1")):
        page = new_page(java_script_enabled=False, viewport=viewport)
        page.goto("/account/login")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        bell = page.get_by_role("navigation", name="Account").get_by_role("link",
                                                                           name="Notifications")
        expect(bell).to_contain_text(unread)
        check(page)
        bell.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
        expect(page.get_by_text("unread notification")).to_be_visible()
        check(page)
        if check is check_a11y:
            page.get_by_role("button", name=re.compile(r"^Open\W+The reading room is open")).click()
            expect(page).to_have_url(f"{live_server}/courses/")
            expect(bell).to_contain_text("1")
            bell.click()
            expect(page.get_by_text("You have 1 unread notification.")).to_be_visible()
        page.get_by_role("link", name="Choose which notifications you get").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Notification choices")
        check(page)
        if check is check_a11y:
            page.get_by_role("group", name="Site news").get_by_label("Not at all").check()
            page.get_by_role("button", name="Save my choices").click()
            expect(page.get_by_text("Your choices are saved.")).to_be_visible()
            expect(page.get_by_role("group", name="Site news").get_by_label("Not at all")
                   ).to_be_checked()

    visitor = new_page(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    visitor.goto(f"/notifications/unsubscribe/{token}")
    expect(visitor.get_by_text("Stop the emails for “Site news”?")).to_be_visible()
    check_a11y(visitor)
    visitor.get_by_role("button", name="Stop these emails").click()
    expect(visitor.get_by_text("you will get no more emails for “Site news”")).to_be_visible()
    check_a11y(visitor)
