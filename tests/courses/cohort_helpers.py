"""Builders for the cohort tests."""

from __future__ import annotations

import datetime as dt
import re

from courses.cohorts.models import SOURCE_ADMIN, Cohort, CohortMember, CohortTutor
from courses.models import Enrolment
from lms.db import db, utcnow


def make_cohort(course, name="Spring group", start=None, end=None, capacity=None, key=None,
                tutors=()):
    today = utcnow().date()
    cohort = Cohort(
        course_id=course.id,
        name=name,
        start_date=start or today - dt.timedelta(days=1),
        end_date=end or today + dt.timedelta(days=60),
        capacity=capacity,
        enrolment_key=key,
    )
    db.session.add(cohort)
    db.session.flush()
    for tutor in tutors:
        db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor.id))
    db.session.commit()
    return cohort


def seat(cohort, user) -> Enrolment:
    """Put ``user`` in ``cohort`` straight in the database (with their enrolment)."""
    enrolment = db.session.query(Enrolment).filter_by(
        user_id=user.id, course_id=cohort.course_id
    ).one_or_none()
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=cohort.course_id)
        db.session.add(enrolment)
        db.session.flush()
    db.session.add(
        CohortMember(
            cohort_id=cohort.id,
            course_id=cohort.course_id,
            user_id=user.id,
            enrolment_id=enrolment.id,
            source=SOURCE_ADMIN,
        )
    )
    db.session.commit()
    return enrolment


def form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def announcement_form(client, url: str) -> dict[str, str]:
    """The hidden fields (CSRF and submit tokens) of the announcement form on ``url``."""
    html = client.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'name="(csrf_token|submit_token)" type="hidden" value="([^"]+)"',
                             html))
    assert set(fields) == {"csrf_token", "submit_token"}, f"no announcement form on {url}"
    return fields


def upload(client, cohort_id: int, text: str | bytes, filename: str = "people.csv"):
    """Upload ``text`` as an enrolment file; return the response (not followed)."""
    import io

    data = text.encode() if isinstance(text, str) else text
    path = f"/courses/cohorts/{cohort_id}/upload"
    return client.post(
        path,
        data={"csrf_token": form_token(client, path), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
