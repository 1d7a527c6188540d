"""The tutors' progress matrix runs a constant number of queries, whatever the cohort's size.

Two cohorts of the same course, 3 and 30 learners, each learner with a
different amount of progress and some quiz attempts (passed and failed):
the matrix page and its CSV download cost the same number of SQL queries for
both. The counting is the one of :mod:`tests.courses.test_queries`.
"""

from __future__ import annotations

import datetime as dt

import pytest

from courses.models import KIND_QUIZ, Progress, QuizAttempt
from lms.db import utcnow

from .cohort_helpers import make_cohort, seat
from .test_queries import count_queries


def _fill(db, make_user, cohort, course, learners: int, offset: int) -> None:
    """Seat ``learners`` new learners, learner n having done the first ``n % items`` items."""
    items = sorted(course.items, key=lambda i: (i.module.position, i.position))
    now = utcnow()
    for n in range(learners):
        enrolment = seat(cohort, make_user(name=f"Learner {offset + n:03d}"))
        done = items[: (n + offset) % (len(items) + 1)]
        for k, item in enumerate(done):
            quiz = item.kind == KIND_QUIZ
            db.session.add(Progress(
                enrolment_id=enrolment.id, item_id=item.id, score=100.0 if quiz else None,
                completed_dt=now - dt.timedelta(days=len(done) - k),
            ))
            if quiz:
                db.session.add_all([
                    QuizAttempt(enrolment_id=enrolment.id, item_id=item.id, attempt_no=1,
                                score=50.0, passed=False, answers={}, submitted_dt=now),
                    QuizAttempt(enrolment_id=enrolment.id, item_id=item.id, attempt_no=2,
                                score=100.0, passed=True, answers={}, submitted_dt=now),
                ])
        nxt = items[len(done)] if len(done) < len(items) else None
        if nxt is not None and nxt.kind == KIND_QUIZ:
            # Started but not passed: one failed try at the next quiz.
            db.session.add(QuizAttempt(enrolment_id=enrolment.id, item_id=nxt.id, attempt_no=1,
                                       score=0.0, passed=False, answers={}, submitted_dt=now))
        enrolment.last_item_id = (nxt or items[-1]).id if done else None
        enrolment.last_activity_dt = now - dt.timedelta(days=n % 12) if done else None
    db.session.commit()


def _count(db, client, path: str) -> int:
    client.get(path)  # warm-up: the first request of a client may load more
    with count_queries(db.engine) as counter:
        response = client.get(path)
        assert response.status_code == 200, path
        response.get_data()  # a streamed body runs its queries while it is read
    return counter["n"]


@pytest.mark.parametrize("suffix", ["progress", "progress.csv",
                                    "progress?sort=-progress&show=at-risk&idle_days=3"])
def test_matrix_queries_do_not_grow_with_the_cohort(app, db, make_user, login, make_course,
                                                    suffix):
    tutor = make_user(roles=("tutor",))
    course = make_course(slug="cohort-queries", lessons=9, modules=3)
    start = utcnow().date() - dt.timedelta(days=20)
    for n, module in enumerate(sorted(course.modules, key=lambda m: m.position)):
        module.unlock_after_days = 7 * n  # a schedule: the first modules are overdue
    db.session.commit()
    small = make_cohort(course, name="Small", start=start, tutors=[tutor])
    large = make_cohort(course, name="Large", start=start, tutors=[tutor])
    _fill(db, make_user, small, course, 3, offset=0)
    _fill(db, make_user, large, course, 30, offset=3)
    client = login(tutor)

    small_page = client.get(f"/courses/cohorts/{small.id}/progress").get_data(as_text=True)
    large_page = client.get(f"/courses/cohorts/{large.id}/progress").get_data(as_text=True)
    assert "3 learners" in small_page and "30 learners" in large_page
    assert small_page.count('<th scope="row">') == 3
    assert large_page.count('<th scope="row">') == 25  # a page of learners
    assert '<td class="d">\u2713</td>' in large_page and '<td class="in-progress">' in large_page

    small_count = _count(db, client, f"/courses/cohorts/{small.id}/{suffix}")
    large_count = _count(db, client, f"/courses/cohorts/{large.id}/{suffix}")
    assert small_count == large_count, (small_count, large_count)
