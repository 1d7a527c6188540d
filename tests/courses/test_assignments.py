"""Assignments: drafts, files checked by content, submitting, marking against a rubric,
resubmission, completion only when passed, and two tutors marking at once."""

from __future__ import annotations

from sqlalchemy import func, select

from courses.assignments.models import (
    Submission,
    SubmissionFile,
    SubmissionMark,
    SubmissionVersion,
)
from courses.cohorts.models import CohortMember
from courses.models import Completion, Progress
from lms.notifications import Notification

from .assignment_helpers import (
    PDF,
    SPEC,
    add_assignment,
    answer,
    assignment_world,
    attach,
    docx_bytes,
    mark,
    zip_bytes,
)
from .cohort_helpers import make_cohort
from .conftest import token


def _submission(db):
    db.session.expire_all()
    return db.session.scalars(select(Submission)).one()


def test_the_page_shows_prompt_rubric_and_due_date(app, db, make_user, login, make_course):
    course, item, _t, _o, learner, _e = assignment_world(make_user, make_course)
    html = login(learner).get(f"/courses/{course.slug}/learn/{item.key}").get_data(as_text=True)
    assert "<strong>membership policy</strong>" in html
    assert "Who can join" in html and "Clear and fair" in html
    assert "Due on Jan 19, 2026 for your group." in html
    assert "Save the draft" in html and "Attach the file" in html


def test_draft_then_submit_then_marked_returned_then_resubmitted_and_passed(
    app, db, make_user, login, make_course, completions
):
    course, item, tutor, _o, learner, enrolment = assignment_world(make_user, make_course)
    a = login(learner)
    db.session.add(Progress(enrolment_id=enrolment.id, item_id=course.items[0].id))
    db.session.commit()
    assert answer(a, course.slug, item.key, "First thoughts").status_code == 303
    assert _submission(db).state == "draft" and _submission(db).draft_text == "First thoughts"
    assert attach(a, course.slug, item.key, PDF).status_code == 303
    assert answer(a, course.slug, item.key, "My policy", action="submit").status_code == 303
    submission = _submission(db)
    assert (submission.state, submission.version_count) == ("submitted", 1)
    assert db.session.scalar(select(SubmissionFile.version_id)) is not None
    # Submitted work cannot change.
    answer(a, course.slug, item.key, "Sneaky change")
    assert _submission(db).draft_text == "My policy"

    t = login(tutor)
    queue = t.get("/courses/assignments/marking").get_data(as_text=True)
    assert "Draft your membership policy" in queue
    response = mark(t, submission.id, outcome="returned",
                    levels={"membership": "missing", "length": "short"},
                    feedback="Say *who* may join.")
    assert response.status_code == 303
    assert _submission(db).state == "returned"
    assert not completions
    page = a.get(f"/courses/{course.slug}/learn/{item.key}").get_data(as_text=True)
    assert "<em>who</em>" in page and "Resubmission asked" in page
    assert "Missing</strong> (0)" in page
    notices = db.session.scalars(select(Notification).where(Notification.user_id == learner.id))
    assert [n.kind for n in notices] == ["courses.assignment_marked"]

    assert answer(a, course.slug, item.key, "Anyone who works here may join.",
                  action="submit").status_code == 303
    submission = _submission(db)
    assert (submission.state, submission.version_count) == ("submitted", 2)
    assert mark(t, submission.id).status_code == 303
    assert _submission(db).state == "passed"
    versions = db.session.scalars(select(SubmissionVersion).order_by(SubmissionVersion.number))
    assert [(v.number, v.outcome) for v in versions] == [(1, "returned"), (2, "passed")]
    assert db.session.scalar(select(func.count(SubmissionMark.id))) == 4
    assert [c.course_slug for c in completions] == [course.slug]
    assert db.session.scalar(select(func.count(Completion.id))) == 1


def test_a_required_assignment_counts_only_when_passed(app, db, make_user, login, make_course):
    course, item, tutor, _o, learner, enrolment = assignment_world(make_user, make_course)
    a = login(learner)
    a.post(f"/courses/{course.slug}/learn/l1/complete", data={"csrf_token": token(a)})
    answer(a, course.slug, item.key, "Done", action="submit")
    html = a.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "1 assignment left" in html
    assert db.session.scalar(select(func.count(Completion.id))) == 0
    mark(login(tutor), _submission(db).id)
    html = a.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Nothing left. You finished this course." in html
    assert db.session.scalar(select(func.count(Completion.id))) == 1


