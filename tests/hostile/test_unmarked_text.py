"""No unmarked interface text: every page, as each role, in a pseudo-translation.

The app is given a complete Urdu catalogue in which every string is its English
between ``⟦`` and ``⟧`` (``lms.testing.write_pseudo_catalogues``, with the strings the
source has now: ``tests.fresh_catalogues``). Babel's Urdu
data formats dates and numbers in Urdu script, so on every page any Latin letters
left outside the markers are English that did not go through the catalogue, or
content people and authors wrote (names, course titles, lessons), which is
recognised by being in the database or the settings. The pages are every GET
route of ``app.url_map`` (as the hostile walker finds them, with its seeded ids),
and the links they hold (a few per endpoint), for a visitor, a learner, a member, a
tutor, a certificate officer, an admin and someone whose account has no password.

Content whose language is recorded is held to more: what the courses' authors wrote
(titles, lessons, assignments) is in the course's language, so on a page in another
one it must be marked with it (``lang``), as must the API reference's English. A
rule's key or a label the rules ship with is interface text, not content, wherever
the database keeps it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable

import pytest
from sqlalchemy import String, Text, select
from werkzeug.exceptions import HTTPException

from lms.accounts.operations import create_user
from lms.db import db, utcnow
from lms.testing import PSEUDO_CLOSE, PSEUDO_OPEN, TEST_PASSWORD, sign_in
from tests.fresh_catalogues import fresh_pseudo_translations

from .page_text import (
    CourseText,
    course_text,
    interface_text_outside_markers,
    is_content,
    read_page,
)
from .test_routes import seed_site
from .walker import build_path, route_cases

ROLES = {
    "anonymous": None,
    "learner": "newcomer@example.org",  # a learner who is not a member
    "member": "learner@example.org",  # seed_site makes the demo learner a member
    "tutor": "tutor@example.org",
    "officer": "officer@example.org",
    "admin": "admin@example.org",
}
#: Someone signed in by a learning platform or an emailed link: an account with no password.
PASSWORDLESS = "passwordless@example.org"


@pytest.fixture()
def app_config(app_config, tmp_path_factory):
    # Every string the source has now, new ones too (the shipped template follows a merge).
    return {**app_config, "WTF_CSRF_ENABLED": False, "LMS_LANGUAGES": "ur",
            "BABEL_TRANSLATION_DIRECTORIES": fresh_pseudo_translations(tmp_path_factory, "ur")}


def _content_strings(app) -> str:
    """Every text the database holds (names, titles, lessons, settings) and the site's name."""
    from governance.rules import DEFAULT_RULES

    # The co-operative's rules (its member classes' names, ...) are its own text, amended by
    # its votes; the model rules' are the defaults of what the database holds.
    found = [app.config["LMS_SITE_NAME"], app.config["LMS_BASE_URL"],
             json.dumps(DEFAULT_RULES, ensure_ascii=False, default=str)]

    def collect(value):
        if isinstance(value, str):
            found.append(value)
            if value[:1] in "[{":
                with contextlib.suppress(ValueError):  # text that only starts like JSON
                    collect(json.loads(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(key)
                collect(item)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)

    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns
                   if isinstance(c.type, String | Text) or c.type.__class__.__name__ == "JSON"]
        if columns:
            for row in db.session.execute(select(*columns)):
                collect(list(row))
    return "\n".join(found)


def test_the_check_finds_unmarked_text():
    html = (f'<html lang="ur" dir="rtl"><title>{PSEUDO_OPEN}Home{PSEUDO_CLOSE} · Site</title>'
            f'<p>{PSEUDO_OPEN}Hello <b>{PSEUDO_OPEN}you{PSEUDO_CLOSE}</b>{PSEUDO_CLOSE}</p>'
            '<p>Not marked</p><button lang="en">English</button><code>x = 1</code>'
            f'<img alt="A cat"><a title="{PSEUDO_OPEN}Fine{PSEUDO_CLOSE}">12</a>'
            '<p lang="en" dir="ltr">Isolated</p><bdi lang="en">Also</bdi></html>')
    assert interface_text_outside_markers(html) == ["Not marked", "· Site", "A cat"]
    page = read_page(html)
    assert page.body == ["Not marked"] and page.unisolated == ['<button lang="en">']
    # Left to right, another language needs no isolation.
    assert read_page(html.replace('dir="rtl"', 'dir="ltr"')).unisolated == []


