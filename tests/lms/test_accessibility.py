"""Accessibility basics of the rendered HTML: language, headings, skip link, labels."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from lms.testing import csrf_token


class PageStructure(HTMLParser):
    """Collect what the checks below need from one page."""

    def __init__(self):
        super().__init__()
        self.html_lang = None
        self.h1_count = 0
        self.ids: list[str] = []
        self.links: list[dict] = []
        self.labels_for: set[str] = set()
        self.fields: list[dict] = []
        self.landmarks: list[str] = []
        self.described_by: list[str] = []
        self.first_link = None
        #: Each named landmark as (role, what names it): two of one role named alike are
        #: one too many (axe's landmark-unique), e.g. a section and the table region in it
        #: both labelled by its heading.
        self.named_landmarks: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag == "h1":
            self.h1_count += 1
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a":
            self.links.append(attrs)
            if self.first_link is None:
                self.first_link = attrs
        if tag == "label" and attrs.get("for"):
            self.labels_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in (
            "hidden",
            "submit",
            "button",
        ):
            self.fields.append({"tag": tag, **attrs})
        if tag in ("header", "nav", "main", "footer"):
            self.landmarks.append(tag)
        role = attrs.get("role") or {"section": "region", "nav": "navigation",
                                     "aside": "complementary", "form": "form"}.get(tag)
        name = (("#" + attrs["aria-labelledby"]) if attrs.get("aria-labelledby")
                else attrs.get("aria-label"))
        if role in ("region", "navigation", "complementary", "form") and name:
            self.named_landmarks.append((role, name))
        if attrs.get("aria-describedby"):
            self.described_by.extend(attrs["aria-describedby"].split())


def structure(response) -> PageStructure:
    assert response.status_code in (200, 404), response.status_code
    parser = PageStructure()
    parser.feed(response.get_data(as_text=True))
    return parser


def check_page(page: PageStructure, path: str) -> None:
    assert page.html_lang == "en", path
    assert page.h1_count == 1, f"{path} has {page.h1_count} h1 elements"
    assert page.first_link is not None and page.first_link.get("href") == "#main", path
    assert "skip-link" in page.first_link.get("class", ""), path
    assert "main" in page.ids, path
    assert {"header", "nav", "main", "footer"} <= set(page.landmarks), path
    assert len(page.ids) == len(set(page.ids)), f"{path} repeats an id"
    for field in page.fields:
        assert field.get("id") in page.labels_for, f"{path}: {field} has no label"
    for target in page.described_by:
        assert target in page.ids, f"{path}: aria-describedby={target} points nowhere"
    twice = {n for n in page.named_landmarks if page.named_landmarks.count(n) > 1}
    assert not twice, f"{path}: landmarks of one role share a name: {sorted(twice)}"


PUBLIC_PAGES = ["/", "/account/login", "/account/register", "/account/reset", "/no-such-page",
                "/language?next=/&code=ur"]
SIGNED_IN_PAGES = ["/", "/account/profile", "/account/password"]
ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/audit", "/admin/outbox"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages(client, path):
    check_page(structure(client.get(path)), path)


def test_signed_in_and_admin_pages(make_user, login):
    admin = make_user(roles=("learner", "admin"))
    client = login(admin)
    for path in [*SIGNED_IN_PAGES, *ADMIN_PAGES, f"/admin/users/{admin.id}"]:
        check_page(structure(client.get(path)), path)


def test_errors_are_tied_to_their_fields(client):
    token = csrf_token(client, "/account/register")
    response = client.post(
        "/account/register",
        data={
            "display_name": "",
            "email": "bad",
            "password": "x",
            "confirm": "y",
            "csrf_token": token,
        },
    )
    page = structure(response)
    check_page(page, "/account/register (errors)")
    invalid = [f for f in page.fields if f.get("aria-invalid") == "true"]
    assert {f["id"] for f in invalid} == {"display_name", "email", "password", "confirm"}
    for field in invalid:
        assert f"{field['id']}-error" in field["aria-describedby"].split()
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html  # the error summary is announced
    assert 'href="#email"' in html  # and links to the field


def test_the_tokens_page_names_each_landmark_once(app, make_user, login):
    """Once a token exists its table's scroll region is labelled by the section's
    heading: the section and the region must not share the one name."""
    from lms.api.tokens import create_token
    from lms.db import db

    user = make_user()
    with app.test_request_context(method="POST"):
        create_token(user, "Dashboard", ["lms:profile:read"], 30,
                     known_scopes={"lms:profile:read"})
    db.session.commit()
    client = login(user)
    for path in ("/account/tokens/", "/account/data", "/account/close"):
        check_page(structure(client.get(path)), path)
