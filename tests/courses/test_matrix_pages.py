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
    assert first.count('<th scope="row">') == 50
    assert "62 learners" in first and "learners 1 to 50 of 62 shown" in first
    assert "Learner 00" in first and "Learner 50" not in first
    second = tutor.get(path + "?page=2").get_data(as_text=True)
    assert second.count('<th scope="row">') == 12
    assert "Learner 50" in second and "Learner 61" in second
    assert re.search(r'rel="prev"', second) and not re.search(r'rel="next"', second)
    for bad in ("²", "0", "-1", "99999", "123456789012345678901234567890"):
        response = tutor.get(path, query_string={"page": bad})
        assert response.status_code == 200
    assert tutor.get(path + "?page=99999").get_data(as_text=True).count('<th scope="row">') == 12
    csv_text = tutor.get(path + ".csv").get_data(as_text=True)
    assert csv_text.count("\n") == 63  # every learner, and the header
