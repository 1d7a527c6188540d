"""A proposal's decision in words, made for each reader; what a carried-out decision links to."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from governance import operations as ops
from governance.models import ACTIVE, Ballot, Membership, RollEntry
from lms.accounts.models import User
from lms.api.tokens import create_token
from lms.db import db, utcnow
from lms.notifications.models import Notification

from .views_helpers import close_now, make_member, text_of

COURSE_PATH = "/courses/the-mondragon-experience"


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    # Interface text in Polish is ⟦wrapped⟧: it shows which text went through the catalogue.
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("pl")}


def _seconder(n: int) -> User:
    user = User(email=f"seconder{n}@example.org", display_name=f"Seconder {n}")
    db.session.add(user)
    db.session.flush()
    joined = utcnow() - dt.timedelta(days=30)
    db.session.add(Membership(user_id=user.id, member_class="learner", status=ACTIVE,
                              applied_dt=joined, joined_dt=joined))
    db.session.flush()
    return user


def _raised_in_polish(app, proposer, kind, payload) -> Ballot:
    """``proposer`` raises a proposal on a Polish page; two members second it; its ballot
    opens (the roll: the proposer and the seconders)."""
    raised = utcnow() - dt.timedelta(hours=ops.current_rules()["notice_hours"], minutes=5)
    with app.test_request_context(method="POST"), force_locale("pl"):
        proposal = ops.raise_proposal(proposer.id, kind, "A proposal", payload, now=raised)
        for n in range(2):
            ops.second(proposal, _seconder(n).id, now=raised + dt.timedelta(minutes=1))
        ballot = ops.maybe_open_ballot(proposal)
    db.session.commit()
    return ballot


def _pass(ballot: Ballot) -> None:
    roll = db.session.scalars(select(RollEntry.user_id).where(RollEntry.ballot_id == ballot.id))
    for user_id in roll.all():
        ops.cast_vote(ballot, user_id, "for")
    db.session.commit()
    close_now(ballot)
    ops.close_due()
    db.session.commit()


def _pages(client, proposal_id) -> dict[str, str]:
    base = f"/governance/proposals/{proposal_id}"
    return {path: client.get(path).get_data(as_text=True)
            for path in (base, f"{base}/ballot", f"{base}/result")}


def test_a_retire_proposal_reads_in_the_readers_language_with_the_course_title(
    app, make_user, login, make_course
):
    make_course("the-mondragon-experience", title="The Mondragon experience")
    day = (utcnow() + dt.timedelta(days=3)).date().isoformat()
    reader = make_member(make_user)
    ballot = _raised_in_polish(app, make_member(make_user), "courses:retire",
                               {"course": "the-mondragon-experience", "from_date": day})
    proposal = ballot.proposal
    # The record keeps what the proposer read when raising it.
    assert proposal.summary.startswith("⟦Retire the course “the-mondragon-experience”")
    english = login(reader)
    wanted = f"Retire the course “The Mondragon experience” from {day}"
    # Told it needs seconding, the English member read it in English.
    notice = db.session.scalar(select(Notification.body).where(
        Notification.user_id == reader.id, Notification.kind == "governance.proposal_raised"))
    assert notice.startswith(wanted)
    for path, html in _pages(english, proposal.id).items():
        page = text_of(html)
        assert wanted in page and "⟦" not in page, path
        assert "the-mondragon-experience”" not in page, path
    reader.locale = "pl"
    db.session.commit()
    page = text_of(english.get(f"/governance/proposals/{proposal.id}").get_data(as_text=True))
    assert f"⟦{wanted}" in page
    # The API answers in the language of the request (here the token owner's).
    _, secret = create_token(reader, "test", ["governance:proposal:read"], 30,
                             known_scopes={"governance:proposal:read"})
    db.session.commit()
    for path in (f"/api/v1/governance/proposals/{proposal.id}", "/api/v1/governance/proposals/"):
        body = english.get(path, headers={"Authorization": f"Bearer {secret}"}).get_json()
        summary = body["summary"] if "summary" in body else body["items"][0]["summary"]
        assert summary.startswith(f"⟦{wanted}"), path


def test_a_passed_retire_decision_does_not_link_to_the_retired_course(
    app, make_user, login, make_course
):
    make_course("the-mondragon-experience", title="The Mondragon experience")
    day = utcnow().date().isoformat()
    ballot = _raised_in_polish(app, make_member(make_user), "courses:retire",
                               {"course": "the-mondragon-experience", "from_date": day})
    _pass(ballot)
    assert ballot.proposal.enactment.status == "enacted"
    assert ballot.proposal.enactment.links == {"The Mondragon experience": COURSE_PATH}
    client = login(make_user())  # signed in, not enrolled: the course page is closed to them
    assert client.get(COURSE_PATH).status_code == 404
    html = client.get(f"/governance/proposals/{ballot.proposal_id}/result").get_data(as_text=True)
    assert f'href="{COURSE_PATH}"' not in html
    assert "<li>The Mondragon experience</li>" in html


def test_a_rules_change_names_each_rule_by_its_label_before_and_after_it_is_enacted(
    app, make_user, login
):
    ballot = _raised_in_polish(app, make_member(make_user), "governance:rules",
                               {"special_majority_percent": 80, "secret_ballot_default": True})
    proposal = ballot.proposal
    assert proposal.summary.startswith("⟦Change the rules: ")
    english = login(make_member(make_user))
    wanted = ("Change the rules: “Special resolution: share of votes cast to reach (%)” from 75 "
              "to 80; “Ballots are secret by default” from no to yes")
    for path, html in _pages(english, proposal.id).items():
        page = text_of(html)
        assert wanted in page, path
        assert "special_majority_percent" not in page and "⟦Change" not in page, path
    # Carried out, the rules in force are the proposal's: it still reads as the change it made.
    _pass(ballot)
    assert ops.current_rules()["special_majority_percent"] == 80
    for path, html in _pages(english, proposal.id).items():
        page = text_of(html)
        assert wanted in page and "Restate the rules without changes." not in page, path
