"""What the courses plugin keeps about people, and its erasure (see :mod:`lms.personal_data`);
its export is in :mod:`courses.personal_data_export`."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, select, update

from lms.db import db
from lms.personal_data import (
    LEGITIMATE_INTERESTS,
    PSEUDONYMISED,
    ErasureSubject,
    PersonalDataProvider,
    RetentionRule,
    TableDeclaration,
    not_personal,
)

from .assignments import files as assignment_files
from .assignments.models import Submission, SubmissionFile
from .cohorts.models import CohortAnnouncement, CohortInvitation, CohortTutor
from .discussions.models import DiscussionFollow, DiscussionPost
from .models import Enrolment, QuizAttempt
from .personal_data_export import export, lists_naming, names

_STATISTICS = _l("Kept, linked only to your former nameless account, so the Centre's course "
                 "statistics stay true.")

TABLES = (
    TableDeclaration(
        "courses_enrolment", _l("Your enrolments"),
        purpose=_l("To give you your courses and remember where you were."),
        retention=_l("Until you close your account; then kept without your name."),
        personal=("user_id", "enrolled_dt", "last_item_id", "last_activity_dt",
                  "completed_dt", "completed_version"),
        other=("id", "course_id"),
        on_closure=PSEUDONYMISED, closure_note=_STATISTICS,
    ),
    TableDeclaration(
        "courses_progress", _l("Your progress through lessons"),
        purpose=_l("To show you and your tutors how far you are."),
        retention=_l("Until you close your account; then kept without your name."),
        personal=("enrolment_id", "completed_dt", "score"), other=("id", "item_id"),
        on_closure=PSEUDONYMISED, closure_note=_STATISTICS,
    ),
    TableDeclaration(
        "courses_quiz_attempt", _l("Your quiz attempts and answers"),
        purpose=_l("To mark your quizzes and let you and your tutors see your results."),
        retention=_l("Until you close your account; then scores are kept without your name "
                     "and your answers are erased."),
        personal=("enrolment_id", "answers", "score", "passed", "submitted_dt", "attempt_no"),
        other=("id", "item_id"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("Your answers are erased; the scores stay, without your name."),
    ),
    TableDeclaration(
        "courses_completion", _l("Courses you completed"),
        purpose=_l("To record what you completed (certificates are issued from it)."),
        retention=_l("Until you close your account; then kept without your name."),
        personal=("user_id", "enrolment_id", "completed_dt", "final_score"),
        other=("id", "course_id", "course_version"),
        on_closure=PSEUDONYMISED, closure_note=_STATISTICS,
    ),
    TableDeclaration(
        "courses_cohort_member", _l("Your group memberships"),
        purpose=_l("To put you in a group with its tutor, dates and announcements."),
        retention=_l("Until you close your account; then kept without your name."),
        personal=("user_id", "enrolment_id", "joined_dt", "source"),
        other=("id", "cohort_id", "course_id"),
        on_closure=PSEUDONYMISED, closure_note=_STATISTICS,
    ),
    TableDeclaration(
        "courses_cohort_tutor", _l("Groups you tutor"),
        purpose=_l("To give tutors their groups and nobody else's."),
        retention=_l("Until the assignment ends or you close your account."),
        personal=("user_id", "assigned_dt"), other=("id", "cohort_id"),
    ),
    TableDeclaration(
        "courses_cohort_announcement", _l("Announcements tutors wrote to groups"),
        purpose=_l("To tell a group what it needs to know."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("As long as the group's course runs."),
        personal=("author_id", "subject", "body_md", "body_html", "submit_token"),
        other=("id", "cohort_id", "posted_dt"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("Announcements you wrote stay for the group, signed 'Former learner'."),
    ),
    TableDeclaration(
        "courses_cohort_upload", _l("Group lists uploaded by tutors (names and email addresses)"),
        purpose=_l("To check a list before it is applied."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Until you close your account, when your line in any list is erased."),
        personal=("uploaded_by_id", "filename", "rows"),
        other=("id", "cohort_id", "uploaded_dt", "applied_dt"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("Your name and email address are erased from uploaded lists."),
    ),
    TableDeclaration(
        "courses_cohort_invitation", _l("Invitations to join a group"),
        purpose=_l("To ask you, before you join a group a tutor listed you for, whether you "
                   "want to: its tutors see nothing of yours unless you accept."),
        retention=_l("Until you close your account."),
        personal=("user_id", "invited_by_id", "status", "invited_dt", "expires_dt",
                  "answered_dt"),
        other=("id", "cohort_id"),
    ),
    TableDeclaration(
        "courses_discussion_thread", _l("Discussion threads you started"),
        purpose=_l("The course's or group's discussion."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("As long as the discussion is kept."),
        personal=("author_id",),
        other=("id", "course_id", "cohort_id", "item_id", "title", "created_dt", "last_post_dt",
               "post_count", "is_locked", "is_pinned"),
        on_closure=PSEUDONYMISED, closure_note=_l("Threads stay, by 'Former learner'."),
    ),
    TableDeclaration(
        "courses_discussion_post", _l("Your discussion posts"),
        purpose=_l("The course's or group's discussion."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("As long as the discussion is kept."),
        personal=("author_id", "submit_token", "body_md", "body_html", "created_dt",
                  "edited_dt", "hidden_by_id", "hidden_reason"),
        other=("id", "thread_id", "number", "deleted_dt", "hidden_dt"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("Your posts stay in the discussion, signed 'Former learner'."),
    ),
    TableDeclaration(
        "courses_discussion_follow", _l("Threads you follow"),
        purpose=_l("To tell you of replies."),
        retention=_l("Until you stop following or close your account."),
        personal=("user_id",), other=("id", "thread_id"),
    ),
    TableDeclaration(
        "courses_discussion_report", _l("Posts you reported to the moderators"),
        purpose=_l("To let moderators act on reports."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("As long as the post is kept."),
        personal=("reporter_id", "reason", "created_dt", "resolved_by_id"),
        other=("id", "post_id", "resolved_dt"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("Reports stay for the moderators, from 'Former learner'."),
    ),
    TableDeclaration(
        "courses_submission", _l("Your assignment answers"),
        purpose=_l("To keep your answer until you submit it and to have it marked."),
        retention=_l("Until you close your account."),
        personal=("enrolment_id", "state", "draft_text", "version_count", "submitted_dt",
                  "updated_dt"),
        other=("id", "item_id", "lock_version"),
    ),
    TableDeclaration(
        "courses_submission_version", _l("The assignments you submitted and their feedback"),
        purpose=_l("To have your work marked and keep every version you sent."),
        retention=_l("Until you close your account."),
        personal=("submission_id", "text", "submitted_dt", "outcome", "feedback_md",
                  "feedback_html", "marked_by_id", "marked_dt"),
        other=("id", "number"),
    ),
    TableDeclaration(
        "courses_submission_mark", _l("Your marks against assignment rubrics"),
        purpose=_l("To tell you how your work met each criterion."),
        retention=_l("Until you close your account."),
        personal=("version_id", "level", "points"), other=("id", "criterion"),
    ),
    TableDeclaration(
        "courses_submission_file", _l("Files you attached to assignments"),
        purpose=_l("To have your work marked."),
        retention=_l("Until you close your account; the files are deleted with the rows."),
        personal=("submission_id", "version_id", "stored_name", "original_name", "file_type",
                  "size", "sha256", "uploaded_dt"),
        other=("id",),
    ),
    not_personal("courses_course", "id", "slug", "title", "summary", "description",
                 "description_html", "outcomes", "topic", "level", "language",
                 "estimated_hours", "status", "version", "created_dt", "updated_dt",
                 "published_dt", "retire_dt", "is_open", "revision_of_id"),
    TableDeclaration(
        "courses_correction", _l("Minor corrections you made to a published course"),
        purpose=_l("To show on the course's decisions and changes page who corrected what "
                   "without a vote, as the rulebook requires."),
        retention=_l("As long as the course; after you close your account, kept without "
                     "your name."),
        personal=("user_id", "corrected_dt"),
        other=("id", "course_id", "item_key", "item_title", "kind", "label", "note",
               "previous_title", "previous_md"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("The correction stays on the course's public list, without your name."),
    ),
    not_personal("courses_module", "id", "course_id", "key", "title", "position",
                 "unlock_after_days"),
    not_personal("courses_item", "id", "course_id", "module_id", "key", "kind", "title",
                 "position", "required", "body_md", "body_html", "estimated_minutes", "sources",
                 "reviewed_on", "review_every_months", "pass_mark", "max_attempts",
                 "assignment", "source_hash"),
    not_personal("courses_question", "id", "item_id", "key", "type", "prompt", "explanation",
                 "accepted", "position"),
    not_personal("courses_option", "id", "question_id", "key", "text", "correct", "feedback",
                 "position"),
    not_personal("courses_prerequisite", "id", "course_id", "required_course_id"),
    not_personal("courses_translation", "id", "course_id", "item_id", "language", "source",
                 "title", "body_md", "body_html", "data", "updated_dt"),
    not_personal("courses_course_decision", "id", "course_id", "decision_id", "kind", "title",
                 "url", "enacted_dt"),
    not_personal("courses_cohort", "id", "course_id", "name", "start_date", "end_date",
                 "capacity", "enrolment_key", "created_dt", "figures_version"),
)


def erase(subject: ErasureSubject) -> None:
    """Erase answers and tutoring; keep progress and scores, linked to the nameless account."""
    enrolment_ids = select(Enrolment.id).where(Enrolment.user_id == subject.user_id)
    db.session.execute(
        update(QuizAttempt).where(QuizAttempt.enrolment_id.in_(enrolment_ids))
        .values(answers={})
    )
    # Assignment work goes, rows and files (the files once the deletion of their rows commits:
    # a stored file without its row is only an orphan, a row without its file would be a lie).
    submissions = select(Submission.id).where(Submission.enrolment_id.in_(enrolment_ids))
    stored = list(db.session.scalars(
        select(SubmissionFile.stored_name).where(SubmissionFile.submission_id.in_(submissions))
    ))
    db.session.execute(delete(Submission).where(Submission.enrolment_id.in_(enrolment_ids)))
    assignment_files.discard_after_commit(stored)
    db.session.execute(delete(CohortTutor).where(CohortTutor.user_id == subject.user_id))
    db.session.execute(
        delete(CohortInvitation).where(CohortInvitation.user_id == subject.user_id)
    )
    db.session.execute(
        update(CohortInvitation).where(CohortInvitation.invited_by_id == subject.user_id)
        .values(invited_by_id=None)
    )
    db.session.execute(
        delete(DiscussionFollow).where(DiscussionFollow.user_id == subject.user_id)
    )
    for model in (DiscussionPost, CohortAnnouncement):
        db.session.execute(
            update(model).where(model.author_id == subject.user_id).values(submit_token=None)
        )
    # Uploaded lists are JSON: only the lines naming the person change.
    for upload in lists_naming(subject.email):
        upload.rows = [{**row, "email": "", "name": subject.pseudonym}
                       if names(row, subject.email) else row for row in upload.rows]
    db.session.flush()


#: Days an unanswered invitation is kept after it expired (then deleted by retention).
INVITATION_DAYS_KEPT = 30


def _expired_invitations(now: dt.datetime) -> int:
    # Declined ones stay: they are what stops the next upload asking again.
    from .cohorts.models import INVITATION_PENDING, CohortInvitation

    cutoff = now - dt.timedelta(days=INVITATION_DAYS_KEPT)
    return db.session.execute(
        delete(CohortInvitation).where(CohortInvitation.status == INVITATION_PENDING,
                                       CohortInvitation.expires_dt < cutoff)
    ).rowcount


RETENTION = (
    RetentionRule("courses.invitations", _l("Unanswered invitations to join a group"),
                  lambda: ngettext("%(num)d day after they expire",
                                   "%(num)d days after they expire", INVITATION_DAYS_KEPT),
                  _expired_invitations),
)

PROVIDER = PersonalDataProvider(owner="courses", tables=TABLES, export=export, erase=erase,
                                retention=RETENTION)
