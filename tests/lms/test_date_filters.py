"""The ``date`` and ``datetime`` filters: Babel's text, kept per locale and time zone."""

from __future__ import annotations

import datetime as dt

from flask_babel import force_locale, format_date, format_datetime, refresh

from lms.templating import format_day, format_moment

MOMENT = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # the night the UK's clocks go forward


def test_the_filters_give_babels_text_for_the_page(app):
    with app.test_request_context("/"):
        assert format_moment(MOMENT) == format_datetime(MOMENT, "medium")
        assert format_day(MOMENT.date()) == format_date(MOMENT.date(), "medium")
        assert format_day(None) == "" and format_moment(None) == ""
        with force_locale("pl"):
            polish = format_moment(MOMENT)
            assert polish == format_datetime(MOMENT, "medium")
        assert polish != format_moment(MOMENT)


def test_the_time_zone_is_part_of_the_key(app):
    app.config["LMS_TIME_ZONE"] = "UTC"
    with app.test_request_context("/"):
        refresh()
        utc = format_moment(MOMENT)
    app.config["LMS_TIME_ZONE"] = "Asia/Karachi"
    try:
        with app.test_request_context("/"):
            refresh()
            karachi = format_moment(MOMENT)
            assert karachi == format_datetime(MOMENT, "medium") != utc
    finally:
        app.config["LMS_TIME_ZONE"] = "UTC"
