"""The courses plugin's part of a person's export: a section for every table it declares
personal (see :mod:`courses.personal_data`).

Each section names the declared tables it draws on (``ExportSection.tables``);
``tests/courses/test_personal_data_export.py`` walks the declarations and fails
when a table declared personal is in no section, so a table added later is not
left out of "Download my data".

Rows hold what is about the person: their own work, and what they did for
others (a list they uploaded, a report they dealt with) without the others'
names or words. Marking and moderating are in the audit log's section too.
"""

from __future__ import annotations

import datetime as dt
import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import Text, cast, or_, select

from lms.accounts.emails import normalise_email
from lms.accounts.models import User
from lms.db import db
from lms.personal_data import ExportSection

from .assignments import files as assignment_files
from .assignments.models import Submission, SubmissionFile, SubmissionMark, SubmissionVersion
from .cohorts.models import (
    Cohort,
    CohortAnnouncement,
    CohortInvitation,
    CohortMember,
    CohortTutor,
    CohortUpload,
)
from .discussions.models import (
    DiscussionFollow,
    DiscussionPost,
    DiscussionReport,
    DiscussionThread,
)
from .models import Completion, Correction, Course, Enrolment, Item, Progress, QuizAttempt


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def names(row: dict, email: str) -> bool:
    """Whether a line of an uploaded group list is about ``email`` (an account's, normalised)."""
    return normalise_email(row.get("email") or "") == email


def lists_naming(email: str) -> list[CohortUpload]:
    """The uploaded group lists with a line about ``email`` (an account's, normalised).

    The lists are JSON: ``contains`` narrows the lists to read on both databases,
    matching the address as written and as JSON escapes it (a list is stored with
    ``ensure_ascii``, so ``zoë@`` is ``zo\\u00eb@`` in its text); the lines decide.
    """
    escaped = json.dumps(email)[1:-1]
    text = cast(CohortUpload.rows, Text)
    candidates = db.session.scalars(
        select(CohortUpload).where(or_(text.contains(email, autoescape=True),
                                       text.contains(escaped, autoescape=True)))
        .order_by(CohortUpload.id)
    ).all()
    return [u for u in candidates if any(names(row, email) for row in u.rows)]


def export(user_id: int) -> list[ExportSection]:
    """Every section of the courses plugin about ``user_id`` (sections with no rows included)."""
    user = db.session.get(User, user_id)
    return [
        *_assignments(user_id), *_discussions(user_id), *_learning(user_id),
        *_groups(user_id), _group_lists(user), _corrections(user_id),
    ]


