"""Builders for certificates tests: completions sent as the courses plugin sends them."""

from __future__ import annotations

import datetime as dt
import itertools
from concurrent.futures import Future
from contextlib import contextmanager

import pytest

from certificates import bulk
from certificates.models import Certificate
from lms import signals
from lms.contracts import CohortRoster, CompletionSnapshot
from lms.db import db as _db
from tests.courses.conftest import enrol, make_course  # noqa: F401  (fixtures)

_enrolments = itertools.count(1000)


def snapshot(user, slug="co-op-basics", version=1, title="Co-op Basics", **fields):
    return CompletionSnapshot(
        enrolment_id=fields.pop("enrolment_id", next(_enrolments)),
        user_id=user.id,
        display_name=user.display_name,
        email=user.email,
        course_slug=slug,
        course_title=title,
        course_version=version,
        completed_dt=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        outcomes=("Run a meeting", "Read accounts"),
        estimated_hours=6.0,
        **fields,
    )


@pytest.fixture()
def complete(app):
    """Send ``course_completed`` for ``user`` as courses does, commit, return the certificate."""

    def do(user, **kwargs) -> Certificate | None:
        signals.course_completed.send(app, completion=snapshot(user, **kwargs))
        _db.session.commit()
        return _db.session.scalars(
            _db.select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.id.desc())
        ).first()

    return do


class FakeDirectory:
    """A cohort directory (the contract the courses plugin provides) saying who tutors whom."""

    def __init__(self):
        self.cohorts: dict[int, CohortRoster] = {}
        self.tutors: dict[int, set[int]] = {}  # cohort id -> its tutors' ids
        self._ids = itertools.count(1)

    def add(self, tutor_ids, learner_ids, course_slug, name=None) -> CohortRoster:
        cohort_id = next(self._ids)
        roster = CohortRoster(cohort_id, name or f"Group {cohort_id}", course_slug,
                              tuple(sorted(learner_ids)))
        self.cohorts[cohort_id] = roster
        self.tutors[cohort_id] = set(tutor_ids)
        return roster

    def roster(self, cohort_id):
        return self.cohorts.get(cohort_id)

    def cohorts_of(self, tutor_id):
        return [roster for cohort_id, roster in self.cohorts.items()
                if tutor_id is None or tutor_id in self.tutors[cohort_id]]

    def cohort_ids_of(self, tutor_id):
        return [roster.cohort_id for roster in self.cohorts_of(tutor_id)]


@pytest.fixture()
def directory(app, monkeypatch) -> FakeDirectory:
    """A fake cohort directory installed in place of the courses plugin's."""
    fake = FakeDirectory()
    monkeypatch.setattr(app.extensions["lms"], "cohort_directory", fake)
    return fake


@pytest.fixture()
def tutors(directory):
    """``tutors(tutor, learner, ..., course=..., name=...)``: make ``tutor`` the tutor of a
    new cohort of these learners in ``course`` (default ``co-op-basics``); return its
    :class:`~lms.contracts.CohortRoster`.

    Certificates learns who tutors whom only through the cohort directory
    contract; the tests stand in for the courses plugin's.
    """

    def declare(tutor, *learners, course="co-op-basics", name=None) -> CohortRoster:
        return directory.add([tutor.id], [u.id for u in learners], course, name)

    return declare


class InlinePool:
    """Stands in for the process pool: runs each job when it is handed out, here."""

    def __init__(self):
        self.jobs = []

    def submit(self, fn, *args, **kwargs):
        self.jobs.append((fn, args, kwargs))
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 (handed over, as a worker's error is)
            future.set_exception(exc)
        return future


@pytest.fixture()
def inline_pool(monkeypatch):
    """Bulk issues render here, each page when handed out, not in worker processes."""
    pool = InlinePool()

    @contextmanager
    def render_pool(_workers):
        yield pool

    monkeypatch.setattr(bulk, "render_pool", render_pool)
    return pool
