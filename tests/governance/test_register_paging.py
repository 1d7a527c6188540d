"""The register at scale: paged by keyset by name, current and former members apart, a
capped count, and a CSV streamed in batches."""

from __future__ import annotations

import csv
import io
import re

from governance import operations as ops
from lms.paging import encode_cursor


def _names(html: str) -> list[str]:
    body = html.split('<tbody role="rowgroup">')[1].split("</tbody>")[0]
    return re.findall(r"<tr[^>]*>\s*<td[^>]*>([^<]+)</td>", body)


def test_register_pages_by_name_without_overlap(app, make_members, make_user, login):
    make_members(120)
    client = login(make_user(roles=("admin",)))
    seen, path = [], "/governance/register"
    while path:
        html = client.get(path).get_data(as_text=True)
        seen += _names(html)
        match = re.search(r'href="(/governance/register\?after=[^"]+)" rel="next"', html)
        path = match.group(1).replace("&amp;", "&") if match else None
    assert len(seen) == len(set(seen)) == 120
    assert seen == sorted(seen)
    assert "120 entries." in client.get("/governance/register").get_data(as_text=True)


def test_former_members_are_listed_apart(app, db, make_members, make_user, login):
    stay, leave = make_members(2)
    ops.withdraw(ops.membership_of(leave.id))
    db.session.commit()
    client = login(make_user(roles=("admin",)))
    assert _names(client.get("/governance/register").get_data(as_text=True)) == [
        stay.display_name]
    assert _names(client.get("/governance/register?former=1").get_data(as_text=True)) == [
        leave.display_name]


def test_bad_register_cursors_give_the_first_page(app, make_members, make_user, login):
    make_members(3)
    client = login(make_user(roles=("admin",)))
    for after in ("junk", encode_cursor([1, 2]), encode_cursor(["x"]), "%FF"):
        response = client.get("/governance/register", query_string={"after": after})
        assert response.status_code == 200
        assert len(_names(response.get_data(as_text=True))) == 3


def test_register_csv_streams_every_member_in_batches(app, db, make_members, make_user,
                                                      login, monkeypatch):
    members = make_members(7)
    ops.withdraw(ops.membership_of(members[0].id))
    db.session.commit()
    real = ops.register_rows.__globals__["iter_register"]
    monkeypatch.setitem(ops.register_rows.__globals__, "iter_register",
                        lambda **kw: real(batch=2, **kw))
    boss = login(make_user(roles=("admin",)))
    response = boss.get("/governance/register.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert [r[4] for r in rows[1:]] == ["active"] * 6 + ["withdrawn"]
    assert len({r[0] for r in rows[1:]}) == 7
