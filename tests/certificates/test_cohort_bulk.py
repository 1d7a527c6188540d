"""Bulk issue and re-render for one cohort, from the CLI and the admin area.

These use the courses plugin's real cohort directory: a cohort's roster (its
learners, its course) is what certificates reads through the contract.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from certificates.models import Certificate
from courses.models import Completion
from lms.db import db as _db
from lms.db import utcnow
from lms.testing import csrf_token
from tests.courses.cohort_helpers import make_cohort, seat

BULK = "/certificates/manage/bulk"


def _complete(user, course, enrolment=None):
    """Record ``user``'s completion of ``course`` (version 1) as courses would."""
    if enrolment is None:
        from courses.models import Enrolment

        enrolment = _db.session.scalars(
            select(Enrolment).where(Enrolment.user_id == user.id,
                                    Enrolment.course_id == course.id)
        ).one()
    _db.session.add(Completion(enrolment_id=enrolment.id, user_id=user.id, course_id=course.id,
                               course_version=1, completed_dt=utcnow()))
    _db.session.commit()


@pytest.fixture()
def school(app, make_user, make_course, enrol):
    """Course co-op-basics with a cohort ("Spring group", tutored by ``tutor``) of three
    learners, two of whom completed, and two completions outside the cohort; another
    course with its own cohort and tutor. Every learner of the cohort also completed
    the other course."""
    basics = make_course("co-op-basics", lessons=1, quiz=False)
    other_course = make_course("governance-refresher", lessons=1, quiz=False)
    tutor, other_tutor = make_user(roles=("tutor",)), make_user(roles=("tutor",))
    cohort = make_cohort(basics, name="Spring group", tutors=[tutor])
    other_cohort = make_cohort(other_course, name="Autumn group", tutors=[other_tutor])
    members = [make_user(name=f"Member {i}") for i in range(3)]
    for member in members:
        seat(cohort, member)
        seat(other_cohort, member)
    for member in members[:2]:
        _complete(member, basics)
        _complete(member, other_course)
    outsiders = [make_user(name=f"Outsider {i}") for i in range(2)]
    for outsider in outsiders:
        _complete(outsider, basics, enrol(outsider, basics))
    return {"basics": basics, "cohort": cohort, "other_cohort": other_cohort, "tutor": tutor,
            "other_tutor": other_tutor, "members": members, "outsiders": outsiders}


def _issued() -> set[tuple[int, str]]:
    _db.session.expire_all()
    return {(c.user_id, c.course_slug) for c in _db.session.scalars(select(Certificate))}


def _ids(users) -> set[int]:
    return {u.id for u in users}


# --- the CLI ---------------------------------------------------------------------------


