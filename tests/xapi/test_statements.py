"""Statements have the xAPI 1.0.3 shape, ADL vocabulary and a pseudonymous actor."""

from __future__ import annotations

import datetime as dt

import pytest

from lms.xapi import statements as st
from lms.xapi.schema import StatementError, check

WHEN = dt.datetime(2026, 12, 6, 18, 0, tzinfo=dt.UTC)
BASE = "https://centre.example.org"


def _all():
    who = st.actor(7, BASE, "key")
    return [
        st.lesson_completed(who, BASE, enrolment_id=1, slug="c", version=2, lesson_key="l1",
                            completed_dt=WHEN),
        st.quiz_attempted(who, BASE, enrolment_id=1, slug="c", version=2, quiz_key="q",
                          attempt_no=1, score=80.0, passed=True, submitted_dt=WHEN),
        st.course_completed(who, BASE, enrolment_id=1, slug="c", title="C", version=2,
                            completed_dt=WHEN, final_score=80.0),
        st.certificate_issued(who, BASE, certificate_id=3, slug="c", code="ABC",
                              issued_dt=WHEN),
    ]


def test_every_statement_has_the_xapi_shape_and_adl_terms():
    made = _all()
    for statement in made:
        assert check(statement) is statement
        assert statement["verb"]["id"].startswith(("http://adlnet.gov/expapi/verbs/",
                                                   "https://w3id.org/xapi/adl/verbs/"))
        assert statement["object"]["definition"]["type"].startswith(
            "http://adlnet.gov/expapi/activities/")
        assert statement["timestamp"] == "2026-12-06T18:00:00.000Z"
    assert [s["verb"]["display"]["en-US"] for s in made] == [
        "completed", "passed", "completed", "satisfied"]
    assert made[1]["result"]["score"]["scaled"] == 0.8
    assert len({s["id"] for s in made}) == 4


def test_the_actor_is_a_pseudonymous_account():
    who = st.actor(7, BASE, "key")
    assert set(who) == {"objectType", "account"}
    assert who["account"]["homePage"] == BASE and len(who["account"]["name"]) == 32
    assert st.actor(7, BASE, "key") == who  # stable
    assert st.actor(8, BASE, "key") != who and st.actor(7, BASE, "other") != who


def test_ids_are_stable_so_a_resend_is_stored_once():
    assert [s["id"] for s in _all()] == [s["id"] for s in _all()]


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda s: s["actor"].update(mbox="mailto:a@example.org"), "actor"),
        (lambda s: s["verb"].update(id="completed"), "verb/id"),
        (lambda s: s["result"]["score"].update(scaled=1.5), "scaled"),
        (lambda s: s.update(timestamp="yesterday"), "timestamp"),
        (lambda s: s.update(id="not-a-uuid"), "id"),
        (lambda s: s["object"].pop("id"), "object"),
    ],
)
def test_a_malformed_statement_is_refused(change, problem):
    statement = _all()[1]
    change(statement)
    with pytest.raises(StatementError, match=problem):
        check(statement)


def test_the_course_title_is_tagged_with_the_courses_language():
    who = st.actor(7, BASE, "key")
    statement = st.course_completed(
        who, BASE, enrolment_id=1, slug="c", title="Cydweithredu", language="cy", version=2,
        completed_dt=WHEN, final_score=None,
    )
    assert statement["object"]["definition"]["name"] == {"cy": "Cydweithredu"}
    assert check(statement) is statement
    for unknown in (None, "", "pt_BR"):  # not known, or not a tag: undetermined, not "en"
        statement = st.course_completed(
            who, BASE, enrolment_id=1, slug="c", title="C", language=unknown, version=2,
            completed_dt=WHEN, final_score=None,
        )
        assert statement["object"]["definition"]["name"] == {"und": "C"}
        assert check(statement) is statement


def test_a_completed_course_sends_its_title_in_its_own_language(app, make_user, login,
                                                                 make_course):
    from sqlalchemy import select

    from lms.db import db
    from lms.jobs import Job
    from tests.xapi.test_lrs import _learn

    course = make_course(lessons=2, title="Cwmnïau cydweithredol", language="cy")
    _learn(login(make_user()), course)  # no LRS running: the statements wait in the queue
    sent = [j.args["statement"] for j in db.session.scalars(
        select(Job).where(Job.name == "lms.xapi.send"))]
    completed = [s for s in sent if s["object"]["definition"].get("name")]
    assert [s["object"]["definition"]["name"] for s in completed] == [
        {"cy": "Cwmnïau cydweithredol"}]
