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
connection from the pool (pinged first on PostgreSQL only after resting in
the pool, ``LMS_DB_PING_AFTER_IDLE_SECONDS``) and a query.
``/_bench/floor-query`` runs ``SELECT 1`` the cheapest way the platform
knows, the way the certificate verification page runs its one query
(:func:`lms.directread.fetch_one_autocommit`: a pooled DBAPI connection in
autocommit, no ORM session, no transaction), and answers a line of text:
the most any public page that asks the database anything can reach.

A vote is a signed-in form sent with ``POST`` that writes, in one
transaction, a row and its audit entry, then answers with a redirect and a
message. ``/_bench/floor-write`` does all of that and nothing of a ballot's
own: it records an audit entry for the signed-in member (on SQLite in the
write queue votes use, :func:`governance.locks.sqlite_write_queue`) and
redirects with a flash message, so its latency under the vote's 32
members is the least any audited write by a member can have.
"""

from __future__ import annotations

from flask import flash, redirect, render_template
from flask_login import current_user

from governance.locks import sqlite_write_queue
from lms import audit
from lms.db import db, reads_first, writing
from lms.directread import fetch_one_autocommit
from lms.forms import LmsForm
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


@reads_first
@login_required
def floor_write():
    form = LmsForm()
    if not form.validate():
        return "invalid form", 400
    with writing(), sqlite_write_queue():
        audit.record("bench.floor.write", subject_type="user", subject_id=current_user.id)
        db.session.commit()
    flash("Recorded.", "success")
    return redirect("/_bench/floor-layout#bench-written", code=303)


app.add_url_rule("/_bench/floor-plain", "bench_floor_plain", floor_plain)
app.add_url_rule("/_bench/floor-layout", "bench_floor_layout", floor_layout)
app.add_url_rule("/_bench/floor-query", "bench_floor_query", floor_query)
app.add_url_rule("/_bench/floor-write", "bench_floor_write", floor_write, methods=["POST"])
