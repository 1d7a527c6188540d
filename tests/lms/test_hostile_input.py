"""Hostile input at the core: ids past the database, control characters, duplicated fields,
list parameters, mail headers and log lines."""

from __future__ import annotations

import io
import logging

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import StringField

from lms.forms import LmsForm
from lms.mail import build_message, header_text, send_mail
from lms.observability import TextFormatter, printable
from lms.routing import DB_INT_MAX

from .conftest import html_of


@pytest.mark.parametrize("user_id", ["9223372036854775808", "2147483648", "1" * 30, "%C2%B2"])
def test_ids_past_the_database_range_are_not_found(app, make_user, login, user_id):
    admin = login(make_user(roles=("admin",)))
    assert admin.get(f"/admin/users/{user_id}").status_code == 404
    assert admin.get(f"/admin/jobs/{user_id}").status_code == 404


def test_the_largest_id_the_database_holds_is_still_a_route(app, make_user, login):
    admin = login(make_user(roles=("admin",)))
    assert admin.get(f"/admin/users/{DB_INT_MAX}").status_code == 404  # looked up, not found
    assert app.url_map.converters["int"].__name__ == "DbIntConverter"


@pytest.mark.parametrize(
    "path", ["/account/login?next=%00", "/%00", "/account/%0D%0Aforged", "/?q=%1B%5B31m"]
)
def test_control_characters_in_the_address_are_refused(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "control characters" in html_of(response)


def test_a_nul_in_a_form_field_is_refused(client, make_user):
    user = make_user()
    response = client.post(
        "/account/login", data={"email": user.email + "\x00", "password": "x"}
    )
    assert response.status_code == 400
    assert "control characters" in html_of(response)


@pytest.mark.parametrize("name", ["a\x00b.pdf", "a\tb.pdf", "\x1b[31m.csv"])
def test_a_control_character_in_an_uploaded_files_name_is_refused(client, name):
    # Such a name would be kept and sent back in a download's Content-Disposition header
    # (and PostgreSQL cannot store a NUL at all).
    response = client.post(
        "/account/login", data={"file": (io.BytesIO(b"%PDF-1.4"), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "control characters" in html_of(response)


def test_line_breaks_and_tabs_in_form_text_are_kept(app):
    class Note(LmsForm):
        class Meta:
            csrf = False

        text = StringField()

    with app.test_request_context(
        "/", method="POST", data={"text": "one\r\n\ttwo"}
    ):
        form = Note()
        assert form.validate() and form.text.data == "one\r\n\ttwo"


def test_a_field_sent_twice_is_a_form_error(app):
    class Vote(LmsForm):
        class Meta:
            csrf = False

        choice = StringField()

    with app.test_request_context(
        "/", method="POST", data=MultiDict([("choice", "for"), ("choice", "against")])
    ):
        form = Vote()
        assert not form.validate()
        assert form.choice.errors == ["This field was sent more than once."]


@pytest.mark.parametrize(
    "query",
    [
        {"page": "²"},
        {"page": "1" * 30},
        {"until": "9999-12-31"},
        {"since": "9999-12-31", "until": "0001-01-01"},
        {"actor": "9223372036854775808"},
        {"after": "x" * 2000},
    ],
)
def test_admin_lists_take_odd_parameters_calmly(app, make_user, login, query):
    admin = login(make_user(roles=("admin",)))
    for path in ("/admin/audit", "/admin/users", "/admin/outbox"):
        assert admin.get(path, query_string=query).status_code == 200, (path, query)


@pytest.mark.parametrize("before", ["2147483648", "9223372036854775808", "²", "-1"])
def test_the_job_list_ignores_an_id_past_the_database(app, make_user, login, before):
    admin = login(make_user(roles=("admin",)))
    assert admin.get("/admin/jobs", query_string={"before": before}).status_code == 200


def test_a_subject_is_one_header_line_that_fits(app, db, outbox):
    send_mail("a@example.org", "Hello\r\nBcc: everyone@example.org", "Body")
    send_mail("b@example.org", "S" * 400, "Body")
    db.session.commit()
    first, second = outbox()
    assert first.subject == "Hello Bcc: everyone@example.org"
    assert len(second.subject) == 300
    message = build_message(first.recipient, first.subject, first.body)
    assert message["Subject"] == "Hello Bcc: everyone@example.org"
    assert header_text("  a \t b  ") == "a b"


def test_a_log_line_cannot_be_forged():
    record = logging.LogRecord(
        "lms", logging.ERROR, __file__, 1, "unhandled error on %s %s",
        ("GET", "/x\x00\n2026-12-06 INFO lms forged line"), None,
    )
    line = TextFormatter().format(record)
    assert "\n" not in line
    assert line.endswith("unhandled error on GET /x\\x00\\n2026-12-06 INFO lms forged line")
    assert printable("plain") == "plain"


def test_a_forged_log_line_in_a_url_never_reaches_the_log(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/courses/x%00%0A2026-12-06%20ERROR%20forged")
    assert response.status_code == 400
    assert not any("\n" in r.getMessage() for r in caplog.records)
