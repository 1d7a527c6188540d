"""Prerequisites hold on every way into a course (issue 16).

Before, a new account joined a course with an enrolment key, and a learner
uploaded in a cohort file was added, without having completed the course's
prerequisite; the upload preview gave no warning. Now self-enrolment, the key,
the upload (by a tutor or an admin), accepting an invitation and any seating
all ask :func:`courses.prerequisites.unmet_prerequisites`, and other plugins
reach it through the core's ``EnrolmentRules`` contract.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from courses.cohorts import operations as cohort_ops
from courses.cohorts.models import SOURCE_ADMIN, CohortInvitation, CohortMember
from courses.models import Completion, Enrolment
from courses.prerequisites import unmet_prerequisites
from lms.contracts import EnrolmentRules
from lms.plugins import enrolment_rules

from .cohort_helpers import make_cohort, upload
from .conftest import token


@pytest.fixture()
def courses(make_course):
    basics = make_course("co-op-basics", title="Co-op Basics")
    advanced = make_course("co-op-finance", title="Co-op Finance", requires=(basics,))
    return basics, advanced


def _completed(db, user, course):
    enrolment = Enrolment(user_id=user.id, course_id=course.id)
    db.session.add(enrolment)
    db.session.flush()
    db.session.add(Completion(enrolment_id=enrolment.id, user_id=user.id, course_id=course.id,
                              course_version=course.version))
    db.session.commit()


def _enrolled(db, user, course) -> bool:
    db.session.expire_all()
    return db.session.scalar(select(Enrolment.id).where(
        Enrolment.user_id == user.id, Enrolment.course_id == course.id)) is not None


def test_a_new_account_cannot_join_past_a_prerequisite_with_a_key(
    app, db, make_user, login, courses
):
    basics, advanced = courses
    cohort = make_cohort(advanced, key="finance-key")
    newcomer = make_user()
    client = login(newcomer)
    page = client.post(f"/courses/cohorts/join/{advanced.slug}",
                       data={"csrf_token": token(client), "key": "finance-key"},
                       follow_redirects=True).get_data(as_text=True)
    assert "First complete “<bdi>Co-op Basics</bdi>”. Then you can join this group." in page
    assert not _enrolled(db, newcomer, advanced)
    assert db.session.scalar(select(CohortMember.id)) is None

    _completed(db, newcomer, basics)
    page = client.post(f"/courses/cohorts/join/{advanced.slug}",
                       data={"csrf_token": token(client), "key": "finance-key"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"You joined the group “{cohort.name}”" in page
    assert _enrolled(db, newcomer, advanced)


@pytest.mark.parametrize("uploader_role", ["tutor", "admin"])
def test_an_upload_holds_back_whoever_lacks_the_prerequisite_and_says_why(
    app, db, make_user, login, courses, outbox, uploader_role
):
    basics, advanced = courses
    uploader = make_user(roles=(uploader_role,))
    cohort = make_cohort(advanced, tutors=[uploader] if uploader_role == "tutor" else [])
    lacking = make_user(email="lacking@example.org")
    ready = make_user(email="ready@example.org")
    _completed(db, ready, basics)
    client = login(uploader)
    text = ("email,name\nlacking@example.org,L\nready@example.org,R\n"
            "brand.new@example.org,B\n")
    response = upload(client, cohort.id, text)
    preview = client.get(response.location).get_data(as_text=True)
    assert "2 people will be held back" in preview
    assert ("Row 2, lacking@example.org: Has not completed “Co-op Basics”, which this course"
            " requires first. Not added or invited.") in preview
    assert ("Row 4, brand.new@example.org: This course requires “Co-op Basics” first, and a"
            " new account has not completed any course yet. Not added.") in preview
    assert "Existing account: will be invited to join." in preview  # ready's row
    assert "Confirm: add or invite 1 learner" in preview

    page = client.post(response.location + "/confirm", data={"csrf_token": token(client)},
                       follow_redirects=True).get_data(as_text=True)
    assert "2 people were held back" in page
    db.session.expire_all()
    assert db.session.scalar(select(CohortMember.id)) is None
    invited = db.session.scalars(select(CohortInvitation.user_id)).all()
    assert invited == [ready.id]
    assert not _enrolled(db, lacking, advanced)
    assert {m.recipient for m in outbox()} == {"ready@example.org"}  # no account made for B


def test_seating_itself_refuses_an_unmet_prerequisite(app, db, make_user, courses, request_ctx):
    """The last guard: whatever a caller checked, nobody is seated past a prerequisite."""
    basics, advanced = courses
    cohort = make_cohort(advanced)
    learner = make_user()
    with pytest.raises(cohort_ops.CohortError, match="have not completed the courses"):
        cohort_ops._seat_many(cohort, advanced, [learner], SOURCE_ADMIN)
    db.session.rollback()
    with pytest.raises(cohort_ops.CohortError, match="First complete “<bdi>Co-op Basics</bdi>”"):
        cohort_ops.join(cohort, learner, SOURCE_ADMIN)
    db.session.rollback()
    assert not _enrolled(db, learner, advanced)


def test_self_enrolment_uses_the_same_check(app, db, make_user, login, courses):
    basics, advanced = courses
    learner = make_user()
    client = login(learner)
    page = client.post(f"/courses/{advanced.slug}/enrol", data={"csrf_token": token(client)},
                       follow_redirects=True).get_data(as_text=True)
    assert "First complete “<bdi>Co-op Basics</bdi>”. Then you can join this course." in page
    assert not _enrolled(db, learner, advanced)


def test_already_enrolled_learners_are_not_held_back(app, db, make_user, courses):
    basics, advanced = courses
    inside, outside = make_user(), make_user()
    db.session.add(Enrolment(user_id=inside.id, course_id=advanced.id))
    db.session.commit()
    unmet = unmet_prerequisites(advanced, [inside.id, outside.id])
    assert list(unmet) == [outside.id]
    assert [c.slug for c in unmet[outside.id]] == ["co-op-basics"]
    assert unmet_prerequisites(basics, [outside.id]) == {}


def test_other_plugins_reach_the_check_through_the_core_contract(app, db, make_user, courses):
    """How an enacted decision (or any plugin) asks, without importing courses."""
    basics, advanced = courses
    lacking, ready = make_user(), make_user()
    _completed(db, ready, basics)
    rules = enrolment_rules(app)
    assert isinstance(rules, EnrolmentRules)
    assert rules.unmet_prerequisites("co-op-finance", [lacking.id, ready.id]) == {
        lacking.id: ("Co-op Basics",)
    }
    with pytest.raises(LookupError):
        rules.unmet_prerequisites("no-such-course", [lacking.id])