def test_the_check_tells_course_text_and_rule_codes():
    text = CourseText(frozenset({"Member share capital"}), "A lesson's long paragraph, "
                      "which a page may show in parts.")
    assert text.holds("Member share capital")
    assert text.holds(": Member share capital")  # after a marked "Next"
    assert text.holds("which a page may show in parts")
    assert not text.holds("Demo Learner") and not text.holds("parts")
    assert not CourseText(frozenset(), "See /courses/co-operative-finance.").holds(
        "co-operative-finance")
    content = ("special_majority_percent\nLearner member\nDemo Learner\n"
               "Spelling, grammar or punctuation")
    assert is_content("Demo Learner", content, content)
    assert not is_content("special_majority_percent", content, content)
    assert not is_content("Learner member", content, content)
    assert not is_content("Spelling, grammar or punctuation", content, content)


_LINK = re.compile(r'<a\b[^>]*\bhref="(/[^"#?]*)[^"]*"')
#: Pages fetched per endpoint (and role) beyond the url map's one: other lessons, quizzes...
PER_ENDPOINT = 3


def crawl(app, path_values: dict[str, str], roles: dict[str, str | None],
          per_endpoint: int = PER_ENDPOINT, cookies: dict[str, str] | None = None,
          paths: tuple[str, ...] = (), signed_in: Callable[[str], None] | None = None):
    """Fetch every GET page of the url map (with the seeded ids) as each role, then the links
    the pages hold, breadth first, ``per_endpoint`` more per endpoint; yield each HTML page as
    ``(role, path, response)`` (redirects left out: nobody sees their bodies), or the
    exception a page raised (tests propagate them) in place of its response.

    :param paths: more pages to fetch as every role (a query string kept).
    :param signed_in: called with each email once its client is signed in.
    """
    rules = [case.rule for case in route_cases(app) if "GET" in case.methods
             and not case.rule.rule.startswith("/static") and "logout" not in case.rule.endpoint]
    adapter = app.url_map.bind("localhost")
    for role, email in roles.items():
        visitor = app.test_client()
        for name, value in (cookies or {}).items():
            visitor.set_cookie(name, value)
        if email:
            sign_in(visitor, email)
            if signed_in is not None:
                signed_in(email)
        queue = []
        for rule in rules:
            values = {name: path_values.get(name, "1" if name.endswith("_id") else "x")
                      for name in rule.arguments}
            queue.append(build_path(rule, values))
        queue += [path for path in paths if path not in queue]
        seen = set(queue)
        counted: dict[str, int] = {}
        while queue:
            path = queue.pop(0)
            try:
                response = visitor.get(path)
            except Exception as exc:  # noqa: BLE001 (reported by the caller, like a 500)
                yield role, path, exc
                continue
            if response.status_code in (301, 302, 303):
                continue
            yield role, path, response
            if response.mimetype != "text/html":
                continue
            for link in _LINK.findall(response.get_data(as_text=True)):
                if link in seen or link.startswith("/static"):
                    continue
                seen.add(link)
                try:
                    endpoint, _args = adapter.match(link, method="GET")
                except HTTPException:  # not a page of the app, or not a GET
                    continue
                if "logout" in endpoint or counted.get(endpoint, 0) >= per_endpoint:
                    continue
                counted[endpoint] = counted.get(endpoint, 0) + 1
                queue.append(link)


def html_pages(app, path_values: dict[str, str], roles: dict[str, str | None], **options):
    """:func:`crawl`'s HTML pages as ``(role, path, html)``; a page that raised fails the test."""
    for role, path, response in crawl(app, path_values, roles, **options):
        assert not isinstance(response, Exception), f"{role} {path}: {response!r}"
        if response.mimetype == "text/html":
            yield role, path, response.get_data(as_text=True)


