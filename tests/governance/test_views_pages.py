"""The governance pages doing their work: membership, proposals, ballots, results, secretary."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from governance import operations as ops
from governance.models import (
    ACTIVE,
    APPLIED,
    Comment,
    Enactment,
    Membership,
    Proposal,
    Result,
    Vote,
)
from governance.views.secretary import safe_cell
from lms.db import db

from .views_helpers import close_now, fresh, make_member, sent_once, text_of, token


def test_apply_approve_withdraw(app, make_user, login):
    person = make_user(name="Ada Applicant")
    secretary = make_user(roles=("admin",))
    client = login(person)
    page = client.get("/governance/membership").get_data(as_text=True)
    assert "Worker member" in page and 'type="radio"' in page
    csrf = token(client)
    r = client.post("/governance/membership/apply",
                    data={"csrf_token": csrf, "member_class": "king"})
    assert r.status_code == 400
    assert db.session.scalar(select(func.count(Membership.id))) == 0
    r = client.post("/governance/membership/apply",
                    data={"csrf_token": csrf, "member_class": "worker"})
    assert r.status_code == 303
    assert ops.membership_of(person.id).status == APPLIED

    boss = login(secretary)
    listing = boss.get("/governance/secretary/applications").get_data(as_text=True)
    assert "Ada Applicant" in listing
    m = ops.membership_of(person.id)
    r = boss.post(f"/governance/secretary/applications/{m.id}/approve",
                  data={"csrf_token": token(boss, "/governance/secretary/applications")})
    assert r.status_code == 303
    db.session.expire_all()
    assert ops.membership_of(person.id).status == ACTIVE
    assert "Ada Applicant" in client.get("/governance/register").get_data(as_text=True)

    r = client.post("/governance/membership/withdraw", data={"csrf_token": csrf})
    assert r.status_code == 303
    db.session.expire_all()
    assert ops.membership_of(person.id) is None
    assert client.get("/governance/register").status_code == 403


def test_raise_a_course_proposal_with_the_kinds_fields(app, make_user, login):
    member = make_member(make_user)
    client = login(member)
    chooser = client.get("/governance/proposals/new").get_data(as_text=True)
    assert "Add a course" in chooser and "General resolution" in chooser
    form = client.get("/governance/proposals/new?kind=courses:add").get_data(as_text=True)
    for name in ("p_title", "p_summary", "p_outline", "p_tutor_email"):
        assert f'name="{name}"' in form
    assert 'for="p_outline"' in form
    csrf = token(client, "/governance/proposals/new?kind=courses:add")
    r = client.post("/governance/proposals/new?kind=courses:add",
                    data={"csrf_token": csrf, "submit_token": fresh(), "title": "Food co-ops",
                          "p_title": "", "p_tutor_email": "nobody@example.org"})
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "Enter a title." in html and "No tutor has this email address." in html
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    r = client.post("/governance/proposals/new?kind=courses:add",
                    data={"csrf_token": csrf, "submit_token": fresh(), "title": "Teach food co-ops",
                          "p_title": "Food co-ops", "p_summary": "Feeding people.",
                          "p_outline": "Soil to shop."})
    assert r.status_code == 303
    proposal = db.session.scalar(select(Proposal))
    assert proposal.payload["title"] == "Food co-ops" and proposal.kind == "courses:add"
    assert client.post("/governance/proposals/new?kind=nope:x",
                       data={"csrf_token": csrf, "title": "x"}).status_code == 400


def test_second_and_comment(app, make_user, login):
    proposer, other = make_member(make_user), make_member(make_user, name="Sam Second")
    proposal = ops.raise_proposal(proposer.id, "governance:resolution", "Meet", {"text": "Monthly"})
    db.session.commit()
    client = login(other)
    path = f"/governance/proposals/{proposal.id}"
    csrf = token(client, path)
    assert client.post(f"{path}/second", data={"csrf_token": csrf}).status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert "Sam Second" in page and "You seconded this proposal." in page
    r = client.post(f"{path}/second", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert "already seconded" in client.get(path).get_data(as_text=True)
    r = client.post(f"{path}/comment",
                    data={"csrf_token": csrf, "submit_token": fresh(),
                          "body": "**Yes** <script>alert(1)</script>"})
    assert r.status_code == 303
    page = client.get(path).get_data(as_text=True)
    assert "<strong>Yes</strong>" in page and "<script>alert" not in page
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_vote_recorded_hidden_until_close_then_arithmetic(
    app, make_user, login, make_members, start_ballot
):
    voters = [make_member(make_user, member_class=c) for c in ("learner", "worker", "worker")]
    proposer, *seconders = make_members(3)
    ballot = start_ballot(proposer, seconders[:2])
    p = ballot.proposal_id
    clients = [login(v) for v in voters]
    csrf = token(clients[0], f"/governance/proposals/{p}/ballot")
    r = clients[0].post(f"/governance/proposals/{p}/ballot",
                        data={"csrf_token": csrf, "choice": "maybe"})
    assert r.status_code == 400
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    for client, choice in zip(clients, ("for", "for", "against"), strict=True):
        csrf = token(client, f"/governance/proposals/{p}/ballot")
        r = client.post(f"/governance/proposals/{p}/ballot",
                        data={"csrf_token": csrf, "choice": choice})
        # Post/Redirect/Get: the ballot page, at the member's vote, says it was recorded.
        assert r.status_code == 303
        assert r.location.endswith(f"/governance/proposals/{p}/ballot#your-vote")
        page = text_of(client.get(r.location).get_data(as_text=True))
        assert "Your vote was recorded." in page and f"You voted: {choice}." in page
        assert "Your vote was recorded." not in client.get(r.location).get_data(as_text=True)
    # Changing a vote is allowed by the default rules.
    r = clients[2].post(f"/governance/proposals/{p}/ballot",
                        data={"csrf_token": csrf, "choice": "abstain"})
    assert r.status_code == 303
    page = text_of(clients[2].get(r.location).get_data(as_text=True))
    assert "Your vote was recorded (changed)." in page and "You voted: abstain." in page
    hidden = text_of(clients[0].get(f"/governance/proposals/{p}/result").get_data(as_text=True))
    assert "Results stay hidden" in hidden and "Eligible members" not in hidden
    assert "published when the ballot closes" in clients[0].get(
        f"/governance/proposals/{p}/papers").get_data(as_text=True)

    close_now(ballot)
    shown = text_of(clients[0].get(f"/governance/proposals/{p}/result").get_data(as_text=True))
    # 6 on the roll; quorum max(3, ceil(25% of 6)=2) = 3; 2 for, 0 against, 1 abstains.
    for fragment in ("Eligible members 6", "Turnout 3", "Quorum 3: met", "For 2", "Against 0",
                     "Abstain (not votes cast) 1", "Votes cast 2", "Share for 1/1 (100.0%)",
                     "Threshold more than 1/2 (50.0%)", "Rules applied version 1", "Passed"):
        assert fragment in shown, fragment
    # Two workers and one learner voted: fewer than 5 in each class, so no breakdown.
    assert not re.search(r"Worker member 2 1 0 1", shown)
    assert "Withheld: in at least one class fewer than 5 members voted" in shown
    assert "being recorded" in shown
    assert db.session.scalar(select(func.count(Result.id))) == 0
    # A vote arriving after the close is refused, and that request fixes the result.
    r = clients[0].post(f"/governance/proposals/{p}/ballot",
                        data={"csrf_token": token(clients[0]), "choice": "against"})
    assert r.status_code == 303 and r.location.endswith(f"/governance/proposals/{p}/result")
    assert db.session.scalar(select(func.count(Vote.id))) == 3
    assert db.session.scalar(select(func.count(Result.id))) == 1
    shown = text_of(clients[0].get(r.location).get_data(as_text=True))
    assert "This ballot has closed" in shown and "For 2" in shown
    assert "The resolution is recorded; nothing to carry out." in shown
    assert ops.close_due() == []


def test_refused_vote_redirects_without_the_anchor_and_says_why(
    app, make_user, login, make_members, start_ballot
):
    voter = make_member(make_user)
    proposer, *seconders = make_members(3)
    ballot = start_ballot(proposer, seconders[:2])
    ballot.rules = {**ballot.rules, "allow_vote_change": False}
    db.session.commit()
    p = ballot.proposal_id
    client = login(voter)
    csrf = token(client, f"/governance/proposals/{p}/ballot")
    r = client.post(f"/governance/proposals/{p}/ballot", data={"csrf_token": csrf})
    assert r.status_code == 400
    assert "Choose for, against or abstain." in r.get_data(as_text=True)
    r = client.post(f"/governance/proposals/{p}/ballot", data={"csrf_token": csrf, "choice": "for"})
    assert r.status_code == 303 and r.location.endswith("/ballot#your-vote")
    client.get(r.location)
    r = client.post(f"/governance/proposals/{p}/ballot",
                    data={"csrf_token": csrf, "choice": "against"})
    assert r.status_code == 303 and r.location.endswith(f"/governance/proposals/{p}/ballot")
    page = text_of(client.get(r.location).get_data(as_text=True))
    assert "the rules do not allow changing a vote" in page and "You voted: for." in page
    assert "Your vote was recorded" not in page
    assert db.session.scalars(select(Vote.choice)).all() == ["for"]


def test_secret_ballot_receipt_and_check(app, make_user, login, make_members, start_ballot):
    voter = make_member(make_user)
    proposer, *seconders = make_members(3)
    ballot = start_ballot(proposer, seconders[:2], secret=True)
    p = ballot.proposal_id
    client = login(voter)
    csrf = token(client, f"/governance/proposals/{p}/ballot")
    # The receipt is shown once, in the answer itself (never kept in the session).
    r = client.post(f"/governance/proposals/{p}/ballot",
                    data={"csrf_token": csrf, "choice": "against"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Your vote was recorded." in html
    code = re.search(r'<code class="receipt">([A-Z0-9-]+)</code>', html).group(1)
    early = client.get(f"/governance/proposals/{p}/receipt?code={code}").get_data(as_text=True)
    assert "can be checked once the ballot closes" in early
    page = client.get(f"/governance/proposals/{p}/ballot").get_data(as_text=True)
    assert "You have voted." in page and "against" not in text_of(page).split("Your vote")[0]
    close_now(ballot)
    found = text_of(client.get(f"/governance/proposals/{p}/receipt?code={code.lower()}")
                    .get_data(as_text=True))
    assert "Counted: a ballot paper with this receipt code is in the list" in found
    assert "against" not in found
    missing = client.get(f"/governance/proposals/{p}/receipt?code=AAAA-BBBB").get_data(
        as_text=True)
    assert "No ballot paper has this receipt code." in missing
    assert code in client.get(f"/governance/proposals/{p}/papers").get_data(as_text=True)


def test_register_csv_neutralises_formulas(app, make_user, login):
    make_member(make_user, name="=HYPERLINK(\"http://x\")")
    make_member(make_user, name="@SUM(A1)")
    make_member(make_user, name="Plain Name")
    boss = login(make_user(roles=("admin",)))
    r = boss.get("/governance/register.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0] == ["name", "member_class", "joined", "left", "status"]
    names = {row[0] for row in rows[1:]}
    assert names == {"'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "Plain Name"}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    cells = [safe_cell(v) for v in ("+1", "-2", "\tx", "ok", None)]
    assert cells == ["'+1", "'-2", "'\tx", "ok", ""]


def test_failed_enactment_is_shown_and_retried(
    app, make_user, login, make_members, start_ballot
):
    from courses.authoring import add_item, add_module
    from courses.models import Course, Item

    empty = Course(slug="empty", title="Empty", summary="", status="draft", outcomes=[])
    db.session.add(empty)
    add_item(add_module(empty, "One", "one"), "lesson", "l1", title="Lesson", body_md="Hi")
    db.session.commit()
    voters = make_members(3)
    ballot = start_ballot(voters[0], voters[1:], kind="courses:revise", title="Publish Empty",
                          payload={"course": "empty", "changes": "Go live", "publish": True})
    for v in voters:
        ops.cast_vote(ballot, v.id, "for")
    # The draft changes after the proposal: members did not vote for this.
    lesson = db.session.scalar(select(Item).where(Item.key == "l1"))
    lesson.body_md = "Something else"
    db.session.commit()
    close_now(ballot)
    ops.close_due()
    db.session.commit()
    enactment = db.session.scalar(select(Enactment))
    assert enactment.status == "failed"
    boss = login(make_user(roles=("admin",)))
    page = boss.get("/governance/secretary/enactments").get_data(as_text=True)
    assert "Publish Empty" in page and "The draft has changed since" in page
    result = text_of(boss.get(f"/governance/proposals/{ballot.proposal_id}/result")
                     .get_data(as_text=True))
    assert "Carrying it out failed" in result
    # Put back as voted, the draft is published by the retry.
    db.session.scalar(select(Item).where(Item.key == "l1")).body_md = "Hi"
    db.session.commit()
    r = boss.post(f"/governance/secretary/enactments/{ballot.proposal_id}/retry",
                  data={"csrf_token": token(boss, "/governance/secretary/enactments")})
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Enactment)).status == "enacted"
    assert db.session.get(Course, empty.id).status == "published"
    assert "No enactment has failed." in boss.get("/governance/secretary/enactments").get_data(
        as_text=True)


def test_rules_change_form_is_built_from_the_kind(app, make_user, login):
    member = make_member(make_user)
    client = login(member)
    path = "/governance/proposals/new?kind=governance:rules"
    html = client.get(path).get_data(as_text=True)
    assert 'name="p_notice_hours" type="number" value="336"' in html
    assert '<input checked id="p_allow_vote_change" name="p_allow_vote_change"' in html
    assert "special resolution" in html
    r = client.post(path, data={"csrf_token": token(client, path), "submit_token": fresh(),
                                "title": "Shorter notice",
                                "p_notice_hours": "48", "p_allow_vote_change": "y",
                                "p_member_classes": "{not json"})
    assert r.status_code == 400 and "Not valid JSON." in r.get_data(as_text=True)
    r = client.post(path, data={"csrf_token": token(client, path), "submit_token": fresh(),
                                "title": "Shorter notice",
                                "p_notice_hours": "48", "p_allow_vote_change": "y"})
    assert r.status_code == 303
    proposal = db.session.scalar(select(Proposal))
    assert proposal.payload["notice_hours"] == 48 and proposal.resolution == "special"
    assert proposal.payload["leavers_keep_vote"] is False


def test_a_rules_change_with_a_smaller_special_majority_is_refused(app, make_user, login):
    client = login(make_member(make_user))
    path = "/governance/proposals/new?kind=governance:rules"
    r = client.post(path, data={"csrf_token": token(client, path), "submit_token": fresh(),
                                "title": "Easier",
                                "p_special_majority_percent": "40"})
    assert r.status_code == 400
    page = text_of(r.get_data(as_text=True))
    assert "A special resolution must need a larger majority than an ordinary one" in page
    assert "must be a whole number" not in page and "special_majority_percent" not in page
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_the_same_vote_again_says_it_is_unchanged_and_writes_nothing(
    app, make_user, login, make_members, start_ballot
):
    from lms.audit import AuditEvent

    voter = make_member(make_user)
    proposer, *seconders = make_members(3)
    ballot = start_ballot(proposer, seconders[:2])
    p = ballot.proposal_id
    client = login(voter)
    path = f"/governance/proposals/{p}/ballot"
    csrf = token(client, path)
    first = client.post(path, data={"csrf_token": csrf, "choice": "for"})
    assert "Your vote was recorded." in text_of(client.get(first.location).get_data(as_text=True))
    again = client.post(path, data={"csrf_token": csrf, "choice": "for"})
    assert again.status_code == 303
    page = text_of(client.get(again.location).get_data(as_text=True))
    assert "Your vote is unchanged" in page and "(changed)" not in page
    assert "You voted: for." in page
    db.session.expire_all()
    assert db.session.execute(select(Vote.choice, Vote.changed_dt)).all() == [("for", None)]
    cast = db.session.scalars(
        select(AuditEvent.data).where(AuditEvent.action == "governance.vote.cast")
    ).all()
    assert cast == [{"changed": False, "choice": "for"}]


def test_a_wrong_receipt_code_is_told_apart_from_a_missing_one(
    app, make_user, login, make_members, start_ballot
):
    voter = make_member(make_user)
    proposer, *seconders = make_members(3)
    ballot = start_ballot(proposer, seconders[:2], secret=True)
    path = f"/governance/proposals/{ballot.proposal_id}/ballot"
    client = login(voter)
    csrf = token(client, path)
    html = client.post(path, data={"csrf_token": csrf, "choice": "for"}).get_data(as_text=True)
    code = re.search(r'<code class="receipt">([A-Z0-9-]+)</code>', html).group(1)
    r = client.post(path, data={"csrf_token": csrf, "choice": "against"})
    assert "give its receipt code" in text_of(client.get(r.location).get_data(as_text=True))
    r = client.post(path, data={"csrf_token": csrf, "choice": "against",
                                "receipt": "AAAA-BBBB-CCCC-DDDD-EEEE"})
    page = text_of(client.get(r.location).get_data(as_text=True))
    assert "That receipt code is wrong" in page and "give its receipt code" not in page
    r = client.post(path, data={"csrf_token": csrf, "choice": "for", "receipt": code})
    assert r.status_code == 200
    page = text_of(r.get_data(as_text=True))
    assert "Your vote is unchanged" in page and code in page


def test_a_form_sent_twice_stores_one_proposal_and_one_comment(app, make_user, login):
    member = make_member(make_user)
    client = login(member)
    path = "/governance/proposals/new?kind=governance:resolution"
    csrf, submit = sent_once(client, path)
    data = {"csrf_token": csrf, "submit_token": submit, "title": "Meet monthly",
            "p_text": "We meet monthly."}
    first, second = client.post(path, data=data), client.post(path, data=data)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    assert db.session.scalar(select(func.count(Proposal.id))) == 1
    # Another showing of the form is another proposal.
    csrf, other = sent_once(client, path)
    assert other != submit
    client.post(path, data={**data, "submit_token": other})
    assert db.session.scalar(select(func.count(Proposal.id))) == 2

    page = first.location
    csrf, submit = sent_once(client, page)
    data = {"csrf_token": csrf, "submit_token": submit, "body": "Agreed."}
    first = client.post(f"{page}/comment", data=data)
    second = client.post(f"{page}/comment", data=data)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location and "#comment-" in first.location
    assert db.session.scalar(select(func.count(Comment.id))) == 1
    # A form without its token (or with a made-up one) is refused and stores nothing.
    for bad in ("", "short", "x" * 15 + "!"):
        r = client.post(f"{page}/comment", data={**data, "submit_token": bad})
        assert r.status_code == 400
    assert db.session.scalar(select(func.count(Comment.id))) == 1


def test_a_proposal_that_would_read_in_another_order_than_stored_is_refused(app, make_user, login):
    """An override character makes "Close the café ‮gnidnuf‬" show as something else than
    members then vote on and the decision carries out: refused, with everything typed kept."""
    client = login(make_member(make_user))
    url = "/governance/proposals/new?kind=courses:add"
    csrf = token(client, url)
    sent = {"csrf_token": csrf, "submit_token": fresh(), "title": "Teach food co-ops",
            "body": "Good for us.", "p_title": "Food co-ops", "p_summary": "Feeding people.",
            "p_outline": "Soil to shop."}
    for field in ("title", "body", "p_title"):
        data = {**sent, field: sent[field] + " \u202egnidnuf\u202c"}
        r = client.post(url, data=data)
        assert r.status_code == 400, field
        html = r.get_data(as_text=True)
        assert "Remove the invisible text-direction characters" in html
        assert "Food co-ops" in html and "Soil to shop." in html
    r = client.post(url, data={**sent, "title": "Teach food\nco-ops"})
    assert r.status_code == 400
    assert "Write this on one line" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    assert client.post(url, data=sent).status_code == 303
