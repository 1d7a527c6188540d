"""The marking queue's data (issue 19): :data:`WAITING` submissions waiting for one tutor.

A course of two assignments, a group of the cohort bench's learners tutored
by the bench tutor, and one submitted (unmarked) submission per learner and
assignment, bulk-inserted, oldest first. ``bench.scale`` measures the
tutor's marking queue on it ("tutor marking queue, 1,000 waiting": under
100 ms, the same queries at both sizes).
"""

from __future__ import annotations

import datetime as dt

MARKING_SLUG = "bench-assignments"
ASSIGNMENTS = 2
LEARNERS = 500
WAITING = ASSIGNMENTS * LEARNERS
SPEC = {
    "due_after_days": 14, "text": True, "files": None,
    "rubric": [{"id": "quality", "title": "Quality",
                "levels": [{"id": "weak", "title": "Weak", "points": 0},
                           {"id": "good", "title": "Good", "points": 1}]}],
}


def seed(tutor_id: int, learner_prefix: str) -> None:
    """Add the course, group and waiting submissions once (nothing the second time)."""
    from sqlalchemy import insert, select

    from courses.assignments.models import STATE_SUBMITTED, Submission, SubmissionVersion
    from courses.cohorts.models import SOURCE_UPLOAD, Cohort, CohortMember, CohortTutor
    from courses.models import KIND_ASSIGNMENT, STATUS_PUBLISHED, Course, Enrolment, Item, Module
    from lms.accounts.models import User
    from lms.db import db

    if db.session.scalar(select(Course.id).where(Course.slug == MARKING_SLUG)) is not None:
        return
    now = dt.datetime.now(dt.UTC)
    course = Course(
        slug=MARKING_SLUG, title="Bench: two assignments", status=STATUS_PUBLISHED,
        summary="Two assignments to mark.", outcomes=["Write"], topic="bench",
        published_dt=now, updated_dt=now, created_dt=now,
    )
    module = Module(key="work", title="Work", position=0)
    course.modules = [module]
    for n in range(ASSIGNMENTS):
        module.items.append(Item(
            course=course, key=f"assignment-{n + 1}", kind=KIND_ASSIGNMENT,
            title=f"Assignment {n + 1}", position=n, body_md="Write.", body_html="<p>Write.</p>",
            assignment=SPEC,
        ))
    db.session.add(course)
    db.session.flush()
    start = now.date() - dt.timedelta(days=30)
    cohort = Cohort(course_id=course.id, name="Bench: marking", start_date=start,
                    end_date=start + dt.timedelta(days=90))
    db.session.add(cohort)
    db.session.flush()
    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor_id))
    learners = list(db.session.scalars(
        select(User.id).where(User.email.like(f"{learner_prefix}%")).order_by(User.id)
        .limit(LEARNERS)
    ))
    enrolled = now - dt.timedelta(days=30)
    db.session.execute(insert(Enrolment), [
        {"user_id": uid, "course_id": course.id, "enrolled_dt": enrolled} for uid in learners
    ])
    enrolment_of = dict(db.session.execute(
        select(Enrolment.user_id, Enrolment.id).where(Enrolment.course_id == course.id)
    ).all())
    db.session.execute(insert(CohortMember), [
        {"cohort_id": cohort.id, "course_id": course.id, "user_id": uid,
         "enrolment_id": enrolment_of[uid], "source": SOURCE_UPLOAD, "joined_dt": enrolled}
        for uid in learners
    ])
    rows, n = [], 0
    for item in module.items:
        for uid in learners:
            n += 1
            sent = now - dt.timedelta(minutes=WAITING - n)
            rows.append({"enrolment_id": enrolment_of[uid], "item_id": item.id,
                         "state": STATE_SUBMITTED, "draft_text": "My answer.",
                         "version_count": 1, "submitted_dt": sent, "updated_dt": sent,
                         "lock_version": 1})
    db.session.execute(insert(Submission), rows)
    ids = db.session.execute(
        select(Submission.id, Submission.submitted_dt)
        .join(Item, Item.id == Submission.item_id).where(Item.course_id == course.id)
    ).all()
    db.session.execute(insert(SubmissionVersion), [
        {"submission_id": sid, "number": 1, "text": "My answer.", "submitted_dt": sent,
         "feedback_md": "", "feedback_html": ""}
        for sid, sent in ids
    ])
