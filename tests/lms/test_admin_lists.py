"""Long admin lists: keyset paging, capped counts, literal search, and bad parameters that are
ignored or explained, never a 500."""

from __future__ import annotations

import re

import pytest

from lms import audit, paging
from lms.accounts.models import User
from lms.paging import decode_cursor, encode_cursor


def _names(response) -> list[str]:
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    body = page.split('<tbody role="rowgroup">')[1].split("</tbody>")[0]
    return re.findall(r'/admin/users/\d+">([^<]+)</a>', body)


@pytest.fixture()
def admin(app, make_user, login):
    return login(make_user(roles=("admin",), name="Zz Admin"))


def _bulk_users(db, n: int, name: str = "Member {:03d}"):
    db.session.add_all(
        User(email=f"m{i}@example.org", display_name=name.format(i)) for i in range(n)
    )
    db.session.commit()


def test_users_page_by_keyset_without_overlap(app, db, admin):
    _bulk_users(db, 120)
    seen, response = [], admin.get("/admin/users")
    pages = 0
    while True:
        names = _names(response)
        seen += names
        pages += 1
        html = response.get_data(as_text=True)
        match = re.search(r'href="(/admin/users\?after=[^"]+)" rel="next"', html)
        if not match:
            break
        assert "First page" in admin.get(match.group(1).replace("&amp;", "&")).get_data(
            as_text=True)
        response = admin.get(match.group(1).replace("&amp;", "&"))
    assert pages == 3
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 121


def test_counts_say_more_than_past_the_cap(app, db, admin, monkeypatch):
    _bulk_users(db, 12)
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "13 accounts match." in page
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    assert "More than 10 accounts match." in admin.get("/admin/users").get_data(as_text=True)
    assert "More than 10 accounts" in admin.get("/admin/").get_data(as_text=True)


def test_search_is_literal_and_ignores_case(app, db, admin, make_user):
    make_user(name="Ada 100% Lovelace", email="ada@example.org")
    make_user(name="Grace_Hopper", email="grace@example.org")
    make_user(name="Alan Turing", email="alan@example.org")
    assert _names(admin.get("/admin/users", query_string={"q": "100%"})) == ["Ada 100% Lovelace"]
    assert _names(admin.get("/admin/users", query_string={"q": "e_h"})) == ["Grace_Hopper"]
    assert _names(admin.get("/admin/users", query_string={"q": "%"})) == ["Ada 100% Lovelace"]
    assert _names(admin.get("/admin/users", query_string={"q": "TURING"})) == ["Alan Turing"]
    assert _names(admin.get("/admin/users", query_string={"q": "GRACE@"})) == ["Grace_Hopper"]
    both = admin.get("/admin/users", query_string={"q": "a", "role": "admin"})
    assert _names(both) == ["Zz Admin"]


@pytest.mark.parametrize(
    "query",
    [
        "after=garbage",
        "after=" + encode_cursor(["name-only"]),
        "after=" + encode_cursor([1, 2]),
        "after=" + encode_cursor(["x", 10**30]),
        "after=" + "A" * 5000,
        "page=²",
        "page=123456789012345678901234567890",
        "role=emperor",
        "q=" + "x" * 500,
    ],
)
def test_bad_user_list_parameters_are_ignored(app, admin, query):
    assert admin.get("/admin/users?" + query).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "until=9999-12-31",
        "since=9999-12-31",
        "since=0001-01-01",
        "until=2024-02-30",
        "actor=123456789012345678901234567890",
        "actor=-4",
        "actor=²",
        "after=" + encode_cursor([10**30]),
        "after=%FF%FE",
        "page=²",
        "subject_type=" + "y" * 300,
    ],
)
def test_bad_audit_parameters_never_fail(app, db, admin, query):
    audit.record("lms.test.entry", subject_type="widget", subject_id="1")
    db.session.commit()
    assert admin.get("/admin/audit?" + query).status_code == 200


@pytest.mark.parametrize("query, message", [
    ({"q": "demo", "role": "nope"}, "Not a valid choice"),
    ({"q": "x" * 201}, "Field cannot be longer than 200 characters."),
])
def test_an_invalid_user_search_lists_nobody_and_says_why(app, db, admin, make_user, query,
                                                         message):
    """Listing everyone (or by the other filters) while one is wrong would look like the
    search's answer: the page shows the error and nobody."""
    make_user(name="Demo Person")
    make_user(name="Other Person")
    response = admin.get("/admin/users", query_string=query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert "Nobody is listed until the search is corrected" in html
    assert "Other Person" not in html and "Demo Person" not in html
    assert "accounts match" not in html
    assert _names(admin.get("/admin/users", query_string={"q": "demo"})) == ["Demo Person"]


def test_audit_dates_the_wrong_way_round_are_explained(app, db, admin):
    audit.record("lms.test.entry", subject_type="widget", subject_id="1")
    db.session.commit()
    response = admin.get("/admin/audit", query_string={"since": "2026-12-31",
                                                        "until": "2026-01-01"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The dates are the wrong way round" in html
    assert "No entries are listed until the filter is corrected" in html
    assert "lms.test.entry" not in html and "No entries match." not in html
    same_day = admin.get("/admin/audit", query_string={"since": "2026-01-01",
                                                        "until": "2026-01-01"})
    assert "The dates are the wrong way round" not in same_day.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/outbox?page=²", "/admin/outbox?page=99999999999999999999",
                                  "/admin/jobs?before=²", "/admin/jobs?before=99999999999999999999",
                                  "/admin/jobs?state=nonsense"])
def test_bad_page_numbers_elsewhere(app, admin, path):
    assert admin.get(path).status_code == 200


def test_audit_pages_by_keyset_and_lists_types_without_distinct(app, db, admin):
    for n in range(60):
        audit.record("lms.test.entry", subject_type="widget" if n % 2 else "gadget",
                     subject_id=str(n))
    db.session.commit()
    first = admin.get("/admin/audit").get_data(as_text=True)
    assert '<option value="gadget">' in first and '<option value="widget">' in first
    next_link = re.search(r'href="(/admin/audit\?after=[^"]+)" rel="next"', first).group(1)
    second = admin.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    ids = [int(i) for i in re.findall(r"<td[^>]*>(\d+)</td>", first + second)]
    assert len(set(ids)) == len(ids)


def test_cursor_round_trip():
    assert decode_cursor(encode_cursor(["Ann", 4]), (str, int)) == ("Ann", 4)
    assert decode_cursor(encode_cursor([True]), (int,)) is None


def test_counts_of_one_are_singular(app, db, admin):
    """ngettext picks the form: the only account is "1 account", never "1 accounts"."""
    page = admin.get("/admin/").get_data(as_text=True)
    assert "1 account<" in page and "1 accounts" not in page
    assert "0 messages" in page