def _assignments(user_id: int) -> list[ExportSection]:
    mine = (select(Submission.id).join(Enrolment, Enrolment.id == Submission.enrolment_id)
            .where(Enrolment.user_id == user_id))
    submissions = db.session.execute(
        select(Submission, Course.slug, Item.title)
        .join(Item, Item.id == Submission.item_id).join(Course, Course.id == Item.course_id)
        .where(Submission.id.in_(mine)).order_by(Submission.id)
    ).all()
    versions = db.session.execute(
        select(SubmissionVersion, Course.slug, Item.title)
        .join(Submission, Submission.id == SubmissionVersion.submission_id)
        .join(Item, Item.id == Submission.item_id).join(Course, Course.id == Item.course_id)
        .where(Submission.id.in_(mine)).order_by(SubmissionVersion.id)
    ).all()
    marks: dict[int, list[dict]] = {}
    for m in db.session.scalars(
        select(SubmissionMark)
        .join(SubmissionVersion, SubmissionVersion.id == SubmissionMark.version_id)
        .where(SubmissionVersion.submission_id.in_(mine)).order_by(SubmissionMark.id)
    ):
        marks.setdefault(m.version_id, []).append(
            {"criterion": m.criterion, "level": m.level, "points": m.points})
    attached = db.session.execute(
        select(SubmissionFile, SubmissionVersion.number, Course.slug, Item.title)
        .join(Submission, Submission.id == SubmissionFile.submission_id)
        .outerjoin(SubmissionVersion, SubmissionVersion.id == SubmissionFile.version_id)
        .join(Item, Item.id == Submission.item_id).join(Course, Course.id == Item.course_id)
        .where(Submission.id.in_(mine)).order_by(SubmissionFile.id)
    ).all()
    files = ExportSection(
        "assignment_files", _l("Files you attached to assignments"),
        tables=("courses_submission_file",),
        note=_l("Each file is in the assignments folder, where its row's file column says. "
                "A file with no version was in your draft."),
    )
    for f, number, slug, title in attached:
        path = f"assignments/{f.id}.{f.file_type}"
        try:
            files.files[path] = assignment_files.path_of(f.stored_name).read_bytes()
        except FileNotFoundError:
            path = ""  # the row says what was attached; the file itself is gone
        files.rows.append({
            "course": slug, "assignment": title, "version": number or "",
            "name": f.original_name, "type": f.file_type, "size": f.size, "sha256": f.sha256,
            "attached": _iso(f.uploaded_dt), "file": path,
        })
    return [
        ExportSection(
            "assignments", _l("The assignments you submitted"),
            tables=("courses_submission_version", "courses_submission_mark"), rows=[
                {"course": slug, "assignment": title, "version": v.number,
                 "sent": _iso(v.submitted_dt), "text": v.text, "outcome": v.outcome or "",
                 "feedback": v.feedback_md, "marked": _iso(v.marked_dt) or "",
                 "marks": marks.get(v.id, [])}
                for v, slug, title in versions]),
        ExportSection(
            "assignment_answers", _l("Your assignment answers"), tables=("courses_submission",),
            rows=[{"course": slug, "assignment": title, "state": s.state,
                   "draft": s.draft_text, "versions_sent": s.version_count,
                   "last_sent": _iso(s.submitted_dt) or "", "changed": _iso(s.updated_dt)}
                  for s, slug, title in submissions]),
        files,
    ]


def _discussions(user_id: int) -> list[ExportSection]:
    threads = db.session.execute(
        select(DiscussionThread, Course.slug, Cohort.name, Item.title)
        .join(Course, Course.id == DiscussionThread.course_id)
        .outerjoin(Cohort, Cohort.id == DiscussionThread.cohort_id)
        .outerjoin(Item, Item.id == DiscussionThread.item_id)
        .where(DiscussionThread.author_id == user_id).order_by(DiscussionThread.id)
    ).all()
    posts = db.session.execute(
        select(DiscussionPost, DiscussionThread.title)
        .join(DiscussionThread, DiscussionThread.id == DiscussionPost.thread_id)
        .where(DiscussionPost.author_id == user_id).order_by(DiscussionPost.id)
    ).all()
    follows = db.session.execute(
        select(DiscussionThread.title, Course.slug, Cohort.name)
        .join(DiscussionFollow, DiscussionFollow.thread_id == DiscussionThread.id)
        .join(Course, Course.id == DiscussionThread.course_id)
        .outerjoin(Cohort, Cohort.id == DiscussionThread.cohort_id)
        .where(DiscussionFollow.user_id == user_id).order_by(DiscussionFollow.id)
    ).all()
    reports = db.session.execute(
        select(DiscussionReport, DiscussionThread.title, DiscussionPost.number)
        .join(DiscussionPost, DiscussionPost.id == DiscussionReport.post_id)
        .join(DiscussionThread, DiscussionThread.id == DiscussionPost.thread_id)
        .where(or_(DiscussionReport.reporter_id == user_id,
                   DiscussionReport.resolved_by_id == user_id))
        .order_by(DiscussionReport.id)
    ).all()
    return [
        ExportSection("discussion_threads", _l("Discussion threads you started"),
                      tables=("courses_discussion_thread",), rows=[
            {"thread": t.title, "course": slug, "group": group or "", "lesson": lesson or "",
             "started": _iso(t.created_dt), "last_post": _iso(t.last_post_dt),
             "posts": t.post_count} for t, slug, group, lesson in threads]),
        ExportSection("discussion_posts", _l("Your discussion posts"),
                      tables=("courses_discussion_post",), rows=[
            {"thread": title, "number": p.number, "written": _iso(p.created_dt),
             "edited": _iso(p.edited_dt) or "", "deleted": _iso(p.deleted_dt) or "",
             "hidden": _iso(p.hidden_dt) or "", "hidden_because": p.hidden_reason or "",
             "text": p.body_md} for p, title in posts]),
        ExportSection("discussion_follows", _l("Threads you follow"),
                      tables=("courses_discussion_follow",), rows=[
            {"thread": title, "course": slug, "group": group or ""}
            for title, slug, group in follows]),
        ExportSection(
            "discussion_reports", _l("Posts you reported, and reports you dealt with"),
            tables=("courses_discussion_report",),
            note=_l("For a report you dealt with as a moderator, who made it and why are "
                    "left out: they are the reporter's."),
            rows=[
                {"thread": title, "post": number, "you": you, "reported": _iso(r.created_dt),
                 "reason": r.reason if you == "reported" else "",
                 "resolved": _iso(r.resolved_dt) or ""}
                for r, title, number in reports
                for you, by in (("reported", r.reporter_id), ("resolved", r.resolved_by_id))
                if by == user_id]),
    ]


