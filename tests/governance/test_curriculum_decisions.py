"""Governance as the curriculum authority: a passed "revise" decision publishes the revision.

Tutors prepare a revision of a live course; members propose "Revise a course"
with "Publish it"; when the ballot passes, enactment makes the live course
match the revision exactly as it was proposed, and nothing else.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from courses.content_format import item_hash
from courses.item_hashes import item_source
from courses.models import Correction, Course, CourseDecision, Enrolment, Item, Progress
from governance import operations as ops
from governance.models import Enactment, Rulebook
from governance.rules import DEFAULT_RULES, validate_rules
from lms.contracts import PayloadError
from lms.db import db
from lms.testing import csrf_token

from .conftest import pass_ballot


def _lesson(course_id: int, key: str = "l1") -> Item:
    db.session.expire_all()
    return db.session.scalar(select(Item).where(Item.course_id == course_id, Item.key == key))


def _edit(client, slug: str, item: Item, body: str, **extra) -> int:
    url = f"/courses/author/{slug}/items/{item.id}"
    data = {"csrf_token": csrf_token(client, url), "title": item.title, "body_md": body,
            "estimated_minutes": "5", "required": "y", "sources": "", "save": "1", **extra}
    return client.post(url, data=data).status_code


def _prepare(client, slug: str) -> Course:
    r = client.post(f"/courses/author/{slug}/revision",
                    data={"csrf_token": csrf_token(client, "/courses/author/")})
    assert r.status_code == 303
    live = db.session.scalar(select(Course).where(Course.slug == slug))
    return db.session.scalar(select(Course).where(Course.revision_of_id == live.id))


def _published_course(make_course, make_user, enrol):
    course = make_course(lessons=2)
    learner = make_user()
    enrolment = enrol(learner, course)
    db.session.add(Progress(enrolment_id=enrolment.id, item_id=_lesson(course.id).id))
    db.session.commit()
    return course


def test_a_passed_revise_proposal_publishes_the_prepared_revision(
    app, make_user, login, make_course, enrol, make_members, start_ballot
):
    course = _published_course(make_course, make_user, enrol)
    course_id, version, lesson_id = course.id, course.version, _lesson(course.id).id
    source_hash = _lesson(course.id).source_hash
    tutor = login(make_user(roles=("learner", "tutor")))
    revision = _prepare(tutor, course.slug)
    assert _edit(tutor, revision.slug, _lesson(revision.id), "The revised lesson.") == 303
    members = make_members(4)
    ballot = start_ballot(members[0], members[1:3], kind="courses:revise", payload={
        "course": course.slug, "changes": "Clearer first lesson", "publish": True})
    assert re.fullmatch(r"[0-9a-f]{64}", ballot.proposal.payload["content"])
    assert pass_ballot(ballot, members).passed
    enactment = db.session.scalar(select(Enactment))
    assert enactment.status == "enacted", enactment.error
    assert "now shows the revision members decided on" in enactment.summary
    live = db.session.get(Course, course_id)
    lesson = _lesson(course_id)
    assert lesson.body_md == "The revised lesson." and lesson.id == lesson_id
    # Its translations now show as out of date: the stored hash is the revised file's.
    assert lesson.source_hash != source_hash
    assert lesson.source_hash == item_hash(item_source(lesson))
    assert live.version == version + 1 and live.status == "published"
    assert db.session.scalar(select(Course).where(Course.revision_of_id == course_id)) is None
    assert db.session.scalar(select(Progress.item_id)) == lesson_id  # progress kept
    assert db.session.scalar(select(Enrolment.course_id)) == course_id
    decision = db.session.scalar(select(CourseDecision))
    assert (decision.course_id, decision.kind) == (course_id, "courses:revise")
    # The decisions and changes page lists it.
    page = app.test_client().get(f"/courses/{live.slug}/changes").get_data(as_text=True)
    assert "A resolution" in page and f"/governance/proposals/{ballot.proposal_id}" in page


def test_a_revision_changed_after_the_proposal_is_not_published(
    make_user, login, make_course, enrol, make_members, start_ballot
):
    course = _published_course(make_course, make_user, enrol)
    tutor = login(make_user(roles=("learner", "tutor")))
    revision = _prepare(tutor, course.slug)
    assert _edit(tutor, revision.slug, _lesson(revision.id), "What members read.") == 303
    members = make_members(4)
    ballot = start_ballot(members[0], members[1:3], kind="courses:revise", payload={
        "course": course.slug, "changes": "Clearer", "publish": True})
    # After the proposal, someone slips in something else.
    assert _edit(tutor, revision.slug, _lesson(revision.id), "Something else.") == 303
    assert pass_ballot(ballot, members).passed
    enactment = db.session.scalar(select(Enactment))
    assert enactment.status == "failed" and "changed since the members' decision" in (
        enactment.error)
    assert _lesson(course.id).body_md == "Text"


def test_proposing_to_publish_needs_a_prepared_revision(make_course, make_members, request_ctx):
    make_course("live")
    members = make_members(1)
    kind = ops.get_kind("courses:revise")
    with pytest.raises(PayloadError) as caught:
        kind.validate({"course": "live", "changes": "More", "publish": True})
    assert "No revision of this course is prepared yet" in caught.value.errors["publish"]
    # Without "publish", the changes are recorded for the tutors, as before.
    assert kind.validate({"course": "live", "changes": "More"})["publish"] is False
    assert members


def test_the_rulebook_names_the_minor_corrections(app, make_user, login, make_course):
    course = make_course(lessons=1)
    tutor = login(make_user(roles=("learner", "tutor")))
    lesson = _lesson(course.id)
    fix = {"fix-correction": "broken_link", "fix-correction_note": "New address"}
    # A rulebook with no minor corrections: every change needs a decision.
    db.session.add(Rulebook(version=1, rules=validate_rules(dict(DEFAULT_RULES))))
    db.session.add(Rulebook(version=2, rules=validate_rules(
        {**DEFAULT_RULES, "minor_corrections": {}})))
    db.session.commit()
    assert _edit(tutor, course.slug, lesson, "Fixed link", **fix) == 403
    rules = app.test_client().get("/governance/rules").get_data(as_text=True)
    assert "None: every change to a published course needs a decision" in rules
    # The rules change again: broken links may be fixed without a vote.
    db.session.add(Rulebook(version=3, rules=validate_rules(
        {**DEFAULT_RULES, "minor_corrections": {"broken_link": "A broken link"}})))
    db.session.commit()
    assert _edit(tutor, course.slug, lesson, "Fixed link", **fix) == 303
    assert db.session.scalar(select(Correction.label)) == "A broken link"
    assert "A broken link" in app.test_client().get("/governance/rules").get_data(as_text=True)