def test_cli_issues_for_a_cohort_only_its_learners_in_its_course(app, school):
    cohort, members = school["cohort"], school["members"]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["certificates", "issue", "--cohort", str(cohort.id),
                                 "--workers", "0", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "Issuing for cohort Spring group (co-op-basics)" in result.output
    assert "2 certificates issued, 0 already there." in result.output
    assert _issued() == {(m.id, "co-op-basics") for m in members[:2]}
    # Run again: nothing more; then the whole course issues the outsiders' only.
    again = runner.invoke(args=["certificates", "issue", "--cohort", str(cohort.id)])
    assert "0 certificates issued" in again.output
    course = runner.invoke(args=["certificates", "issue", "--course", "co-op-basics",
                                 "--workers", "0"])
    assert "2 certificates issued" in course.output
    assert _issued() == {(u.id, "co-op-basics")
                         for u in [*members[:2], *school["outsiders"]]}


def test_cli_cohort_in_worker_batches(app, school, inline_pool):
    result = app.test_cli_runner().invoke(
        args=["certificates", "issue", "--cohort", str(school["other_cohort"].id),
              "--workers", "2", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "2 certificates issued" in result.output and len(inline_pool.jobs) == 2
    assert _issued() == {(m.id, "governance-refresher") for m in school["members"][:2]}


@pytest.mark.parametrize("args, message", [
    ([], "Give either --course SLUG or --cohort ID (exactly one)."),
    (["--course", "co-op-basics", "--cohort", "1"],
     "Give either --course SLUG or --cohort ID (exactly one)."),
    (["--cohort", "999999"], "there is no cohort with id 999999."),
    (["--cohort", "spring"], "'spring' is not a valid integer"),
    (["--cohort", "99999999999999999999"], "there is no cohort with id 99999999999999999999."),
    (["--course", "nope"], "no course has the short name 'nope'."),
])
def test_cli_refuses_a_wrong_choice(app, school, args, message):
    result = app.test_cli_runner().invoke(args=["certificates", "issue", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert _issued() == set()


def test_cli_cohort_without_a_cohort_directory(app, school, monkeypatch):
    monkeypatch.setattr(app.extensions["lms"], "cohort_directory", None)
    result = app.test_cli_runner().invoke(
        args=["certificates", "issue", "--cohort", str(school["cohort"].id)])
    assert result.exit_code == 1
    assert "No cohort directory" in result.output and "--course" in result.output
    assert _issued() == set()


# --- the admin area ----------------------------------------------------------------------


def _bulk(client, action: str, **fields):
    token = csrf_token(client, BULK)
    return client.post(f"{BULK}/{action}", data={"csrf_token": token, **fields})


def test_admin_issues_and_rerenders_for_any_cohort(app, school, make_user, login):
    admin = login(make_user(roles=("admin",)))
    page = admin.get(BULK).get_data(as_text=True)
    assert "Spring group (co-op-basics, 3 learners)" in page
    assert "Autumn group (governance-refresher, 3 learners)" in page
    assert 'name="course"' in page
    response = _bulk(admin, "issue", cohort=school["cohort"].id)
    assert response.status_code == 302
    flashed = admin.get(BULK).get_data(as_text=True)
    assert ("Cohort Spring group (co-op-basics): 2 certificates issued, 0 already there."
            in flashed)
    assert _issued() == {(m.id, "co-op-basics") for m in school["members"][:2]}
    # A whole course, then a re-render of the cohort's certificates only.
    assert _bulk(admin, "issue", course="co-op-basics").status_code == 302
    before = {c.user_id: c.pdf_rendered_dt for c in _db.session.scalars(select(Certificate))}
    assert _bulk(admin, "rerender", cohort=school["cohort"].id).status_code == 302
    assert "Cohort Spring group (co-op-basics): 2 PDFs re-rendered" in admin.get(
        BULK).get_data(as_text=True)
    _db.session.expire_all()
    changed = {c.user_id for c in _db.session.scalars(select(Certificate))
               if c.pdf_rendered_dt != before[c.user_id]}
    assert changed == _ids(school["members"][:2])


def test_tutors_act_on_no_cohort_in_bulk(app, school, login):
    """Bulk issue and re-render are the certificate officers' (and admins'): a tutor gets
    403 for the page and for their own cohort, and nothing is issued."""
    tutor = login(school["tutor"])
    assert tutor.get(BULK).status_code == 403
    for action in ("issue", "rerender"):
        assert _bulk(tutor, action, cohort=school["cohort"].id).status_code == 403
        assert _bulk(tutor, action, course="co-op-basics").status_code == 403
    assert _issued() == set()


def test_an_officer_acts_on_any_cohort_but_never_issues_their_own(
    app, school, make_user, login, enrol
):
    """A certificate officer who completed the course is left out of their own bulk issue
    (nobody issues their own certificate) and of their own re-render."""
    officer = make_user(name="Officer Learner", roles=("certificate_officer",))
    _complete(officer, school["basics"], enrol(officer, school["basics"]))
    client = login(officer)
    page = client.get(BULK).get_data(as_text=True)
    assert "Spring group" in page and "Autumn group" in page and 'name="course"' in page
    assert _bulk(client, "issue", course="co-op-basics").status_code == 302
    assert "4 certificates issued" in client.get(BULK).get_data(as_text=True)
    issued = _issued()
    assert (officer.id, "co-op-basics") not in issued and len(issued) == 4
    # Another officer issues theirs; the first one's bulk re-render passes it by.
    other = login(make_user(roles=("certificate_officer",)))
    assert _bulk(other, "issue", course="co-op-basics").status_code == 302
    own = _db.session.scalars(select(Certificate).where(Certificate.user_id == officer.id)).one()
    rendered = own.pdf_rendered_dt
    assert _bulk(client, "rerender", course="co-op-basics").status_code == 302
    assert "4 PDFs re-rendered" in client.get(BULK).get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(Certificate, own.id).pdf_rendered_dt == rendered


@pytest.mark.parametrize("fields, message", [
    ({}, "Choose a course or a cohort."),
    ({"course": "co-op-basics", "cohort": "1"}, "Choose a course or a cohort, not both."),
    ({"cohort": "first"}, "Invalid Choice: could not coerce."),
    # Past what the database's integers hold (SQLite 2**63, PostgreSQL 2**31): no cohort.
    ({"cohort": "99999999999999999999"}, "There is no such cohort among those you may act on."),
    ({"cohort": str(2**31)}, "There is no such cohort among those you may act on."),
    ({"cohort": "-1"}, "There is no such cohort among those you may act on."),
    ({"cohort": "0"}, "There is no such cohort among those you may act on."),
    ({"course": "nope"}, "No course has this short name."),
    ({"course": "Not A Slug"}, "short name, e.g. members-meetings."),
])
def test_the_bulk_form_wants_exactly_one_choice(app, school, make_user, login, fields, message):
    admin = login(make_user(roles=("admin",)))
    response = _bulk(admin, "issue", **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _issued() == set()


def test_without_a_cohort_directory_admins_still_act_on_courses(
    app, school, make_user, login, monkeypatch
):
    monkeypatch.setattr(app.extensions["lms"], "cohort_directory", None)
    admin = login(make_user(roles=("admin",)))
    page = admin.get(BULK).get_data(as_text=True)
    assert 'name="cohort"' not in page and 'name="course"' in page
    response = _bulk(admin, "issue", cohort=school["cohort"].id)
    assert response.status_code == 404
    assert "Cohorts are not available" in response.get_data(as_text=True)
    assert _bulk(admin, "issue", course="co-op-basics").status_code == 302
    assert len(_issued()) == 4