def _learning(user_id: int) -> list[ExportSection]:
    enrolments = db.session.execute(
        select(Enrolment, Course.slug, Course.title)
        .join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user_id).order_by(Enrolment.id)
    ).all()
    progress = db.session.execute(
        select(Progress, Course.slug, Item.title)
        .join(Enrolment, Enrolment.id == Progress.enrolment_id)
        .join(Item, Item.id == Progress.item_id).join(Course, Course.id == Item.course_id)
        .where(Enrolment.user_id == user_id).order_by(Progress.id)
    ).all()
    attempts = db.session.execute(
        select(QuizAttempt, Course.slug, Item.title)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .join(Item, Item.id == QuizAttempt.item_id).join(Course, Course.id == Item.course_id)
        .where(Enrolment.user_id == user_id).order_by(QuizAttempt.id)
    ).all()
    completions = db.session.execute(
        select(Completion, Course.slug, Course.title)
        .join(Course, Course.id == Completion.course_id)
        .where(Completion.user_id == user_id).order_by(Completion.id)
    ).all()
    return [
        ExportSection("enrolments", _l("Your enrolments"), tables=("courses_enrolment",), rows=[
            {"course": slug, "title": title, "enrolled": _iso(e.enrolled_dt),
             "last_activity": _iso(e.last_activity_dt) or "",
             "completed": _iso(e.completed_dt) or "", "completed_version": e.completed_version}
            for e, slug, title in enrolments]),
        ExportSection("progress", _l("Your progress"), tables=("courses_progress",), rows=[
            {"course": slug, "item": title, "completed": _iso(p.completed_dt), "score": p.score}
            for p, slug, title in progress]),
        ExportSection("quiz_attempts", _l("Your quiz attempts and answers"),
                      tables=("courses_quiz_attempt",), rows=[
            {"course": slug, "quiz": title, "attempt": a.attempt_no, "score": a.score,
             "passed": a.passed, "submitted": _iso(a.submitted_dt), "answers": a.answers}
            for a, slug, title in attempts]),
        ExportSection("completions", _l("Courses you completed"),
                      tables=("courses_completion",), rows=[
            {"course": slug, "title": title, "version": c.course_version,
             "completed": _iso(c.completed_dt), "final_score": c.final_score}
            for c, slug, title in completions]),
    ]


