"""The tutor's dashboard over a group of 500: as many queries as for 5, and a bounded list."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import delete, insert, select

from courses.cohorts.models import SOURCE_ADMIN, CohortMember
from courses.cohorts.tutor_dashboard import AT_RISK_SHOWN
from courses.models import Enrolment, Progress
from lms.accounts.models import User
from lms.db import utcnow

from .cohort_helpers import make_cohort
from .test_queries import _count, count_queries


def _group(db, make_user, make_course, prefix: str, learners: int):
    """A tutor's group of ``learners``, bulk-inserted with a spread of progress rows.

    Every third learner finished, every third is half-way and active today, and
    the rest (idle for ten days, nothing done of the overdue first module) are at risk.
    """
    tutor = make_user(roles=("learner", "tutor"), name=f"Tutor {prefix}")
    course = make_course(slug=f"{prefix}-course", lessons=3, modules=3)
    course.modules[1].unlock_after_days = 5
    course.modules[2].unlock_after_days = 40
    db.session.commit()
    cohort = make_cohort(course, name=f"Group {prefix}", tutors=(tutor,),
                         start=utcnow().date() - dt.timedelta(days=20))
    items = [i for m in sorted(course.modules, key=lambda m: m.position)
             for i in sorted(m.items, key=lambda i: i.position)]
    now = utcnow()
    db.session.execute(insert(User), [
        {"email": f"{prefix}-{n:04d}@example.org", "display_name": f"Learner {prefix} {n:04d}",
         "password_hash": None, "session_token": secrets.token_urlsafe(16),
         "is_active_account": True, "created_dt": now}
        for n in range(learners)
    ])
    ids = list(db.session.scalars(
        select(User.id).where(User.email.like(f"{prefix}-%")).order_by(User.email)))
    kinds = [n % 3 for n in range(learners)]  # 0 finished, 1 active, 2 at risk
    db.session.execute(insert(Enrolment), [
        {"user_id": uid, "course_id": course.id, "enrolled_dt": now - dt.timedelta(days=20),
         "last_activity_dt": now - dt.timedelta(days=10 if kind == 2 else 0)}
        for uid, kind in zip(ids, kinds, strict=True)
    ])
    enrolments = dict(db.session.execute(
        select(Enrolment.user_id, Enrolment.id).where(Enrolment.course_id == course.id)).all())
    db.session.execute(insert(CohortMember), [
        {"cohort_id": cohort.id, "course_id": course.id, "user_id": uid,
         "enrolment_id": enrolments[uid], "source": SOURCE_ADMIN,
         "joined_dt": now - dt.timedelta(days=20)}
        for uid in ids
    ])
    done = {0: items, 1: items[: len(items) // 2], 2: []}
    db.session.execute(insert(Progress), [
        {"enrolment_id": enrolments[uid], "item_id": item.id, "completed_dt": now}
        for uid, kind in zip(ids, kinds, strict=True) for item in done[kind]
    ])
    db.session.commit()
    return tutor, cohort, kinds.count(2)


def test_tutor_dashboard_costs_the_same_queries_for_5_and_500_learners(
    app, db, make_user, login, make_course
):
    small, _cohort, _at_risk = _group(db, make_user, make_course, "small", 5)
    large, _cohort, _at_risk = _group(db, make_user, make_course, "large", 500)
    assert _count(db, login(small), "/") == _count(db, login(large), "/")


def test_tutor_dashboard_names_a_bounded_list_of_learners_at_risk(
    app, db, make_user, login, make_course
):
    tutor, cohort, at_risk = _group(db, make_user, make_course, "many", 500)
    page = login(tutor).get("/").get_data(as_text=True)
    assert "500 learners, 167 finished." in page
    assert f"{at_risk} at risk" in page
    named = re.findall(r'href="/courses/cohorts/\d+/learners/\d+">Learner many', page)
    assert len(named) == AT_RISK_SHOWN
    assert page.count("behind the group&#39;s schedule") == AT_RISK_SHOWN
    assert page.count("no activity for 10 days") == AT_RISK_SHOWN
    assert f"See all {at_risk} learners at risk" in page
    assert f"/courses/cohorts/{cohort.id}/progress?show=at-risk" in page


def test_dashboard_and_progress_page_apply_the_one_rule(app, db, make_user, login, make_course):
    """The card's counts and names are the matrix's, row for row (both read :mod:`.risk`)."""
    from courses.cohorts.matrix import build_matrix
    from courses.cohorts.tutor_dashboard import tutor_groups

    tutor, cohort, at_risk = _group(db, make_user, make_course, "rule", 30)
    with app.test_request_context():
        (card,) = tutor_groups(tutor)
        matrix = build_matrix(db.session.get(type(cohort), cohort.id))
    flagged = [r for r in matrix.rows if r.at_risk]
    assert card.at_risk_count == matrix.at_risk == len(flagged) == at_risk
    assert card.completed == sum(r.completed for r in matrix.rows) == 10
    assert {a.user_id for a in card.at_risk} <= {r.user_id for r in flagged}
    assert all(a.risks == ("no activity for 10 days", "behind the group's schedule")
               for a in card.at_risk)


def test_tutor_dashboard_runs_a_pinned_number_of_queries(app, db, make_user, make_course):
    """The tutor's groups, their courses' modules, and the counts and names once
    the group has changed: whatever the learners (the tutor's scope, which reads every
    member, is not asked)."""
    from courses.cohorts.tutor_dashboard import tutor_groups

    tutor, cohort, _at_risk = _group(db, make_user, make_course, "pin", 50)
    with app.test_request_context():
        tutor_groups(tutor)  # warm-up: loads the tutor and their roles
        with count_queries(db.engine) as unchanged:
            (card,) = tutor_groups(tutor)
        assert (card.learners, card.completed, card.at_risk_count) == (50, 17, 16)
        # The first learner, who had finished, loses their progress (in this
        # transaction: the next view sees it without a commit reloading the tutor).
        db.session.execute(delete(Progress).where(Progress.enrolment_id.in_(
            select(CohortMember.enrolment_id).where(CohortMember.cohort_id == cohort.id)
            .order_by(CohortMember.id).limit(1))))
        with count_queries(db.engine) as changed:
            (card,) = tutor_groups(tutor)
    # Now behind the group's schedule: at risk, and counted at once.
    assert (card.learners, card.completed, card.at_risk_count) == (50, 16, 17)
    assert (unchanged["n"], changed["n"]) == (3, 4)
