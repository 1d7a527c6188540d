"""Assignments: nothing the learner typed or the tutor chose is lost, whatever is refused.

The learner's page is one form (the answer, the file, the buttons): attaching or
removing a file keeps the answer typed so far, a refused file says why by the
file input with the answer still in its box, and an answer that can no longer be
saved (submitted or passed from another tab) is shown back to copy. A tutor whose
marking meets another's gets every choice back.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from courses.assignments.models import Submission, SubmissionFile, SubmissionVersion

from .assignment_helpers import PDF, answer, assignment_world, attach, csrf, mark, send

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


def _checked(html, name, value):
    return re.search(rf'<input checked[^>]*name="{name}"[^>]*value="{value}"', html) is not None


def test_a_marking_conflict_keeps_every_choice(app, db, make_user, login, make_course):
    course, item, tutor, _o, learner, _e = assignment_world(make_user, make_course)
    admin = make_user(roles=("admin",))
    a = login(learner)
    answer(a, course.slug, item.key, "Version one", action="submit")
    submission = _submission(db)
    opened = submission.lock_version  # the admin opens the marking page...
    t, ad = login(tutor), login(admin)
    # ...the tutor asks for a resubmission and the learner sends it again meanwhile.
    mark(t, submission.id, outcome="returned", feedback="Say more.")
    answer(a, course.slug, item.key, "Version two", action="submit")
    response = mark(
        ad,
        submission.id,
        outcome="passed",
        lock_version=opened,
        levels={"membership": "missing", "length": "right"},
        feedback="My careful *feedback*",
    )
    assert response.status_code == 409
    html = _html(response)
    assert "Your marks were not saved" in html
    # Still waiting, so the form is there with all the admin chose, and the new lock.
    assert _checked(html, "c-membership", "missing") and _checked(html, "c-length", "right")
    assert _checked(html, "outcome", "passed")
    assert "My careful *feedback*</textarea>" in html
    fresh = _submission(db).lock_version
    assert f'name="lock_version" type="hidden" value="{fresh}"' in html
    # Sent again as it came back, it is saved.
    data = {
        "csrf_token": csrf(ad, f"/courses/assignments/submissions/{submission.id}"),
        "lock_version": str(fresh),
        "feedback": "My careful *feedback*",
        "outcome": "passed",
        "c-membership": "missing",
        "c-length": "right",
    }
    assert (
        ad.post(f"/courses/assignments/submissions/{submission.id}", data=data).status_code == 303
    )
    assert _submission(db).state == "passed"


def test_feedback_for_work_someone_else_marked_meanwhile_is_shown_to_copy(
    app, db, make_user, login, make_course
):
    course, item, tutor, _o, learner, _e = assignment_world(make_user, make_course)
    answer(login(learner), course.slug, item.key, "Mine", action="submit")
    submission = _submission(db)
    opened = submission.lock_version
    mark(login(tutor), submission.id, outcome="returned", feedback="First")
    admin = login(make_user(roles=("admin",)))
    response = mark(admin, submission.id, lock_version=opened, feedback="Second, careful")
    assert response.status_code == 409
    html = _html(response)
    assert "This submission is not waiting for marking." in html
    assert "Not saved. Here is the feedback you wrote" in html
    assert "Second, careful</textarea>" in html
    version = db.session.scalars(select(SubmissionVersion)).one()
    assert (version.outcome, version.feedback_md) == ("returned", "First")


def test_a_draft_saved_on_a_stale_read_does_not_overwrite_the_work_sent(
    app, db, make_user, login, make_course
):
    """The request read the submission before a submit from another tab committed: its
    state is read again, under the row's lock, before the draft, a file or a removal is
    written (on the stale read the draft overwrote the text sent)."""
    from sqlalchemy import update

    from courses.assignments import operations as ops

    course, item, _t, _o, learner, _e = assignment_world(make_user, make_course)
    a = login(learner)
    answer(a, course.slug, item.key, "First draft")
    assert _files(db) == 0
    attach(a, course.slug, item.key, PDF)
    with app.test_request_context(method="POST"):
        stale = _submission(db)
        row = db.session.scalars(select(SubmissionFile)).one()
        assert stale.state == "draft"
        # The other tab's submit, as the database has it; this session still says draft.
        db.session.execute(
            update(Submission).where(Submission.id == stale.id)
            .values(state="submitted", draft_text="The text sent", version_count=1,
                    submitted_dt=stale.updated_dt)
            .execution_options(synchronize_session=False)
        )
        assert stale.state == "draft"
        for change in (lambda: ops.save_draft(stale, "Old tab's draft"),
                       lambda: ops.remove_file(stale, row)):
            try:
                change()
            except ops.NotEditable as refused:
                assert "You submitted this assignment" in str(refused)
            else:
                raise AssertionError("a change to submitted work was written")
        assert db.session.scalar(select(Submission.draft_text)) == "The text sent"
        assert _files(db) == 1
        db.session.rollback()


def test_saving_with_a_file_chosen_attaches_it_or_refuses_everything(
    app, db, make_user, login, make_course
):
    """A file chosen and "Save the draft" pressed (not "Attach the file") is not dropped."""
    course, item, _t, _o, learner, _e = assignment_world(make_user, make_course)
    a = login(learner)
    answer(a, course.slug, item.key, "Saved before")
    # A refused file refuses the save as well: said by the file input, the answer kept.
    response = send(a, course.slug, item.key, "save", "Typed <b>since</b>", (EXE, "cv.pdf"))
    assert response.status_code == 400
    html = _html(response)
    assert "not one of the types this assignment takes" in html and "There is a problem" in html
    assert "Typed &lt;b&gt;since&lt;/b&gt;</textarea>" in html
    assert _submission(db).draft_text == "Saved before" and _files(db) == 0
    # An accepted one is attached and the answer saved with it.
    response = send(a, course.slug, item.key, "save", "Typed since", (PDF, "p.pdf"))
    assert response.status_code == 303
    assert _submission(db).draft_text == "Typed since" and _files(db) == 1
    page = _html(a.get(response.location))
    assert "“p.pdf” is attached." in page and "Your draft is saved." in page


def test_submitting_with_a_file_chosen_sends_it_or_refuses_everything(
    app, db, make_user, login, make_course
):
    """A file chosen and "Submit for marking" pressed goes with the work sent."""
    course, item, _t, _o, learner, _e = assignment_world(make_user, make_course)
    a = login(learner)
    response = send(a, course.slug, item.key, "submit", "My <i>policy</i>", (b"", "e.pdf"))
    assert response.status_code == 400
    html = _html(response)
    assert "The file is empty." in html and "My &lt;i&gt;policy&lt;/i&gt;</textarea>" in html
    # Nothing was written: not even the empty draft the action began with.
    assert db.session.scalar(select(func.count(Submission.id))) == 0 and _files(db) == 0
    response = send(a, course.slug, item.key, "submit", "My policy", (PDF, "p.pdf"))
    assert response.status_code == 303
    submission = _submission(db)
    assert (submission.state, submission.draft_text) == ("submitted", "My policy")
    version = db.session.scalars(select(SubmissionVersion)).one()
    sent = db.session.scalars(select(SubmissionFile)).one()
    assert (sent.version_id, sent.original_name) == (version.id, "p.pdf")
    page = _html(a.get(response.location))
    assert "“p.pdf” is attached." in page and "Submitted. Your tutor will mark it." in page
    # The same form sent twice is no conflict: it went, once, with its file.
    response = send(a, course.slug, item.key, "submit", "My policy", (PDF, "p.pdf"))
    assert response.status_code == 303
    assert "You had submitted this already." in _html(a.get(response.location))
    assert (_submission(db).version_count, _files(db)) == (1, 1)
    # Another file from a page opened before submitting is refused, the words shown to copy.
    response = send(a, course.slug, item.key, "submit", "My policy", (b"notes\n", "n.txt"))
    assert response.status_code == 409
    assert "You submitted this assignment. Wait for your tutor" in _html(response)
    assert (_submission(db).version_count, _files(db)) == (1, 1)
