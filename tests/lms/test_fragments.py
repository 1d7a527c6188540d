"""Fragments kept per process (lms.fragments): keyed by everything they print, nothing else."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from jinja2 import ChoiceLoader, DictLoader

from lms.fragments import fragment


@pytest.fixture
def templates(app):
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader({
        "t/greeting.html": "<p>{{ _('Sources') }}: {{ name }}</p>",
        "t/nosy.html": "[{{ current_user }}][{{ request }}][{{ session }}][{{ g }}]"
                       "[{{ csrf_field is defined }}][{{ url_for('static', filename='a') }}]",
    }), loader])
    yield
    app.jinja_env.loader = loader


def test_a_fragment_is_rendered_once_for_the_same_values(app, templates):
    with app.test_request_context("/"):
        first = fragment("t/greeting.html", name="<Ann>")
        assert first == "<p>Sources: &lt;Ann&gt;</p>"
        assert fragment("t/greeting.html", name="<Ann>") is first
        assert fragment("t/greeting.html", name="Bob") == "<p>Sources: Bob</p>"


def test_the_page_language_is_part_of_the_key(app, templates):
    with app.test_request_context("/"):
        english = fragment("t/greeting.html", name="Ann")
        with force_locale("pl"):
            polish = fragment("t/greeting.html", name="Ann")
    assert english == "<p>Sources: Ann</p>"
    assert polish != english and polish.endswith(": Ann</p>")


def test_a_fragment_sees_only_its_values(app, templates, make_user):
    user = make_user()
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(user)
        assert fragment("t/nosy.html") == "[][][][][False][/static/a]"


def test_templates_that_reload_are_never_kept(app, templates):
    app.jinja_env.auto_reload = True
    try:
        with app.test_request_context("/"):
            assert fragment("t/greeting.html", name="Ann") is not fragment(
                "t/greeting.html", name="Ann")
    finally:
        app.jinja_env.auto_reload = False
