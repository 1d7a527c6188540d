"""Numbers, durations, lists and dates go through Babel, in the page's language."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from lms.templating import and_list, format_hours, format_one_decimal

NBSP = "\u00a0"


@pytest.mark.parametrize(("code", "hours", "expected"), [
    ("en", 1, "1 hour"), ("en", 1.5, "1.5 hours"), ("en", 12, "12 hours"),
    ("pl", 1, "1 godzina"), ("pl", 3, "3 godziny"), ("pl", 5, "5 godzin"),
    ("pl", 1.5, "1,5 godziny"),  # a fraction: no ngettext can say it, Babel's units can
    ("ur", 1, "1 گھنٹہ"), ("ur", 2, "2 گھنٹے"),
    ("gu", 2, "2 કલાક"),
])
def test_durations_take_the_languages_plural(app, code, hours, expected):
    with app.test_request_context("/"), force_locale(code):
        assert format_hours(hours) == expected


def test_numbers_and_lists_in_the_languages_own_signs(app):
    with app.test_request_context("/"):
        with force_locale("en"):
            assert format_one_decimal(1234.56) == "1,234.6"
            assert and_list(["Learner", "Tutor", "Administrator"]) == (
                "Learner, Tutor, and Administrator")  # CLDR English (en)
        with force_locale("pl"):
            assert format_one_decimal(1234.56) == f"1{NBSP}234,6"
            assert and_list(["a", "b", "c"]) == "a, b i c"
        with force_locale("ur"):
            assert and_list(["a", "b"]) == "a اور b"


def test_a_course_page_gives_its_duration_in_the_visitors_language(
        make_app, make_course, pseudo_translations):
    app = make_app({"LMS_LANGUAGES": "en,pl",
                    "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("pl")})
    with app.app_context():
        course = make_course()
        course.estimated_hours = 1.5
        from lms.db import db

        db.session.commit()
        client = app.test_client()
        english = client.get(f"/courses/{course.slug}", headers={"Accept-Language": "en"})
        polish = client.get(f"/courses/{course.slug}", headers={"Accept-Language": "pl"})
    assert "about 1.5 hours" in english.get_data(as_text=True)
    assert "⟦about 1,5 godziny⟧" in polish.get_data(as_text=True)
