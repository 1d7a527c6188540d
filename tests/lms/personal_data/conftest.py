"""Fixtures for the personal data tests: the courses and governance builders, and Ada."""

from __future__ import annotations

import pytest

from tests.courses.conftest import make_course  # noqa: F401  (fixture)
from tests.governance.conftest import start_ballot  # noqa: F401  (fixture)

from .helpers import did_everything


@pytest.fixture()
def ada(app, make_user, make_course, start_ballot):  # noqa: F811
    """A person who did everything the platform records (see :func:`did_everything`)."""
    return did_everything(app, make_user, make_course, start_ballot)
