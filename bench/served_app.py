"""What ``make bench`` serves: the platform's ``wsgi:app`` plus pages that measure its floors.

Every signed-in page pays for the same things before its own work: the
session cookie, the database session, the user with their roles (Flask-Login
loads them from the database on every request), and, to be a page, the
layout (menus, the log-out form's CSRF token, the footer). The two pages
here do nothing else, so their ratios to the bare app are the most any
signed-in page of the platform can reach on the machine and database of the
run: ``/_bench/floor-plain`` answers a line of text to a signed-in user,
``/_bench/floor-layout`` renders the layout around an empty heading. They
exist only in the bench's server, never in the application.

A public page that reads the database pays for less: no user, but a
connection from the pool (checked with a ping on PostgreSQL) and a query.
``/_bench/floor-query`` runs ``SELECT 1`` the cheapest way the platform
knows, the way the certificate verification page runs its one query
(:func:`lms.db.fetch_one_autocommit`: a pooled DBAPI connection in
autocommit, no ORM session, no transaction), and answers a line of text:
the most any public page that asks the database anything can reach.
"""

from __future__ import annotations

from flask import render_template

from lms.db import fetch_one_autocommit
from lms.permissions import login_required, public
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


@public
def floor_query():
    (one,) = fetch_one_autocommit("SELECT 1")
    return f'<p id="bench-floor">Floor {one}</p>'


app.add_url_rule("/_bench/floor-plain", "bench_floor_plain", floor_plain)
app.add_url_rule("/_bench/floor-layout", "bench_floor_layout", floor_layout)
app.add_url_rule("/_bench/floor-query", "bench_floor_query", floor_query)