def _groups(user_id: int) -> list[ExportSection]:
    groups = db.session.execute(
        select(CohortMember, Cohort.name, Course.slug)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(CohortMember.user_id == user_id).order_by(CohortMember.id)
    ).all()
    tutoring = db.session.execute(
        select(CohortTutor, Cohort.name).join(Cohort, Cohort.id == CohortTutor.cohort_id)
        .where(CohortTutor.user_id == user_id).order_by(CohortTutor.id)
    ).all()
    member_of = select(CohortMember.cohort_id).where(CohortMember.user_id == user_id)
    announcements = db.session.execute(
        select(CohortAnnouncement, Cohort.name)
        .join(Cohort, Cohort.id == CohortAnnouncement.cohort_id)
        .where(or_(CohortAnnouncement.cohort_id.in_(member_of),
                   CohortAnnouncement.author_id == user_id))
        .order_by(CohortAnnouncement.id)
    ).all()
    invitations = db.session.execute(
        select(CohortInvitation, Cohort.name, Course.slug)
        .join(Cohort, Cohort.id == CohortInvitation.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(CohortInvitation.user_id == user_id).order_by(CohortInvitation.id)
    ).all()
    return [
        ExportSection("groups", _l("Your group memberships"),
                      tables=("courses_cohort_member", "courses_cohort_tutor"), rows=[
            *({"group": name, "course": slug, "role": "member", "joined": _iso(m.joined_dt),
               "how": m.source} for m, name, slug in groups),
            *({"group": name, "course": "", "role": "tutor", "joined": _iso(t.assigned_dt),
               "how": "assigned"} for t, name in tutoring)]),
        ExportSection("group_invitations", _l("Invitations to join a group"),
                      tables=("courses_cohort_invitation",), rows=[
            {"group": name, "course": slug, "answer": i.status, "invited": _iso(i.invited_dt),
             "expires": _iso(i.expires_dt), "answered": _iso(i.answered_dt) or ""}
            for i, name, slug in invitations]),
        ExportSection("announcements", _l("Announcements to your groups"),
                      tables=("courses_cohort_announcement",), rows=[
            {"group": name, "subject": a.subject, "posted": _iso(a.posted_dt),
             "text": a.body_md, "written_by_you": a.author_id == user_id}
            for a, name in announcements]),
    ]


def _group_lists(user: User) -> ExportSection:
    """Lists the person uploaded (without the other people on them) and their own line in any
    list (without who uploaded it)."""
    uploaded = {u.id: u for u in db.session.scalars(
        select(CohortUpload).where(CohortUpload.uploaded_by_id == user.id))}
    about = {u.id: u for u in lists_naming(user.email)}
    cohort_ids = {u.cohort_id for u in (*uploaded.values(), *about.values())}
    groups = dict(db.session.execute(
        select(Cohort.id, Cohort.name).where(Cohort.id.in_(cohort_ids))).all())
    rows = []
    for upload_id in sorted({*uploaded, *about}):
        upload = uploaded.get(upload_id) or about[upload_id]
        yours = [row for row in upload.rows if names(row, user.email)]
        by_you = upload_id in uploaded
        rows.append({
            "group": groups.get(upload.cohort_id, ""), "uploaded": _iso(upload.uploaded_dt),
            "applied": _iso(upload.applied_dt) or "", "uploaded_by_you": by_you,
            "file": upload.filename if by_you else "", "lines": len(upload.rows) if by_you else "",
            "your_line": [{"name": row.get("name", ""), "email": row.get("email", "")}
                          for row in yours],
        })
    return ExportSection(
        "group_lists", _l("Group lists you uploaded, and your line in others' lists"),
        tables=("courses_cohort_upload",),
        note=_l("The other people on a list are left out: only how many lines it had, for "
                "lists you uploaded."),
        rows=rows,
    )


def _corrections(user_id: int) -> ExportSection:
    return ExportSection(
        "corrections", _l("Minor corrections you made to a published course"),
        tables=("courses_correction",),
        rows=[{"course": slug, "lesson": c.item_title, "kind": c.label, "what": c.note,
               "corrected": _iso(c.corrected_dt)}
              for c, slug in db.session.execute(
                  select(Correction, Course.slug).join(Course, Course.id == Correction.course_id)
                  .where(Correction.user_id == user_id).order_by(Correction.id))],
    )
