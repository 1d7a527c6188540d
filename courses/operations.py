"""The courses plugin's writes for learners: catalogue rules, enrolment, progress and
completion. Check, mutate, flush, send signals; never commit. Quizzes are in
:mod:`.quizzes`, the authors' edits in :mod:`.authoring`, by the same rules.

Every "only one" rule is a database constraint; the operations insert inside a
savepoint and treat a unique violation as "someone else did it first", so
parallel requests leave one row and send one signal.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import select

from lms import audit, signals
from lms.accounts.models import User
from lms.contracts import CompletionSnapshot, EnrolmentSnapshot
from lms.db import db, insert_unless_exists, lock_for_update, utcnow

from .models import (
    KIND_LESSON,
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    Completion,
    Course,
    Enrolment,
    Item,
    Progress,
)
from .outline_progress import outline_for
from .prerequisites import shown_titles, unmet_prerequisites

#: Advisory-lock namespace for per-enrolment writers on PostgreSQL (SQLite needs none).
_ENROLMENT_LOCK = 0x43_0000_0000


class CourseError(Exception):
    """A learner or author action cannot be done; the message says why in plain words."""

    def __str__(self) -> str:
        # The message as given: Markup when it names a course (its title marked with its
        # language, enrol_refusal), which a flash then keeps.
        return self.args[0] if self.args else ""


def send_signal(signal, **kwargs) -> None:
    """Send a domain signal from the application (receivers key on the sender)."""
    signal.send(current_app._get_current_object(), **kwargs)


def lock_enrolment(enrolment: Enrolment) -> None:
    """Serialise the writers of one enrolment's progress until the transaction ends."""
    lock_for_update(_ENROLMENT_LOCK + enrolment.id)


# -- catalogue rules -------------------------------------------------------------------------


def is_listed(course: Course, now: dt.datetime | None = None) -> bool:
    """Tell whether the catalogue shows ``course``: published and not past its retire time."""
    now = now or utcnow()
    return course.status == STATUS_PUBLISHED and (
        course.retire_dt is None or course.retire_dt > now
    )


def completed_course_ids(user_id: int) -> set[int]:
    """Ids of the courses ``user_id`` has completed (any version)."""
    return set(
        db.session.scalars(
            select(Completion.course_id).where(Completion.user_id == user_id).distinct()
        )
    )


def missing_prerequisites(course: Course, user_id: int) -> list[Course]:
    """The prerequisite courses ``user_id`` has not completed yet (see :mod:`.prerequisites`)."""
    return unmet_prerequisites(course, [user_id]).get(user_id, [])


def enrol_refusal(course: Course, user_id: int) -> str | None:
    """Say why ``user_id`` may not enrol in ``course``, or ``None`` when they may.

    Courses to finish first are named as the page names them (Markup, the rest escaped).
    """
    if course.status == STATUS_DRAFT:
        return _("This course is not open yet.")
    if not is_listed(course) or not course.is_open:
        return _("This course is closed to new learners.")
    missing = missing_prerequisites(course, user_id)
    if missing:
        message = _("First complete %(titles)s. Then you can join this course.")
        return escape(message) % {"titles": shown_titles(missing)}
    return None


# -- learning --------------------------------------------------------------------------------


def find_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )


def enrol(user: User, course: Course) -> tuple[Enrolment, bool]:
    """Enrol ``user`` in ``course`` after the server-side checks.

    :return: the enrolment and whether it is new (enrolling twice is harmless).
    :raises CourseError: with the reason the learner may not enrol.
    """
    existing = find_enrolment(user.id, course.id)
    if existing is not None:
        return existing, False
    reason = enrol_refusal(course, user.id)
    if reason:
        raise CourseError(reason)
    enrolment = Enrolment(user_id=user.id, course_id=course.id, enrolled_dt=utcnow())
    if not insert_unless_exists(enrolment):
        return find_enrolment(user.id, course.id), False
    audit.record(
        "courses.enrolment.created",
        subject_type="course",
        subject_id=course.slug,
        data={"user_id": user.id, "version": course.version},
    )
    send_signal(signals.enrolment_created, enrolment=enrolment_snapshot(enrolment, course))
    return enrolment, True


def enrolment_snapshot(enrolment: Enrolment, course: Course) -> EnrolmentSnapshot:
    """What a signal says of an enrolment: plain values that outlive the session."""
    return EnrolmentSnapshot(enrolment.id, enrolment.user_id, course.slug, course.version)


def touch_enrolment(enrolment: Enrolment, item: Item) -> None:
    """Note ``item`` as where the learner was last (Continue goes back to it)."""
    enrolment.last_item_id = item.id
    enrolment.last_activity_dt = utcnow()


def complete_lesson(enrolment: Enrolment, item: Item) -> bool:
    """Mark a lesson done. Idempotent: return whether this call recorded it.

    Completes the course in the same request when it was the last required item.
    """
    if item.course_id != enrolment.course_id or item.kind != KIND_LESSON:
        raise CourseError(_("This is not a lesson of your course."))
    lock_enrolment(enrolment)
    touch_enrolment(enrolment, item)
    exists = db.session.scalar(
        select(Progress.id).where(
            Progress.enrolment_id == enrolment.id, Progress.item_id == item.id
        )
    )
    created = exists is None and insert_unless_exists(
        Progress(enrolment_id=enrolment.id, item_id=item.id, completed_dt=utcnow())
    )
    if created:
        send_signal(
            signals.lesson_completed,
            enrolment=enrolment_snapshot(enrolment, enrolment.course),
            lesson_key=item.key,
            completed_dt=utcnow(),
        )
    check_completion(enrolment)
    return created


def check_completion(enrolment: Enrolment) -> Completion | None:
    """Record the completion of the course's current version, once, if every required item is done.

    Only the request that inserts the :class:`Completion` row sends
    ``course_completed``, so the signal fires once per learner and version.
    """
    course = enrolment.course
    if enrolment.completed_version == course.version:
        return None
    state = outline_for(enrolment)[0]
    if not state.completed:
        return None
    now = utcnow()
    completion = Completion(
        enrolment_id=enrolment.id,
        user_id=enrolment.user_id,
        course_id=course.id,
        course_version=course.version,
        completed_dt=now,
        final_score=state.final_score,
    )
    if not insert_unless_exists(completion):
        return None
    enrolment.completed_dt = now
    enrolment.completed_version = course.version
    user = db.session.get(User, enrolment.user_id)
    audit.record(
        "courses.course.completed",
        subject_type="course",
        subject_id=course.slug,
        data={"user_id": user.id, "version": course.version, "score": state.final_score},
    )
    send_signal(
        signals.course_completed,
        completion=CompletionSnapshot(
            enrolment_id=enrolment.id,
            user_id=user.id,
            display_name=user.display_name,
            email=user.email,
            course_slug=course.slug,
            course_title=course.title,
            course_language=course.language,
            course_version=course.version,
            completed_dt=now,
            final_score=state.final_score,
            outcomes=tuple(course.outcomes or ()),
            estimated_hours=course.estimated_hours,
            language=user.locale,
        ),
    )
    return completion
