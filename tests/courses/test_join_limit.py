"""Tries at a group's enrolment key are limited per account: a key cannot be guessed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from courses.cohorts.models import CohortMember

from .cohort_helpers import make_cohort
from .conftest import token


@pytest.fixture()
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "COURSES_JOIN_LIMIT": "3 per minute"}


def test_guessing_a_key_is_stopped_for_that_account_only(app, db, make_user, login,
                                                         make_course):
    course = make_course()
    cohort = make_cohort(course, key="river-2027")
    guesser, other = login(make_user()), login(make_user())
    url = f"/courses/cohorts/join/{course.slug}"
    for guess in ("aaaaaa", "bbbbbb", "cccccc"):
        answer = guesser.post(url, data={"csrf_token": token(guesser), "key": guess})
        assert answer.status_code == 400  # the page again, the wrong key said by its field
    # The fourth try is refused even with the right key: the limit is on tries, not misses.
    refused = guesser.post(url, data={"csrf_token": token(guesser), "key": "river-2027"})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CohortMember.id))) == 0
    # Someone else, on the same address, joins: one account's tries never lock out another.
    page = other.post(url, data={"csrf_token": token(other), "key": "river-2027"},
                      follow_redirects=True).get_data(as_text=True)
    assert f"You joined the group “{cohort.name}”" in page
