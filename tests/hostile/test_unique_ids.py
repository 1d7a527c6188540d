"""No page repeats an ``id``, and every link and reference within a page lands: every page
of the crawl, as each role, and every page answered to a form sent back empty.

A repeated id breaks what points at it: a label's ``for``, ``aria-labelledby``
and ``aria-describedby`` name the first element with the id, and a link to
``#id`` (the menu's "Language", which leads to the footer's chooser) lands on
whichever comes first. A link to an id no element carries goes nowhere. Pages
are crawled as in :mod:`.test_unmarked_text`, with CSRF checked as in production
(a form's hidden token field is part of the page).

A form shown again with its errors is where ids are added (``name-error``, the
error summary's title and its links to the fields) and what a screen-reader user
meets after a mistake, so each form the crawl finds is also sent once with every
field a person fills in left empty, and the page that answers is checked the same
way, as well as that every ``aria-describedby``, ``aria-labelledby`` and label's
``for`` names an id on the page.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from lms.accounts.operations import create_user
from lms.db import db
from lms.testing import TEST_PASSWORD, sign_in

from .test_routes import seed_site
from .test_unmarked_text import ROLES, html_pages
from .walker import FormSeen, forms_on

_ID = re.compile(r'<[a-zA-Z][^>]*?\sid="([^"]*)"')
_IN_PAGE_LINK = re.compile(r'<a\b[^>]*\bhref="#([^"]+)"')
#: Attributes naming ids of the page (a space-separated list for the ARIA ones).
_REFERENCE = re.compile(
    r'<(?:[a-zA-Z][^>]*?\s(?:aria-describedby|aria-labelledby)|label\b[^>]*?\sfor)="([^"]*)"')


def repeated_ids(html: str) -> list[str]:
    """The ids that more than one element of ``html`` carries."""
    return sorted(name for name, n in Counter(_ID.findall(html)).items() if n > 1)


def links_nowhere(html: str) -> list[str]:
    """The ``#id`` links of ``html`` whose id no element carries."""
    ids = set(_ID.findall(html))
    return sorted({name for name in _IN_PAGE_LINK.findall(html) if name not in ids})


def references_nowhere(html: str) -> list[str]:
    """The ids named by ``aria-describedby``, ``aria-labelledby`` or a label's ``for`` in
    ``html`` that no element carries."""
    ids = set(_ID.findall(html))
    return sorted({name for value in _REFERENCE.findall(html) for name in value.split()
                   if name not in ids})


def id_problems(html: str) -> list[str]:
    """Each repeated id, link to nowhere and reference to nowhere of ``html``, described."""
    return ([f"id {name!r} repeated" for name in repeated_ids(html)]
            + [f"#{name} linked, missing" for name in links_nowhere(html)]
            + [f"{name!r} referred to, missing" for name in references_nowhere(html)])


def test_the_check_finds_a_link_to_nowhere():
    html = '<a href="#main">Skip</a><main id="main"></main><a href="#gone">Gone</a>'
    assert links_nowhere(html) == ["gone"]


def test_the_check_finds_a_repeated_id():
    html = ('<form id="a"><input name="csrf_token" type="hidden" value="x"></form>'
            '<form id="a"></form><p id="b">id="c"</p><select id="c"></select>')
    assert repeated_ids(html) == ["a"]


def test_the_check_finds_a_reference_to_nowhere():
    html = ('<label for="name">Name</label><input id="name" aria-describedby="name-hint '
            'name-error"><p id="name-hint">Hint</p><label class="x" for="gone">Gone</label>'
            '<div aria-labelledby="title"></div><input data-for="x" aria-label="y">')
    assert references_nowhere(html) == ["gone", "name-error", "title"]


def test_no_page_repeats_an_id(app):
    path_values = seed_site(app)
    create_user(ROLES["learner"], "New Comer", TEST_PASSWORD)
    db.session.commit()
    findings: dict[str, set[str]] = {}
    pages = 0
    for role, path, page in html_pages(app, path_values, ROLES):
        pages += 1
        for problem in id_problems(page):
            findings.setdefault(problem, set()).add(f"{role} {path}")
    assert pages > 100, pages
    report = "\n".join(f"{problem} ({len(where)}):\n  " + "\n  ".join(sorted(where))
                       for problem, where in sorted(findings.items()))
    assert not findings, f"ids repeated on a page, or referred to and missing:\n{report}"


# Forms sent back empty.

#: Routes whose use removes things, ends the session or turns something down (as the app names
#: them: ``close_account``, ``delete_item``, ``template_reset``...), and the words of such
#: buttons: such forms are not sent.
_DESTRUCTIVE_ENDPOINT = re.compile(
    r"(^|_)(delete|erase|close|revoke|withdraw|leave|logout|remove|decline|lapse|hide|reset)"
    r"(_|$)")
_DESTRUCTIVE_WORDS = re.compile(
    r"\b(delete|erase|close|revoke|withdraw|leave|sign out|log out|remove|decline|lapse|hide"
    r"|reset|discard|cancel)\b", re.IGNORECASE)


def post_forms(html: str, page_path: str) -> list[FormSeen]:
    """The ``<form method="post">`` of ``html``, a page at ``page_path``."""
    return [form for form in forms_on(html, page_path) if form.method == "post"]


