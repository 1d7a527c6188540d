"""Hostile input on the ballot: a choice sent twice is refused, never counted as the first."""

from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from governance.models import Vote
from lms.db import db

from .views_helpers import make_member, token


def test_a_choice_sent_twice_is_refused_and_nothing_is_stored(
    app, make_user, login, make_members, start_ballot
):
    voter = make_member(make_user)
    proposer, *seconders = make_members(3)
    ballot = start_ballot(proposer, seconders[:2])
    url = f"/governance/proposals/{ballot.proposal_id}/ballot"
    client = login(voter)
    csrf = token(client, url)
    for pairs in (
        [("choice", "for"), ("choice", "against")],
        [("choice", "against"), ("choice", "for")],
        [("choice", "for"), ("choice", "for")],
    ):
        response = client.post(url, data=MultiDict([("csrf_token", csrf), *pairs]))
        assert response.status_code == 400, pairs
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    response = client.post(url, data={"csrf_token": csrf, "choice": "against"})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Vote.id))) == 1


def test_the_ballot_box_is_the_sites_radio_group(app, make_user, login, make_members,
                                                 start_ballot):
    """The ballot box uses the same choice-group component as the quiz and the notification
    choices: a fieldset with a legend and a large-target row per choice, not the browser's
    default radios."""
    voter = make_member(make_user)
    proposer, *seconders = make_members(3)
    ballot = start_ballot(proposer, seconders[:2])
    page = login(voter).get(f"/governance/proposals/{ballot.proposal_id}/ballot").get_data(
        as_text=True)
    box = page[page.index('<fieldset class="radio-group"'):]
    box = box[:box.index("</fieldset>")]
    assert "<legend>Your vote</legend>" in box
    assert box.count('<div class="choice"><input') == 3
