"""Builders for certificates tests: completions sent as the courses plugin sends them."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from certificates.models import Certificate
from lms import signals
from lms.contracts import CompletionSnapshot
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