def empty_submission(form: FormSeen) -> tuple[str, list[tuple[str, str]]] | None:
    """Where to send ``form`` and what, with its hidden fields as they are, every field a
    person fills in empty (boxes unticked) and its first submit button that destroys nothing;
    ``None`` when it has no field to leave empty or only destructive buttons."""
    if not form.filled:
        return None  # a button ("Enrol", "Mark as read"): nothing to get wrong
    buttons = [b for b in form.buttons if not _DESTRUCTIVE_WORDS.search(f"{b[2]} {b[1]}")]
    if form.buttons and not buttons:
        return None
    name, value, _words, formaction = buttons[0] if buttons else ("", "", "", "")
    data = [*form.hidden, *((n, "") for n, kind in form.filled
                            if kind not in ("checkbox", "radio", "file"))]
    if name:
        data.append((name, value))
    return urljoin(form.target, formaction) if formaction else form.target, data


def test_the_check_sends_forms_back_empty():
    html = ('<form method="post" action="/p"><input type="hidden" name="csrf_token" value="t">'
            '<input name="title" value="Hi"><textarea name="body">Text</textarea>'
            '<input type="checkbox" name="ok" checked><select name="c"><option value="1">'
            '</select><button name="go" value="save">Save</button></form>'
            '<form method="post"><input name="q"><button>Delete it</button></form>'
            '<form method="post" action="/enrol"><input type="hidden" name="x" value="1">'
            '<button>Enrol</button></form><form action="/search"><input name="q"></form>')
    forms = post_forms(html, "/page")
    assert [f.action for f in forms] == ["/p", "/page", "/enrol"]
    assert empty_submission(forms[0]) == (
        "/p", [("csrf_token", "t"), ("title", ""), ("body", ""), ("c", ""), ("go", "save")])
    assert empty_submission(forms[1]) is None  # destructive
    assert empty_submission(forms[2]) is None  # nothing to leave empty


def _form_key(form: FormSeen) -> tuple:
    return form.target, tuple(form.filled)


def _revision_values(path_values: dict[str, str]) -> dict[str, str]:
    """``path_values`` with the course's in a revision of it: a live course's structure is
    changed only by a members' decision (its forms answer 403), a revision's directly."""
    from courses.models import KIND_QUIZ, Course, Item, Module, Question
    from courses.revisions import prepare_revision

    revision, _made = prepare_revision(
        db.session.scalar(select(Course).where(Course.slug == path_values["slug"])))
    db.session.commit()
    quiz = db.session.scalar(select(Item).where(
        Item.course_id == revision.id, Item.kind == KIND_QUIZ, Item.questions.any()).limit(1))
    module = db.session.scalar(select(Module.id).where(Module.course_id == revision.id).limit(1))
    question = db.session.scalar(select(Question.id).where(Question.item_id == quiz.id).limit(1))
    return {**path_values, "slug": revision.slug, "item_id": str(quiz.id),
            "module_id": str(module), "question_id": str(question)}


def test_no_page_answered_to_a_form_sent_empty_repeats_an_id(app):
    """Each form of the crawl's pages (and of a course revision's, as its authors), sent back
    empty as the role that saw it: a client signed in as the role fetches the page again, for
    the form's CSRF token, and sends it; every page that answers (not a redirect) is checked
    like the crawl's. About a hundred and fifty forms: each is sent, none left out."""
    path_values = seed_site(app)
    create_user(ROLES["learner"], "New Comer", TEST_PASSWORD)
    db.session.commit()
    authors = {role: ROLES[role] for role in ("tutor", "admin")}
    pages = [*html_pages(app, path_values, ROLES),
             *html_pages(app, _revision_values(path_values), authors)]
    adapter = app.url_map.bind("localhost")
    to_send: dict[str, dict[tuple, str]] = {role: {} for role in ROLES}  # form -> page
    for role, path, page in pages:
        if 'method="post"' not in page:
            continue
        for form in post_forms(page, path):
            submission = empty_submission(form)
            if submission is None:
                continue
            try:
                endpoint, _args = adapter.match(urlsplit(submission[0]).path, method="POST")
            except HTTPException:
                continue  # posts elsewhere (an LTI platform)
            if not _DESTRUCTIVE_ENDPOINT.search(endpoint.rsplit(".", 1)[-1]):
                to_send[role].setdefault((path, _form_key(form)), endpoint)
    findings: dict[str, set[str]] = {}
    answered: Counter[int] = Counter()
    started = time.perf_counter()
    for role, email in ROLES.items():
        visitor = app.test_client()
        if email:
            sign_in(visitor, email)
        for (page, key), endpoint in to_send[role].items():
            html = visitor.get(page).get_data(as_text=True)
            form = next(f for f in post_forms(html, page) if _form_key(f) == key)
            action, data = empty_submission(form)
            where = f"{role} {page} -> POST {action} ({endpoint})"
            response = visitor.post(action, data=MultiDict(data))
            answered[response.status_code] += 1
            assert response.status_code < 500, f"{where}: {response.status_code}"
            if response.status_code in (301, 302, 303) or response.mimetype != "text/html":
                continue
            for problem in id_problems(response.get_data(as_text=True)):
                findings.setdefault(problem, set()).add(where)
    seconds = time.perf_counter() - started
    print(f"{sum(answered.values())} forms sent back empty in {seconds:.1f}s: {dict(answered)}")
    assert answered[200] + answered[400] + answered[422] > 60, answered
    report = "\n".join(f"{problem} ({len(where)}):\n  " + "\n  ".join(sorted(where))
                       for problem, where in sorted(findings.items()))
    assert not findings, ("pages answered to a form sent empty repeat an id, or refer to one "
                          f"they do not carry:\n{report}")
