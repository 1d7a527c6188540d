"""The main menu marks exactly one item as the current page."""

import re


def _current(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page">', html)


def test_one_current_item_on_nested_pages(client, make_user, login):
    user = make_user()
    c = login(user)
    assert _current(c.get("/").get_data(as_text=True)) == ["/"]
    assert _current(c.get("/courses/").get_data(as_text=True)) == ["/courses/"]
    assert _current(c.get("/courses/my").get_data(as_text=True)) == ["/courses/my"]
    assert _current(c.get("/account/profile").get_data(as_text=True)) == []
