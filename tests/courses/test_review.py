"""The curriculum review report (CLI and authoring page) and the optional network link check."""

from __future__ import annotations

import datetime as dt
import http.server
import threading

import pytest
from sqlalchemy import select

from courses.importing import import_course
from courses.linkcheck import check_url
from courses.models import Item
from courses.review import add_months, review_report

from .content_helpers import CHECK, course_folder
from .test_sources import SOURCED

# Reviewed 2026-11-20 every 12 months: due 2027-11-20. Links: one to a listed source
# (written differently), one not listed; one claim marked as needing a source.
TEXT = SOURCED.replace(
    "Read [the second lesson](lesson:second) next.",
    "Read [the second lesson](lesson:second) next, the [Statement]"
    "(HTTPS://ICA.coop/en/cooperatives/cooperative-identity/#values) and\n"
    "[a blog](https://blog.example.org/post).\n\nCo-ops are everywhere. [source needed]",
)
GIVEAWAY = CHECK.replace("prompt: Name it.", "prompt: Name it (Rochdale).")


@pytest.fixture()
def imported(db, tmp_path):
    import_course(
        course_folder(
            tmp_path, changes={"lessons/intro.md": TEXT, "quizzes/check.yaml": GIVEAWAY}
        )
    )
    db.session.commit()


def test_add_months_keeps_the_day_or_the_month_end():
    assert add_months(dt.date(2026, 11, 20), 12) == dt.date(2027, 11, 20)
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 12, 1), 1) == dt.date(2028, 1, 1)
    assert add_months(dt.date(9999, 12, 31), 12) == dt.date.max


def test_the_report_lists_what_needs_checking(imported):
    report = review_report(on=dt.date(2027, 11, 19))
    # intro is not due yet; the other two lessons were never reviewed.
    assert [(d.lesson.key, d.due_on) for d in report.due] == [
        ("second", None),
        ("further-reading", None),
    ]
    assert [r.key for r in report.unsourced] == ["second", "further-reading"]
    assert [(f.lesson.key, f.line, f.text) for f in report.needs_source] == [
        ("intro", 8, "Co-ops are everywhere. [source needed]")
    ]
    assert [(f.lesson.key, f.line, f.text) for f in report.unlisted_links] == [
        ("intro", 6, "https://blog.example.org/post"),
        ("further-reading", 1, "https://ica.coop/"),
    ]
    assert [(q.quiz_key, q.question_key, q.answer) for q in report.giveaways] == [
        ("check", "name-it", "Rochdale")
    ]
    assert not report.is_clear

    due = review_report(on=dt.date(2027, 11, 20)).due
    assert [(d.lesson.key, d.due_on) for d in due][0] == ("intro", dt.date(2027, 11, 20))
    soon = review_report(on=dt.date(2027, 11, 1), within_days=30).due
    assert "intro" in [d.lesson.key for d in soon]


def test_the_review_command(app, imported):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "review", "demo-course", "--on", "2027-11-20"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Review report for 2027-11-20" in lines
    assert "Lessons due for review (3):" in lines
    assert (
        "  demo-course/intro: due 2027-11-20, last reviewed 2026-11-20 (every 12 months)"
    ) in lines
    assert "  demo-course/second: never reviewed (every 24 months)" in lines
    assert "Lessons without sources (2):" in lines
    assert "  demo-course/intro: line 8: Co-ops are everywhere. [source needed]" in lines
    assert "  demo-course/intro: line 6: https://blog.example.org/post" in lines
    assert "  demo-course/check: question 'name-it': answer 'Rochdale'" in lines

    result = runner.invoke(args=["courses", "review", "nowhere"])
    assert result.exit_code != 0 and "no course 'nowhere'" in result.output


def test_the_review_page_in_course_authoring(imported, make_user, login):
    learner = login(make_user())
    assert learner.get("/courses/author/demo-course/review").status_code == 403
    tutor = login(make_user(roles=("learner", "tutor")))
    response = tutor.get("/courses/author/demo-course/review")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Review report</h1>" in html
    intro_id = _item_id("intro")
    assert "Lessons due for review (2)" in html
    assert "never reviewed" in html
    assert (f'<a href="/courses/author/demo-course/items/{intro_id}">'
            "<bdi>Intro: the start</bdi></a>, "
            "line 8: <q>Co-ops are everywhere. [source needed]</q>") in html
    assert "https://blog.example.org/post" in html
    assert "question name-it, answer “Rochdale”" in html
    assert tutor.get("/courses/author/nowhere/review").status_code == 404
    course_page = tutor.get("/courses/author/demo-course").get_data(as_text=True)
    assert 'href="/courses/author/demo-course/review"' in course_page


def test_a_review_dated_near_the_year_9999_does_not_fail_the_report(imported, make_user,
                                                                     login):
    from lms.db import db

    lesson = db.session.get(Item, _item_id("intro"))
    lesson.reviewed_on, lesson.review_every_months = dt.date(9999, 12, 31), 12
    db.session.commit()
    tutor = login(make_user(roles=("learner", "tutor")))
    response = tutor.get("/courses/author/demo-course/review")
    assert response.status_code == 200
    assert all(due.lesson.key != "intro" for due in review_report(slug="demo-course").due)


def _item_id(key: str) -> int:
    from lms.db import db

    return db.session.scalar(select(Item.id).where(Item.key == key))


class _Pages(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):  # noqa: N802
        if self.path == "/no-head":
            self.send_response(405)
        else:
            self.send_response(200 if self.path in ("/ok", "/") else 404)
        self.end_headers()

    def do_GET(self):  # noqa: N802
        self.send_response(200 if self.path in ("/ok", "/no-head") else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def web():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_check_url_asks_the_server(web):
    assert check_url(f"{web}/ok").ok
    assert check_url(f"{web}/no-head").status == 200  # HEAD refused, GET answers
    assert check_url(f"{web}/gone").status == 404
    assert not check_url("file:///etc/passwd").ok
    closed = check_url("http://127.0.0.1:9/", timeout=2)
    assert closed.status is None and closed.error


def test_the_check_links_command(app, db, tmp_path, web):
    text = SOURCED.replace("https://ica.coop/en/cooperatives/cooperative-identity", f"{web}/ok")
    text = text.replace("next.", f"next, and [gone]({web}/gone).")
    import_course(course_folder(tmp_path, changes={
        "lessons/intro.md": text,
        "lessons/further-reading.md": "---\ntitle: Further reading\nestimated_minutes: 5\n"
        f"required: true\n---\n- [Home]({web}/)\n",
    }))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["courses", "check-links", "--timeout", "5"])
    assert result.exit_code == 1, result.output
    assert f"{web}/gone: status 404 (in demo-course/intro)" in result.output
    assert "3 addresses checked, 1 failed." in result.output