def test_a_form_sent_twice_makes_one_version(app, db, make_user, login, make_course):
    course, item, _t, _o, learner, _e = assignment_world(make_user, make_course)
    a = login(learner)
    page = f"/courses/{course.slug}/learn/{item.key}"
    from .assignment_helpers import csrf

    data = {"csrf_token": csrf(a, page), "text": "Once", "action": "submit"}
    url = f"/courses/assignments/{course.slug}/{item.key}/answer"
    assert a.post(url, data=data).status_code == a.post(url, data=data).status_code == 303
    assert _submission(db).version_count == 1
    assert db.session.scalar(select(func.count(SubmissionVersion.id))) == 1


def test_files_are_checked_by_content_type_and_size(app, db, make_user, login, make_course):
    course, item, _t, _o, learner, _e = assignment_world(make_user, make_course)
    a = login(learner)

    def attached():
        db.session.expire_all()
        return db.session.scalar(select(func.count(SubmissionFile.id)))

    # A program renamed .pdf: refused by its content.
    # Refused with the reason on the page (400), nothing kept.
    response = attach(a, course.slug, item.key, b"MZ\x90\x00\x03\x00\x00\x00" * 4, "cv.pdf")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not one of the types this assignment takes" in page and attached() == 0
    # An archive, even named .docx, is refused unless the author allowed archives.
    attach(a, course.slug, item.key, zip_bytes(), "policy.docx")
    assert attached() == 0
    # Too big (the author's limit is 4 KB).
    response = attach(a, course.slug, item.key, PDF + b"x" * 5000, "big.pdf")
    assert "bigger than 4 KB" in response.get_data(as_text=True)
    assert attached() == 0
    # A real Word file named .txt is taken as what it is.
    attach(a, course.slug, item.key, docx_bytes(), "policy.txt")
    assert db.session.scalar(select(SubmissionFile.file_type)) == "docx"
    attach(a, course.slug, item.key, PDF, "policy.pdf")
    # Two files at most.
    response = attach(a, course.slug, item.key, PDF, "third.pdf")
    assert response.status_code == 400
    assert "at most 2 files" in response.get_data(as_text=True)
    assert attached() == 2
    stored = db.session.scalars(select(SubmissionFile.stored_name)).all()
    assert all(len(name) == 32 and "." not in name for name in stored)


def test_a_file_name_is_kept_without_its_path_and_never_with_control_characters(
    app, db, make_user, login, make_course
):
    course, item, _t, _o, learner, _e = assignment_world(make_user, make_course)
    a = login(learner)
    response = attach(a, course.slug, item.key, PDF, "a\x00b.pdf")
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SubmissionFile.id))) == 0
    attach(a, course.slug, item.key, PDF, "../../etc/passwd.pdf")
    row = db.session.scalars(select(SubmissionFile)).one()
    assert row.original_name == "passwd.pdf"
    download = a.get(f"/courses/assignments/files/{row.id}")
    assert download.headers["Content-Disposition"] == "attachment; filename=passwd.pdf"


def test_archives_are_accepted_when_the_author_allows_them(app, db, make_user, login,
                                                           make_course, enrol):
    course = make_course(quiz=False)
    spec = {**SPEC, "files": {"types": ["zip"], "max_kb": 4, "max_count": 1, "archives": True}}
    item = add_assignment(course, spec=spec)
    learner = make_user()
    enrol(learner, course)
    a = login(learner)
    attach(a, course.slug, item.key, zip_bytes(), "notes.zip")
    assert db.session.scalar(select(SubmissionFile.file_type)) == "zip"


def test_files_are_served_only_to_the_learner_their_tutors_and_admins(
    app, db, make_user, login, make_course
):
    course, item, tutor, other_tutor, learner, _e = assignment_world(make_user, make_course)
    a = login(learner)
    attach(a, course.slug, item.key, PDF, "policy.pdf")
    file_id = db.session.scalar(select(SubmissionFile.id))
    url = f"/courses/assignments/files/{file_id}"
    response = a.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "policy.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.mimetype == "application/pdf"
    assert login(tutor).get(url).status_code == 200
    assert login(make_user(roles=("admin",))).get(url).status_code == 200
    assert login(other_tutor).get(url).status_code == 404
    assert login(make_user()).get(url).status_code == 404


