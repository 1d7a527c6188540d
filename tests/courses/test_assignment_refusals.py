"""Assignments: nothing the learner typed or the tutor chose is lost, whatever is refused.

The learner's page is one form (the answer, the file, the buttons): attaching or
removing a file keeps the answer typed so far, a refused file says why by the
file input with the answer still in its box, and an answer that can no longer be
saved (submitted or passed from another tab) is shown back to copy.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from courses.assignments.models import Submission, SubmissionFile

from .assignment_helpers import PDF, answer, assignment_world, attach, mark, send

EXE = b"MZ\x90\x00\x03\x00\x00\x00" * 4


def _submission(db):
    db.session.expire_all()
    return db.session.scalars(select(Submission)).one()


def _files(db):
    db.session.expire_all()
    return db.session.scalar(select(func.count(SubmissionFile.id)))


def _html(response):
    return response.get_data(as_text=True)


def test_the_page_is_one_form_and_attaching_keeps_the_answer(
    app, db, make_user, login, make_course
):
    course, item, _t, _o, learner, _e = assignment_world(make_user, make_course)
    a = login(learner)
    page = _html(a.get(f"/courses/{course.slug}/learn/{item.key}"))
    (form,) = re.findall(r'<form method="post" action="[^"]*/answer"[^>]*>.*?</form>', page, re.S)
    assert 'enctype="multipart/form-data"' in form
    assert 'name="text"' in form and 'type="file"' in form
    assert 'value="attach"' in form and 'value="save"' in form and 'value="submit"' in form
    # Typed, never saved, then "Attach the file": both are kept.
    response = send(a, course.slug, item.key, "attach", "Typed, not saved", (PDF, "p.pdf"))
    assert response.status_code == 303
    assert _submission(db).draft_text == "Typed, not saved" and _files(db) == 1
    assert "“p.pdf” is attached." in _html(a.get(response.location))


def test_a_refused_file_keeps_the_answer_in_its_box(app, db, make_user, login, make_course):
    course, item, _t, _o, learner, _e = assignment_world(make_user, make_course)
    a = login(learner)
    answer(a, course.slug, item.key, "Saved before")
    for upload, why in (
        ((EXE, "cv.pdf"), "not one of the types this assignment takes"),
        ((PDF + b"x" * 5000, "big.pdf"), "bigger than 4 KB"),
        ((b"", "empty.pdf"), "The file is empty."),
        (None, "Choose a file."),
    ):
        response = send(a, course.slug, item.key, "attach", "Typed <b>since</b>", upload)
        assert response.status_code == 400, why
        html = _html(response)
        assert why in html and "There is a problem" in html
        assert "Typed &lt;b&gt;since&lt;/b&gt;</textarea>" in html
        # Nothing changed: neither the draft nor the files.
        assert _submission(db).draft_text == "Saved before" and _files(db) == 0
    # A form from a page opened before (the file only, to the old address) leaves the draft.
    assert attach(a, course.slug, item.key, PDF).status_code == 303
    assert _submission(db).draft_text == "Saved before" and _files(db) == 1


def test_removing_a_file_keeps_the_answer(app, db, make_user, login, make_course):
    course, item, _t, _o, learner, _e = assignment_world(make_user, make_course)
    a = login(learner)
    send(a, course.slug, item.key, "attach", "First", (PDF, "p.pdf"))
    file_id = db.session.scalar(select(SubmissionFile.id))
    page = _html(a.get(f"/courses/{course.slug}/learn/{item.key}"))
    assert f'formaction="/courses/assignments/files/{file_id}/remove"' in page
    response = send(
        a,
        course.slug,
        item.key,
        "save",
        "Typed before removing",
        path=f"/courses/assignments/files/{file_id}/remove",
    )
    assert response.status_code == 303
    assert _submission(db).draft_text == "Typed before removing" and _files(db) == 0


def test_an_answer_refused_because_the_work_was_sent_meanwhile_is_shown_to_copy(
    app, db, make_user, login, make_course
):
    course, item, tutor, _o, learner, _e = assignment_world(make_user, make_course)
    first_tab = login(learner)
    answer(first_tab, course.slug, item.key, "Sent from the first tab", action="submit")
    second_tab = first_tab  # the same person, with a page opened before submitting
    for action, upload in (("save", None), ("attach", (PDF, "p.pdf")), ("submit", None)):
        response = send(second_tab, course.slug, item.key, action, "Words from tab two", upload)
        assert response.status_code == 409, action
        html = _html(response)
        assert "You submitted this assignment. Wait for your tutor" in html
        assert "Not saved. Here is what you wrote" in html
        assert "Words from tab two</textarea>" in html
    submission = _submission(db)
    assert (submission.draft_text, submission.version_count) == ("Sent from the first tab", 1)
    assert _files(db) == 0
    # The same form sent twice is no conflict: it went, once.
    response = answer(first_tab, course.slug, item.key, "Sent from the first tab", action="submit")
    assert response.status_code == 303
    # Passed meanwhile: said so, the words shown to copy.
    mark(login(tutor), submission.id)
    response = send(second_tab, course.slug, item.key, "save", "Late words")
    assert response.status_code == 409
    html = _html(response)
    assert "You passed this assignment" in html and "Late words</textarea>" in html
    assert _submission(db).draft_text == "Sent from the first tab"
