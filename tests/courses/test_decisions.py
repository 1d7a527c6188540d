"""The curriculum decision kinds: validation, idempotent enactment, and the course page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from courses.models import STATUS_DRAFT, STATUS_PUBLISHED, Course, CourseDecision
from courses.operations import CourseError
from lms.contracts import DecisionKind, DecisionRecord, PayloadError
from lms.db import db

from .conftest import token


def _today() -> dt.date:
    """Today in UTC when the test runs (not when the module was collected: a run that
    crosses midnight would call yesterday today)."""
    return dt.datetime.now(dt.UTC).date()


@pytest.fixture()
def kinds(app, request_ctx):
    return app.extensions["lms"].decision_kinds


def _decision(kind: str, payload: dict, decision_id: int = 7, title="Motion 7") -> DecisionRecord:
    return DecisionRecord(
        decision_id=decision_id,
        kind=kind,
        title=title,
        payload=payload,
        passed=True,
        decided_dt=dt.datetime.now(dt.UTC),
        url=f"/governance/proposals/{decision_id}",
    )


def _errors(kind, payload) -> dict[str, str]:
    with pytest.raises(PayloadError) as caught:
        kind.validate(payload)
    return caught.value.errors


def test_kinds_follow_the_contract(kinds):
    assert {"courses:add", "courses:revise", "courses:retire"} <= set(kinds)
    for key in ("courses:add", "courses:revise", "courses:retire"):
        kind = kinds[key]
        assert isinstance(kind, DecisionKind)
        names = [f["name"] for f in kind.fields()]
        assert names and all(f["label"] and f["type"] for f in kind.fields())
        assert len(names) == len(set(names))
    assert kinds["courses:add"].resolution == "ordinary"
    assert kinds["courses:revise"].resolution == "ordinary"
    assert kinds["courses:retire"].resolution == "special"


def test_add_rejects_bad_payloads_field_by_field(kinds, make_user):
    add = kinds["courses:add"]
    errors = _errors(add, {})
    assert set(errors) == {"title", "summary", "outline"}
    assert errors["title"] == "Enter a title."
    learner = make_user(email="learner@example.org")
    errors = _errors(
        add,
        {"title": "x" * 201, "summary": "S", "outline": "O", "tutor_email": learner.email},
    )
    assert errors == {
        "title": "Use at most 200 characters.",
        "tutor_email": "No tutor has this email address.",
    }
    tutor = make_user(email="tutor@example.org", roles=("tutor",))
    cleaned = add.validate(
        {"title": " Food co-ops ", "summary": "S", "outline": "O",
         "tutor_email": "TUTOR@example.org", "junk": "dropped"}
    )
    assert cleaned == {
        "title": "Food co-ops", "summary": "S", "outline": "O", "tutor_email": tutor.email,
    }
    assert "Food co-ops" in add.describe(cleaned)
    # An address typed with a combining diaeresis is the tutor registered with "ë".
    zoe = make_user(email="zo\u00eb@example.org", roles=("tutor",))
    cleaned = add.validate({"title": "T", "summary": "S", "outline": "O",
                            "tutor_email": "ZOE\u0308@example.org"})
    assert cleaned["tutor_email"] == zoe.email


def test_revise_and_retire_reject_bad_payloads(kinds, make_course):
    make_course("live")
    make_course("sketch", status=STATUS_DRAFT)
    revise, retire = kinds["courses:revise"], kinds["courses:retire"]
    assert _errors(revise, {"course": "nope", "changes": ""}) == {
        "course": "Choose one of the courses in the list.",
        "changes": "Say what should change.",
    }
    choices = {f["name"]: f for f in revise.fields()}["course"]["choices"]
    assert {slug for slug, _label in choices} == {"live", "sketch"}
    cleaned = revise.validate({"course": "sketch", "changes": "More", "publish": "y"})
    # Publishing pins the draft's content as it is when the proposal is raised.
    assert cleaned == {
        "course": "sketch", "changes": "More", "publish": True, "content": cleaned["content"],
    }
    assert re.fullmatch(r"[0-9a-f]{64}", cleaned["content"])
    today = _today()
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert _errors(retire, {"course": "live", "from_date": yesterday}) == {
        "from_date": "Choose today or a later day."
    }
    assert _errors(retire, {"course": "sketch", "from_date": "31/12/2099", "learners": "out"}) == {
        "course": "Choose one of the courses in the list.",
        "from_date": "Enter a date as YYYY-MM-DD.",
        "learners": "Choose one of the options in the list.",
    }
    assert retire.validate({"course": "live", "from_date": today.isoformat()}) == {
        "course": "live", "from_date": today.isoformat(), "learners": "may_finish",
    }


def test_add_is_idempotent_and_makes_a_unique_draft(kinds, make_course, make_user):
    make_course("food-co-ops")
    tutor = make_user(name="Ada Tutor", email="ada@example.org", roles=("tutor",))
    add = kinds["courses:add"]
    payload = add.validate(
        {"title": "Food co-ops", "summary": "Feeding people.", "outline": "## Module one\n\nSoil.",
         "tutor_email": tutor.email}
    )
    first = add.enact(_decision("courses:add", payload))
    second = add.enact(_decision("courses:add", payload))
    db.session.commit()
    courses = db.session.scalars(select(Course).where(Course.title == "Food co-ops")).all()
    new = [c for c in courses if c.slug != "food-co-ops"]
    assert len(new) == 1
    course = new[0]
    assert course.slug == "food-co-ops-2" and course.status == STATUS_DRAFT
    assert "Soil." in course.description_html and "<h2>Module one</h2>" in course.description_html
    assert "Ada Tutor" in course.description
    assert first.links == second.links == {"Food co-ops": "/courses/food-co-ops-2"}
    assert "Already enacted" in second.summary
    assert db.session.scalar(select(func.count(CourseDecision.id))) == 1


def test_revise_publishes_a_draft_once(kinds, make_course):
    draft = make_course("sketch", status=STATUS_DRAFT)
    empty = make_course("empty", status=STATUS_DRAFT, lessons=0, quiz=False)
    revise = kinds["courses:revise"]
    payload = revise.validate({"course": "sketch", "changes": "Ready", "publish": True})
    result = revise.enact(_decision("courses:revise", payload))
    assert draft.status == STATUS_PUBLISHED and "published" in result.summary
    version = draft.version
    revise.enact(_decision("courses:revise", payload))
    assert draft.version == version
    assert db.session.scalar(select(func.count(CourseDecision.id))) == 1
    with pytest.raises(PayloadError) as caught:
        revise.validate({"course": "empty", "changes": "Ready", "publish": True})
    assert "nothing to publish" in caught.value.errors["publish"]
    # A proposal raised before pinning existed still cannot publish an empty course.
    payload = {"course": "empty", "changes": "Ready", "publish": True}
    with pytest.raises(CourseError):
        revise.enact(_decision("courses:revise", payload, decision_id=8))
    db.session.rollback()
    assert empty.status == STATUS_DRAFT


def test_retire_keeps_enrolled_learners_able_to_finish(
    app, kinds, make_course, make_user, enrol, login
):
    course = make_course("leaving", lessons=1, quiz=False)
    learner, newcomer = make_user(), make_user()
    enrol(learner, course)
    retire = kinds["courses:retire"]
    today = _today()
    payload = retire.validate({"course": "leaving", "from_date": today.isoformat()})
    retire.enact(_decision("courses:retire", payload))
    retire.enact(_decision("courses:retire", payload))
    db.session.commit()
    assert course.retire_dt == dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    assert course.status == STATUS_PUBLISHED
    assert db.session.scalar(select(func.count(CourseDecision.id))) == 1

    assert "leaving" not in app.test_client().get("/courses/").get_data(as_text=True)
    assert login(newcomer).get("/courses/leaving").status_code == 404

    client = login(learner)
    page = client.get("/courses/leaving").get_data(as_text=True)
    assert "you can still finish it" in page
    assert client.get("/courses/leaving/learn/l1").status_code == 200
    r = client.post("/courses/leaving/learn/l1/complete", data={"csrf_token": token(client)})
    assert r.status_code == 303
    assert "Completed" in client.get("/courses/leaving").get_data(as_text=True)


def test_course_page_lists_the_decisions(app, kinds, make_course, make_user, login):
    course = make_course("listed")
    revise = kinds["courses:revise"]
    payload = revise.validate({"course": "listed", "changes": "Add a case study"})
    revise.enact(_decision("courses:revise", payload, decision_id=3, title="Case studies <b>"))
    db.session.commit()
    html = app.test_client().get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Decisions that shaped this course" in html
    assert '<a href="/governance/proposals/3">Case studies &lt;b&gt;</a>' in html
    other = make_course("quiet")
    assert "Decisions that shaped" not in app.test_client().get(
        f"/courses/{other.slug}"
    ).get_data(as_text=True)