def _seed_marked_pages(app, path_values: dict[str, str]) -> tuple[str, ...]:
    """What the pages that show course text and rule labels need beyond :func:`seed_site`,
    and those pages' addresses: a submitted assignment (its page, the marking queue), a
    thread about a lesson, a prerequisite, a minor correction, a closed ballot on a change
    of the rules (its result by member class), an account without a password."""
    from courses.assignments import operations as assignments
    from courses.assignments.spec import spec_of
    from courses.discussions.operations import start_thread
    from courses.models import KIND_ASSIGNMENT, KIND_LESSON, Course, Item, Prerequisite
    from courses.operations import enrol
    from courses.revisions import correct_lesson
    from governance import operations as governance
    from governance.tally import close_ballot
    from lms.accounts.operations import find_user_by_email

    member, admin = find_user_by_email(ROLES["member"]), find_user_by_email(ROLES["admin"])
    course = db.session.scalar(select(Course).where(Course.slug == path_values["slug"]))
    lesson = db.session.scalar(select(Item).where(
        Item.course_id == course.id, Item.kind == KIND_LESSON).order_by(Item.position))
    assignment = db.session.scalar(select(Item).where(Item.kind == KIND_ASSIGNMENT))
    enrolment, _new = enrol(member, assignment.course)
    submission = assignments.open_submission(enrolment, assignment)
    assignments.submit(submission, spec_of(assignment.assignment), "Our policy, in short.")
    cohort = int(path_values["cohort_id"])
    thread = start_thread(course=course, cohort_id=cohort, item_id=lesson.id, author=member,
                          title="A question on the first lesson", body="What does it mean?",
                          token="seeded")
    later = db.session.scalar(select(Course).where(
        Course.id != course.id, Course.id != assignment.course_id).order_by(Course.id))
    db.session.add(Prerequisite(course_id=later.id, required_course_id=course.id))
    correct_lesson(lesson, kind="spelling", label="Spelling, grammar or punctuation",
                   note="A typo.", user_id=admin.id, previous_title=lesson.title,
                   previous_md=lesson.body_md)
    rules = governance.current_rules()
    raised = utcnow() - dt.timedelta(hours=rules["notice_hours"] + rules["voting_hours"] + 2)
    proposal = governance.raise_proposal(
        admin.id, "governance:rules", "A larger special majority",
        {"special_majority_percent": 80}, now=raised)
    for email in (ROLES["tutor"], ROLES["member"]):
        governance.second(proposal, find_user_by_email(email).id,
                          now=raised + dt.timedelta(minutes=1))
    ballot = governance.maybe_open_ballot(
        proposal, now=raised + dt.timedelta(hours=rules["notice_hours"], minutes=5))
    close_ballot(ballot)
    create_user(PASSWORDLESS, "Pat Linked", TEST_PASSWORD)
    db.session.commit()
    return (
        f"/courses/{assignment.course.slug}/learn/{assignment.key}",
        f"/courses/assignments/submissions/{submission.id}",
        f"/courses/discuss/thread/{thread.id}",
        f"/courses/discuss/course/{course.slug}/space/{cohort}",
        f"/courses/discuss/course/{course.slug}/space/{cohort}?lesson={lesson.key}",
        f"/courses/{later.slug}",
        f"/courses/{course.slug}/changes",
        f"/governance/proposals/{proposal.id}",
        f"/governance/proposals/{proposal.id}/result",
    )


def _forget_password(email: str) -> None:
    """Once signed in, the passwordless account's password goes (as if it never had one)."""
    from lms.accounts.operations import find_user_by_email

    if email == PASSWORDLESS:
        find_user_by_email(email).password_hash = None
        db.session.commit()


def _report(findings: dict[str, set[str]]) -> str:
    return "\n".join(f"{piece!r}  ({len(where)}: {sorted(where)[:4]})"
                     for piece, where in sorted(findings.items()))


def test_every_page_shows_only_marked_interface_text(app):
    path_values = seed_site(app)
    create_user(ROLES["learner"], "New Comer", TEST_PASSWORD)
    paths = _seed_marked_pages(app, path_values)
    content = _content_strings(app)
    markdown = content.replace("*", "").replace("`", "")
    authored = course_text()
    findings: dict[str, set[str]] = {}
    untagged: dict[str, set[str]] = {}
    unisolated: dict[str, set[str]] = {}
    pages = 0
    # About 650 pages over the seven roles.
    roles = {**ROLES, "passwordless": PASSWORDLESS}
    for role, path, html in html_pages(app, path_values, roles, paths=paths,
                                       signed_in=_forget_password):
        pages += 1
        page = read_page(html)
        where = f"{role} {path}"
        for piece in page.body:
            if authored.holds(piece):
                untagged.setdefault(piece, set()).add(where)
            elif not is_content(piece, content, markdown):
                findings.setdefault(piece, set()).add(where)
        for piece in page.unmarkable:
            if not is_content(piece, content, markdown):
                findings.setdefault(piece, set()).add(where)
        for element in page.unisolated:
            unisolated.setdefault(element, set()).add(where)
    assert pages > 100, pages
    problems = [
        f"{len(findings)} pieces of interface text outside the catalogue (wrap them in _() "
        f"and run make messages catalogues):\n{_report(findings)}" if findings else "",
        f"{len(untagged)} pieces of course text shown in its own language without its lang "
        f"(courses.titles: course_title, item_title; courses.shown.lang_attributes):\n"
        f"{_report(untagged)}" if untagged else "",
        f"{len(unisolated)} kinds of element in another language on a right-to-left page "
        f"without their own direction (dir, or bdi):\n{_report(unisolated)}"
        if unisolated else "",
    ]
    assert not any(problems), "\n".join(p for p in problems if p)
