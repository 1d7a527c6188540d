"""Direct reads (lms.directread): SQLAlchemy's conversions of column values, run directly."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, TypeDecorator, literal, null, select, type_coerce

from lms.db import UTCDateTime
from lms.directread import DirectRead


class _NoneSaysSo(TypeDecorator):
    """A conversion that does not keep ``None``."""

    impl = String
    cache_ok = True

    def process_result_value(self, value, dialect):
        return "none" if value is None else value


def test_conversions_run_for_values_and_for_none_only_when_they_change_it(app, db):
    stamp = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
    read = DirectRead(select(
        literal(stamp, UTCDateTime()).label("at"),
        type_coerce(null(), UTCDateTime()).label("never"),
        type_coerce(null(), _NoneSaysSo()).label("said"),
    ))
    assert read.in_session() == [(stamp, None, "none")]
    assert read.in_session()[0].at.tzinfo is dt.UTC
