"""A person who did everything the platform records, for the personal data tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import JSON, LargeBinary, String, Text, cast, or_, select
from werkzeug.datastructures import MultiDict

from courses import operations as course_ops
from courses import quizzes
from courses.cohorts import operations as cohort_ops
from courses.cohorts import uploads as cohort_uploads
from courses.cohorts.roster_csv import RosterRow
from courses.discussions import operations as discussion_ops
from governance import operations as gov_ops
from governance.models import ACTIVE, Ballot, Membership
from lms.accounts import operations as account_ops
from lms.db import db, utcnow
from lms.personal_data.registry import loaded_tables
from lms.testing import TEST_PASSWORD
from tests.courses.cohort_helpers import make_cohort

NAME = "Ada Quillfeather"
EMAIL = "ada.quillfeather@example.org"
OLD_EMAIL = "ada.old@example.org"


@dataclass
class Everything:
    user: object
    tutor: object
    course: object
    cohort: object
    open_ballot: Ballot
    secret_ballot: Ballot


def _member(user, joined):
    db.session.add(Membership(user_id=user.id, member_class="learner", status=ACTIVE,
                              applied_dt=joined, joined_dt=joined))


def did_everything(app, make_user, make_course, start_ballot, *, close=True) -> Everything:
    """Ada: enrolled, progressed, answered a quiz, completed (certificate), in a group with an
    announcement, in an uploaded list, changed her email (audit), member who voted in an open
    and a secret ballot and commented."""
    user = make_user(email=OLD_EMAIL, name=NAME)
    account_ops.change_email(user, TEST_PASSWORD, EMAIL)
    tutor = make_user(email="tutor.t@example.org", name="Tutor Tee", roles=("learner", "tutor"))
    others = [make_user(email=f"m{n}@example.org", name=f"Member {n}") for n in range(3)]
    course = make_course("co-op-basics", lessons=1)
    cohort = make_cohort(course, tutors=[tutor])
    enrolment, _ = course_ops.enrol(user, course)
    db.session.flush()
    cohort_ops.join(cohort, user, "admin")
    cohort_uploads.store_upload(cohort, tutor, "people.csv",
                            [RosterRow(2, EMAIL, NAME), RosterRow(3, "x@example.org", "X Y")])
    cohort_ops.post_announcement(cohort, tutor, "Welcome", "Hello group, see you Monday.")
    thread = discussion_ops.start_thread(
        course=course, cohort_id=cohort.id, item_id=None, author=user,
        title="Meeting notes", body="Who keeps the minutes?", token="t" * 32)
    with app.test_request_context(method="POST"):  # the reply's notice builds a link
        discussion_ops.reply(thread, tutor, "The secretary does.", "u" * 32, course.slug)
    lesson, quiz = [i for m in course.modules for i in m.items]
    course_ops.complete_lesson(enrolment, lesson)
    q1, q2 = quiz.questions
    right = next(o for o in q1.options if o.correct)
    quizzes.submit_quiz(enrolment, quiz, MultiDict({f"q{q1.id}": str(right.id),
                                                       f"q{q2.id}": "Rochdale"}))
    joined = utcnow() - dt.timedelta(days=400)
    for person in (user, *others):
        _member(person, joined)
    db.session.commit()
    open_ballot = start_ballot(others[0], [others[1], others[2]], title="Meet monthly")
    secret_ballot = start_ballot(others[0], [others[1], others[2]], secret=True,
                                 title="Elect the board")
    gov_ops.comment(open_ballot.proposal, user.id, "I support meeting monthly.")
    gov_ops.cast_vote(open_ballot, user.id, "for")
    gov_ops.cast_vote(open_ballot, others[1].id, "against")
    gov_ops.cast_vote(secret_ballot, user.id, "against")
    gov_ops.cast_vote(secret_ballot, others[2].id, "for")
    db.session.commit()
    if close:
        after = open_ballot.closes_dt + dt.timedelta(minutes=1)
        gov_ops.close_ballot(open_ballot, now=after)
        gov_ops.close_ballot(secret_ballot, now=after)
        db.session.commit()
    return Everything(user, tutor, course, cohort, open_ballot, secret_ballot)


def text_columns(app):
    """Every column that can hold text: strings, text, JSON, binary."""
    for table in loaded_tables(app).values():
        for column in table.columns:
            if isinstance(column.type, String | Text | JSON | LargeBinary):
                yield table, column


def find_text(app, *needles: str) -> set[str]:
    """``table.column`` names where any of ``needles`` occurs (case-insensitive)."""
    found = set()
    for table, column in text_columns(app):
        as_text = cast(column, Text) if isinstance(column.type, JSON | LargeBinary) else column
        if isinstance(column.type, LargeBinary):
            # Binary (a PDF, an archive) is compared as bytes, in Python.
            for (value,) in db.session.execute(select(column).where(column.is_not(None))):
                if any(n.encode() in bytes(value) for n in needles):
                    found.add(f"{table.name}.{column.name}")
            continue
        hit = db.session.execute(
            select(table.c[column.name]).where(or_(*(as_text.ilike(f"%{n}%") for n in needles)))
            .limit(1)
        ).first()
        if hit is not None:
            found.add(f"{table.name}.{column.name}")
    return found


