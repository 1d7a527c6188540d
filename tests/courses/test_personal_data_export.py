"""Every table the courses plugin declares personal is in its part of "Download my data".

Walks the plugin's declarations as ``tests/lms/personal_data/test_export.py`` walks the
core's, with a learner who has a row in every one of its personal tables.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict

from courses import operations as course_ops
from courses import quizzes
from courses.assignments import operations as assignment_ops
from courses.assignments.spec import spec_of
from courses.cohorts import invitations, uploads
from courses.cohorts import operations as cohort_ops
from courses.cohorts.models import CohortUpload
from courses.cohorts.roster_csv import RosterRow
from courses.discussions import operations as discussion_ops
from courses.discussions.models import DiscussionReport
from courses.revisions import correct_lesson
from lms.db import db
from lms.personal_data.drive import erase_user
from lms.testing import export_walked

from .assignment_helpers import PDF, add_assignment
from .cohort_helpers import make_cohort

EMAIL = "ada.q@example.org"
NAME = "Ada Quill"


def _upload_file(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.fixture()
def ada(app, make_user, make_course):
    """A learner in a group of one course and tutor of a group of another, who did
    everything the courses plugin records."""
    ada = make_user(email=EMAIL, name=NAME, roles=("learner", "tutor"))
    tutor = make_user(email="tutor.t@example.org", name="Tutor Tee", roles=("learner", "tutor"))
    bo = make_user(email="bo@example.org", name="Bo Other")
    course = make_course("co-op-basics", lessons=1)
    other_course = make_course("governance-101", lessons=1, quiz=False)
    assignment = add_assignment(course, required=False)
    spring = make_cohort(course, name="Spring group", tutors=[tutor])
    autumn = make_cohort(other_course, name="Autumn group", tutors=[ada])
    winter = make_cohort(other_course, name="Winter group", tutors=[tutor])
    with app.test_request_context(method="POST"):
        for person in (ada, tutor, bo):
            db.session.refresh(person)  # loaded, as a request's signed-in user is
        enrolment, _ = course_ops.enrol(ada, course)
        bo_enrolment, _ = course_ops.enrol(bo, course)
        db.session.flush()
        cohort_ops.join(spring, ada, "admin")
        cohort_ops.join(spring, bo, "admin")
        # Learning: the lesson, the quiz, so the course is complete.
        lesson, quiz = [i for m in course.modules for i in m.items if i.kind != "assignment"]
        course_ops.complete_lesson(enrolment, lesson)
        q1, q2 = quiz.questions
        right = next(o for o in q1.options if o.correct)
        quizzes.submit_quiz(enrolment, quiz, MultiDict({f"q{q1.id}": str(right.id),
                                                           f"q{q2.id}": "Rochdale"}))
        # An assignment sent with a file, marked "please send again", and a new draft.
        spec = spec_of(assignment.assignment)
        submission = assignment_ops.open_submission(enrolment, assignment)
        assignment_ops.add_file(submission, spec, _upload_file(PDF, "policy.pdf"))
        assignment_ops.submit(submission, spec, "My first policy")
        assignment_ops.mark(
            submission, spec, tutor, submission.lock_version,
            assignment_ops.Marking({"membership": "missing", "length": "right"},
                                   "Say who can join.", "returned"),
            course, assignment)
        assignment_ops.save_draft(submission, "My second policy")
        assignment_ops.add_file(submission, spec, _upload_file(b"Notes for my tutor.\n",
                                                               "notes.txt"))
        # Groups: an announcement to her group and one she wrote to the group she tutors;
        # a list naming her, a list she uploaded, an invitation to another group.
        cohort_ops.post_announcement(spring, tutor, "Welcome", "Hello group.")
        cohort_ops.post_announcement(autumn, ada, "Reading for week 1", "Chapter one.")
        uploads.store_upload(spring, tutor, "spring.csv",
                             [RosterRow(2, EMAIL, "Ada Q."), RosterRow(3, "x@example.org", "X Y")])
        uploads.store_upload(autumn, ada, "autumn.csv", [RosterRow(2, "z@example.org", "Zed")])
        invitations.invite_many(winter, [ada], tutor)
        # Discussion: her thread (followed), a reply of hers a moderator hid, a thread she
        # follows, a post she reported, and someone else's report she dealt with.
        thread = discussion_ops.start_thread(
            course=course, cohort_id=spring.id, item_id=lesson.id, author=ada,
            title="Meeting notes", body="Who keeps the minutes?", token="a" * 32)
        answer = discussion_ops.reply(thread, tutor, "The secretary does.", "t" * 32,
                                      course.slug)
        heated = discussion_ops.reply(thread, ada, "Nonsense!", "b" * 32, course.slug)
        discussion_ops.hide(heated, thread, tutor, "Please keep it civil.")
        others = discussion_ops.start_thread(
            course=course, cohort_id=spring.id, item_id=None, author=bo,
            title="Study group", body="Anyone for Tuesdays?", token="c" * 32)
        discussion_ops.follow(others, ada.id)
        discussion_ops.report(answer, ada, "It names a member who asked not to be named.")
        discussion_ops.report(answer, bo, "Bo's own reason, private to Bo.")
        bos_report = db.session.scalar(
            select(DiscussionReport).where(DiscussionReport.reporter_id == bo.id))
        discussion_ops.resolve(bos_report, ada)
        # A minor correction she made to a live lesson.
        correct_lesson(lesson, kind="spelling", label="Spelling", note="Fixed 'recieve'.",
                       user_id=ada.id, previous_title=lesson.title, previous_md="recieve")
    db.session.commit()
    assert bo_enrolment.id
    return ada


def test_every_table_the_courses_plugin_declares_personal_is_exported(app, ada):
    """Before, the plugin's sections named no tables, and threads, follows, reports,
    assignment drafts, rubric marks, attached files, uploaded lists and corrections were
    declared personal but left out of "Download my data"."""
    with app.test_request_context(method="POST"):
        by_key = export_walked(app, "courses", ada.id)
    assert {key for key, s in by_key.items() if not s.rows} == set()  # Ada has a row in each

    (version,) = by_key["assignments"].rows
    assert version["outcome"] == "returned" and version["feedback"] == "Say who can join."
    assert version["marks"] == [{"criterion": "membership", "level": "missing", "points": 0},
                                {"criterion": "length", "level": "right", "points": 1}]
    (answer,) = by_key["assignment_answers"].rows
    assert (answer["state"], answer["draft"], answer["versions_sent"]) == (
        "returned", "My second policy", 1)
    sent, draft = by_key["assignment_files"].rows
    assert (sent["name"], sent["version"], draft["name"], draft["version"]) == (
        "policy.pdf", 1, "notes.txt", "")
    assert by_key["assignment_files"].files[sent["file"]] == PDF
    assert by_key["assignment_files"].files[draft["file"]] == b"Notes for my tutor.\n"

    (thread,) = by_key["discussion_threads"].rows
    assert (thread["thread"], thread["group"], thread["lesson"], thread["posts"]) == (
        "Meeting notes", "Spring group", "Lesson 1", 3)
    first, hidden = by_key["discussion_posts"].rows
    assert first["hidden"] == "" and hidden["hidden_because"] == "Please keep it civil."
    assert [r["thread"] for r in by_key["discussion_follows"].rows] == [
        "Meeting notes", "Study group"]
    reported, resolved = by_key["discussion_reports"].rows
    assert reported == {"thread": "Meeting notes", "post": 2, "you": "reported",
                        "reported": reported["reported"],
                        "reason": "It names a member who asked not to be named.",
                        "resolved": ""}
    assert (resolved["you"], resolved["reason"]) == ("resolved", "")
    assert resolved["resolved"]
    assert "Bo" not in json.dumps(by_key["discussion_reports"].rows)  # the reporter's

    listed, uploaded = by_key["group_lists"].rows
    assert listed == {"group": "Spring group", "uploaded": listed["uploaded"], "applied": "",
                      "uploaded_by_you": False, "file": "", "lines": "",
                      "your_line": [{"name": "Ada Q.", "email": EMAIL}]}
    assert (uploaded["group"], uploaded["file"], uploaded["lines"], uploaded["your_line"]) == (
        "Autumn group", "autumn.csv", 1, [])
    everything = json.dumps([s.rows for s in by_key.values()])
    assert "x@example.org" not in everything and "z@example.org" not in everything

    assert [(r["subject"], r["written_by_you"]) for r in by_key["announcements"].rows] == [
        ("Welcome", False), ("Reading for week 1", True)]
    assert by_key["corrections"].rows == [
        {"course": "co-op-basics", "lesson": "Lesson 1", "kind": "Spelling",
         "what": "Fixed 'recieve'.", "corrected": by_key["corrections"].rows[0]["corrected"]}]
    assert [(r["group"], r["role"]) for r in by_key["groups"].rows] == [
        ("Spring group", "member"), ("Autumn group", "tutor")]
    assert [r["group"] for r in by_key["group_invitations"].rows] == ["Winter group"]
    assert [r["course"] for r in by_key["completions"].rows] == ["co-op-basics"]


def test_a_line_with_an_address_outside_ascii_is_exported_and_erased(app, make_user,
                                                                     make_course):
    """A list is stored as JSON with ``ensure_ascii``: ``zoë@`` is ``zo\\u00eb@`` in its
    text, which the address as written never matched. Before, erasure left such a
    person's name and address in uploaded lists (and the export would have missed it)."""
    zoe = make_user(email="zoë@exämple.org", name="Zoë Ñ")
    tutor = make_user(email="tutor.u@example.org", roles=("learner", "tutor"))
    cohort = make_cohort(make_course("co-op-basics", lessons=1), tutors=[tutor])
    uploads.store_upload(cohort, tutor, "people.csv",
                         [RosterRow(2, "zoë@exämple.org", "Zoë Ñ"),
                          RosterRow(3, "x@example.org", "X Y")])
    db.session.commit()
    with app.test_request_context(method="POST"):
        (listed,) = export_walked(app, "courses", zoe.id)["group_lists"].rows
    assert listed["your_line"] == [{"name": "Zoë Ñ", "email": "zoë@exämple.org"}]
    erase_user(zoe.id)
    db.session.commit()
    (upload,) = db.session.scalars(select(CohortUpload)).all()
    assert [(r["email"], r["name"]) for r in upload.rows] == [
        ("", "Former learner"), ("x@example.org", "X Y")]
