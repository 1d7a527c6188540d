"""Lazy translated strings are text, never markup: what they interpolate is escaped."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import SelectChoice, SelectField

from lms.forms import LmsForm


def test_a_lazy_message_with_a_users_name_is_escaped(app):
    message = _l("%(name)s replied.", name='<img src=x onerror="alert(1)">')
    with app.test_request_context("/"):
        html = render_template_string("<p>{{ message }}</p>", message=message)
        assert "<img" not in html
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; replied." in html
        assert "<img" not in str(escape(message))
        assert "<img" not in Markup("<b>%s</b>") % message


def test_a_lazy_choice_label_is_escaped(app):
    class Choice(LmsForm):
        class Meta:
            csrf = False

        zone = SelectField(choices=[SelectChoice("", _l("Zone (%(z)s)", z="<script>x</script>"))])

    with app.test_request_context("/"):
        assert "<script>" not in str(Choice().zone)


def test_the_certificate_template_help_shows_its_placeholders(app, make_user, login):
    # "Issued on <date>" was sent as markup: the browser showed "Issued on".
    admin = login(make_user(roles=("admin",)))
    page = admin.get("/certificates/manage/templates/co-op-basics")
    assert page.status_code == 200
    assert "Issued on &lt;date&gt;" in page.get_data(as_text=True)
