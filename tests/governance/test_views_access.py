"""Who may open every governance page and send every form: the access matrix.

Roles: an anonymous visitor, a signed-in person who is not a member, a
member (on the ballot's roll), and the secretary (an administrator who is
not a member). Every governance endpoint must appear here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from governance import operations as ops
from governance.models import Ballot
from lms.db import db

from .views_helpers import fresh, make_member, token

ROLES = ("anonymous", "non_member", "member", "secretary")

#: path template -> expected status for (anonymous, non_member, member, secretary).
PAGES = {
    "/governance/": (200, 200, 200, 200),
    "/governance/rules": (200, 200, 200, 200),
    "/governance/membership": (302, 200, 200, 200),
    "/governance/register": (302, 403, 200, 200),
    "/governance/register.csv": (302, 403, 403, 200),
    "/governance/proposals": (302, 200, 200, 200),
    "/governance/proposals/new": (302, 403, 200, 403),
    "/governance/proposals/new?kind=courses:add": (302, 403, 200, 403),
    "/governance/proposals/{p}": (302, 200, 200, 200),
    "/governance/proposals/{p}/ballot": (302, 200, 200, 200),
    "/governance/proposals/{p}/result": (302, 200, 200, 200),
    "/governance/proposals/{p}/papers": (302, 200, 200, 200),
    "/governance/proposals/{p}/receipt?code=AAAA": (302, 200, 200, 200),
    "/governance/secretary/applications": (302, 403, 403, 200),
    "/governance/secretary/enactments": (302, 403, 403, 200),
    "/governance/secretary/": (302, 403, 403, 200),
}

#: (path template, form data, expected statuses); withdrawing comes last (it ends membership).
FORMS = [
    ("/governance/proposals/new?kind=governance:resolution",
     {"title": "Meet monthly", "p_text": "We meet monthly.", "submit_token": fresh()},
     (302, 403, 303, 403)),
    ("/governance/proposals/{p}/second", {}, (302, 403, 303, 403)),
    ("/governance/proposals/{p}/comment", {"body": "Agreed.", "submit_token": fresh()},
     (302, 403, 303, 403)),
    ("/governance/proposals/{p}/ballot", {"choice": "for"}, (302, 403, 303, 403)),
    ("/governance/membership/apply", {"member_class": "worker"}, (302, 303, 303, 303)),
    ("/governance/secretary/applications/{a}/approve", {}, (302, 403, 403, 303)),
    ("/governance/secretary/applications/{d}/decline", {"reason": "No"}, (302, 403, 403, 303)),
    ("/governance/secretary/members/{l}/lapse", {}, (302, 403, 403, 303)),
    ("/governance/secretary/enactments/{p}/retry", {}, (302, 403, 403, 303)),
    ("/governance/secretary/due", {}, (302, 403, 403, 303)),
    # The default rules do not let the secretary open early, and not everyone has voted.
    ("/governance/secretary/proposals/{n}/open-early", {"reason": "Urgent"}, (302, 403, 403, 403)),
    ("/governance/secretary/proposals/{p}/close-early", {"reason": "Done"}, (302, 403, 403, 403)),
    ("/governance/membership/withdraw", {}, (302, 303, 303, 303)),
]


@pytest.fixture()
def world(app, make_user, make_members, start_ballot):
    member = make_member(make_user, email="member@example.org")
    proposer, *seconders = make_members(3)
    ballot = start_ballot(proposer, seconders[:2])
    # A second proposal, still in notice, for seconding.
    in_notice = ops.raise_proposal(proposer.id, "governance:resolution", "Later", {"text": "x"})
    applicants = [make_user(), make_user()]
    a, d = (ops.apply_for_membership(u.id, "learner") for u in applicants)
    lapsing = make_member(make_user)
    db.session.commit()
    return {
        "member": member,
        "non_member": make_user(email="outsider@example.org"),
        "secretary": make_user(email="secretary@example.org", roles=("admin",)),
        "ids": {"p": ballot.proposal_id, "n": in_notice.id, "a": a.id, "d": d.id,
                "l": ops.active_membership(lapsing.id).id},
    }


def _client(app, world, role, login):
    if role == "anonymous":
        return app.test_client()
    return login(world[role])


@pytest.mark.parametrize("role", ROLES)
def test_pages(app, world, role, login):
    client = _client(app, world, role, login)
    column = ROLES.index(role)
    for template, expected in PAGES.items():
        path = template.format(**world["ids"])
        response = client.get(path)
        assert response.status_code == expected[column], (role, path)
        if expected[column] == 302:
            assert "/account/login" in response.location


@pytest.mark.parametrize("role", ROLES)
def test_forms(app, world, role, login):
    client = _client(app, world, role, login)
    column = ROLES.index(role)
    csrf = token(client, "/account/login" if role == "anonymous" else "/governance/membership")
    for template, data, expected in FORMS:
        # Seconding is tested on the proposal still in notice.
        ids = dict(world["ids"], p=world["ids"]["n"]) if "second" in template else world["ids"]
        path = template.format(**ids)
        response = client.post(path, data={"csrf_token": csrf, **data})
        assert response.status_code == expected[column], (role, path)
        if expected[column] == 302:
            assert "/account/login" in response.location


def test_forms_without_csrf_are_refused(app, world, login):
    client = login(world["member"])
    p = world["ids"]["p"]
    for path in (f"/governance/proposals/{p}/ballot", f"/governance/proposals/{p}/comment",
                 "/governance/membership/withdraw"):
        assert client.post(path, data={"choice": "for", "body": "x"}).status_code == 400
    assert ops.my_vote(_ballot(p), world["member"].id)["voted"] is False


def _ballot(proposal_id):
    return db.session.scalar(select(Ballot).where(Ballot.proposal_id == proposal_id))


def test_every_governance_endpoint_is_in_the_matrix(app):
    covered = {t.split("?")[0] for t in PAGES} | {t for t, _d, _e in FORMS}
    covered = {c.replace("{p}", "<int:proposal_id>").replace("{n}", "<int:proposal_id>")
               .replace("{a}", "<int:membership_id>")
               .replace("{d}", "<int:membership_id>").replace("{l}", "<int:membership_id>")
               for c in covered}
    rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("governance.")}
    assert rules and rules <= covered, rules - covered
