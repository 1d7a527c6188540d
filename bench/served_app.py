"""What ``make bench`` serves: the platform's ``wsgi:app`` plus two pages that measure its floor.

Every signed-in page pays for the same things before its own work: the
session cookie, the database session, the user with their roles (Flask-Login
loads them from the database on every request), and, to be a page, the
layout (menus, the log-out form's CSRF token, the footer). The two pages
here do nothing else, so their ratios to the bare app are the most any
signed-in page of the platform can reach on the machine and database of the
run: ``/_bench/floor-plain`` answers a line of text to a signed-in user,
``/_bench/floor-layout`` renders the layout around an empty heading. They
exist only in the bench's server, never in the application.
"""

from __future__ import annotations

from flask import render_template

from lms.permissions import login_required
from wsgi import app

_LAYOUT = app.jinja_env.from_string(
    '{% extends "lms/base.html" %}{% block title %}Floor{% endblock %}'
    '{% block content %}<h1 id="bench-floor">Floor</h1>{% endblock %}'
)


@login_required
def floor_plain():
    return '<p id="bench-floor">Floor</p>'


@login_required
def floor_layout():
    return render_template(_LAYOUT)


app.add_url_rule("/_bench/floor-plain", "bench_floor_plain", floor_plain)
app.add_url_rule("/_bench/floor-layout", "bench_floor_layout", floor_layout)