def test_two_tutors_marking_at_once_the_second_is_told(app, db, make_user, login,
                                                        make_course):
    course, item, tutor, _o, learner, _e = assignment_world(make_user, make_course)
    admin = make_user(roles=("admin",))
    answer(login(learner), course.slug, item.key, "Mine", action="submit")
    submission = _submission(db)
    first, second = login(tutor), login(admin)
    opened = submission.lock_version
    assert mark(first, submission.id, outcome="returned", lock_version=opened,
                feedback="First").status_code == 303
    response = mark(second, submission.id, outcome="passed", lock_version=opened,
                    feedback="Second")
    assert response.status_code == 409
    assert "Your marks were not saved" in response.get_data(as_text=True)
    version = db.session.scalars(select(SubmissionVersion)).one()
    assert (version.outcome, version.feedback_md) == ("returned", "First")
    assert _submission(db).state == "returned"


def test_nobody_marks_outside_their_scope(app, db, make_user, login, make_course):
    course, item, tutor, other_tutor, learner, _e = assignment_world(make_user, make_course)
    answer(login(learner), course.slug, item.key, "Mine", action="submit")
    submission = _submission(db)
    o = login(other_tutor)
    assert "Draft your membership" not in o.get("/courses/assignments/marking").get_data(
        as_text=True)
    assert o.get(f"/courses/assignments/submissions/{submission.id}").status_code == 404
    assert mark(login(tutor), submission.id).status_code == 303


def test_a_self_paced_learner_is_marked_by_the_courses_tutors(app, db, make_user, login,
                                                              make_course, enrol):
    course, item, tutor, other_tutor, _learner, _e = assignment_world(make_user, make_course)
    lone = make_user(name="Lone Learner")
    enrol(lone, course)
    answer(login(lone), course.slug, item.key, "Mine", action="submit")
    stranger = make_user(roles=("tutor",))
    other_course = make_course(slug="elsewhere")
    make_cohort(other_course, tutors=[stranger])
    for who in (tutor, other_tutor, make_user(roles=("admin",))):
        assert "Lone Learner" in login(who).get("/courses/assignments/marking").get_data(
            as_text=True)
    assert "Lone Learner" not in login(stranger).get("/courses/assignments/marking").get_data(
        as_text=True)


def test_the_progress_matrix_and_csv_show_assignment_state(app, db, make_user, login,
                                                           make_course):
    course, item, tutor, _o, learner, _e = assignment_world(make_user, make_course)
    answer(login(learner), course.slug, item.key, "Mine", action="submit")
    t = login(tutor)
    cohort_id = db.session.scalar(select(CohortMember.cohort_id))
    html = t.get(f"/courses/cohorts/{cohort_id}/progress").get_data(as_text=True)
    assert '<td class="submitted">Submitted</td>' in html
    csv = t.get(f"/courses/cohorts/{cohort_id}/progress.csv").get_data(as_text=True)
    assert "Draft your membership policy" in csv.splitlines()[0]
    assert csv.splitlines()[1].rstrip().endswith("Submitted")
    mark(t, _submission(db).id, outcome="returned")
    csv = t.get(f"/courses/cohorts/{cohort_id}/progress.csv").get_data(as_text=True)
    assert csv.splitlines()[1].rstrip().endswith("Resubmission asked")


def test_stored_files_go_only_when_the_deletion_commits(app, db):
    """A rolled-back deletion keeps the file its row still names; a committed one removes it."""
    from courses.assignments import files

    with app.app_context():
        kept, _digest = files.store(b"%PDF-1.7 draft membership policy")
        files.discard_after_commit([kept])
        db.session.rollback()
        assert files.path_of(kept).exists()
        db.session.commit()  # the rollback forgot it: a later commit removes nothing
        assert files.path_of(kept).exists()

        files.discard_after_commit([kept])
        assert files.path_of(kept).exists()
        db.session.commit()
        assert not files.path_of(kept).exists()
