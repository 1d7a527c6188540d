"""The progress matrix of a big cohort pages its learners (the counts cover everyone)."""

from __future__ import annotations

import re

from courses.cohorts.models import CohortTutor

from .cohort_helpers import make_cohort, seat


def test_matrix_pages_learners_and_counts_everyone(app, db, make_user, login, make_course):
    course = make_course(lessons=2)
    tutor_user = make_user(roles=("tutor",))
    cohort = make_cohort(course)
    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor_user.id))
    for n in range(62):
        seat(cohort, make_user(name=f"Learner {n:02d}"))
    db.session.commit()
    tutor = login(tutor_user)
    path = f"/courses/cohorts/{cohort.id}/progress"
    first = tutor.get(path).get_data(as_text=True)
    assert first.count('<th scope="row">') == 25
    assert "62 learners" in first and "learners 1 to 25 of 62 shown" in first
    assert "Learner 24" in first and "Learner 25" not in first
    last = tutor.get(path + "?page=3").get_data(as_text=True)
    assert last.count('<th scope="row">') == 12
    assert "Learner 50" in last and "Learner 61" in last and "Learner 49" not in last
    assert re.search(r'rel="prev"', last) and not re.search(r'rel="next"', last)
    for bad in ("²", "0", "-1", "99999", "123456789012345678901234567890"):
        response = tutor.get(path, query_string={"page": bad})
        assert response.status_code == 200
    assert tutor.get(path + "?page=99999").get_data(as_text=True).count('<th scope="row">') == 12
    csv_text = tutor.get(path + ".csv").get_data(as_text=True)
    assert csv_text.count("\n") == 63  # every learner, and the header


def test_every_learners_summary_agrees_with_their_own_progress(app, db, make_user, make_course):
    """The matrix counts in SQL what ``progress_for`` counts in Python, and flags alike."""
    import datetime as dt

    from courses.cohorts.matrix import build_matrix
    from courses.cohorts.schedule import cohort_schedule
    from courses.models import Enrolment
    from courses.progress import progress_for
    from lms.db import utcnow

    from .test_cohort_queries import _fill

    course = make_course(slug="summary-rules", lessons=9, modules=3)
    for n, module in enumerate(sorted(course.modules, key=lambda m: m.position)):
        module.unlock_after_days = 7 * n  # the first modules are overdue
    optional = next(i for i in course.items if i.key == "l2")
    optional.required = False  # done or not, it never counts
    db.session.commit()
    cohort = make_cohort(course, start=utcnow().date() - dt.timedelta(days=20))
    _fill(db, make_user, cohort, course, 14, offset=0)

    built = build_matrix(cohort, idle_days=5)
    enrolments = {e.id: e for e in db.session.query(Enrolment).all()}
    progress = progress_for(list(enrolments.values()))
    overdue = cohort_schedule(cohort).overdue_modules()
    assert overdue and len(built.rows) == 14
    assert [r.name for r in built.rows] == sorted(r.name for r in built.rows)
    for row in built.rows:
        own = progress[row.enrolment_id]
        assert (row.done, row.total, row.percent, row.completed) == (
            own.done, own.total, own.percent, own.completed)
        behind = any(i.required and not i.done and i.module_id in overdue for i in own.items)
        since = enrolments[row.enrolment_id].last_activity_dt or row.joined_dt
        idle = utcnow() - since > dt.timedelta(days=5)
        assert (row.behind, row.idle) == (behind, idle), row.name
        assert row.at_risk == (not own.completed and (behind or idle))
    assert {r.at_risk for r in built.rows} == {True, False}
    assert built.at_risk == sum(r.at_risk for r in built.rows)


def test_the_csv_streams_its_header_before_the_learners(app, db, make_user, login, make_course):
    course = make_course(lessons=2)
    tutor_user = make_user(roles=("tutor",))
    cohort = make_cohort(course)
    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor_user.id))
    for n in range(3):
        seat(cohort, make_user(name=f"Learner {n}"))
    db.session.commit()
    tutor = login(tutor_user)
    # The test client reads a streamed body in the request's context and keeps its chunks.
    response = tutor.get(f"/courses/cohorts/{cohort.id}/progress.csv")
    chunks = [c.decode() for c in response.response]
    assert chunks[0].startswith("Name,Email,Percent done") and chunks[0].count("\n") == 1
    assert [c.split(",")[0] for c in chunks[1:]] == ["Learner 0", "Learner 1", "Learner 2"]


def test_group_roster_pages_its_learners(app, db, make_user, login, make_course):
    """The group's page lists a page of its roster and counts everyone."""
    from courses.cohorts.views import ROSTER_PAGE_SIZE

    course = make_course(lessons=1)
    tutor_user = make_user(roles=("tutor",))
    cohort = make_cohort(course)
    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor_user.id))
    for n in range(ROSTER_PAGE_SIZE + 3):
        seat(cohort, make_user(name=f"Learner {n:03d}"))
    db.session.commit()
    tutor = login(tutor_user)
    path = f"/courses/cohorts/{cohort.id}"
    first = tutor.get(path).get_data(as_text=True)
    assert first.count(f'href="{path}/learners/') == ROSTER_PAGE_SIZE
    assert f"{ROSTER_PAGE_SIZE + 3} learners, no limit" in first and "Page 1 of 2" in first
    last = tutor.get(path + "?page=2").get_data(as_text=True)
    assert last.count(f'href="{path}/learners/') == 3 and f"Learner {ROSTER_PAGE_SIZE:03d}" in last
    assert 'rel="prev"' in last and 'rel="next"' not in last
