"""The cohorts' writes: check, mutate, flush, send mail; never commit.

Places are counted under a lock: on PostgreSQL a transaction-scoped advisory
lock per cohort, on SQLite the database's write lock that every writing
request already holds. So parallel joins can never seat more learners than a
cohort has places.
"""

from __future__ import annotations

import hmac
from enum import Enum

from flask import render_template
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import audit, signals
from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.db import db, insert_unless_exists, is_unique_violation, lock_for_update, utcnow
from lms.i18n import in_language_of
from lms.mail import send_mail
from lms.permissions import ROLE_TUTOR

from .. import operations as course_ops
from ..models import STATUS_PUBLISHED, Course, Enrolment
from ..prerequisites import shown_titles, unmet_prerequisites
from .models import (
    Cohort,
    CohortAnnouncement,
    CohortMember,
    CohortTutor,
)
from .schedule import today

#: Advisory-lock namespace for a cohort's places on PostgreSQL.
_COHORT_LOCK = 0x48_0000_0000


class CohortError(course_ops.CourseError):
    """A request the cohort rules refuse; the message is shown to the user."""


def _lock_places(cohort: Cohort) -> None:
    lock_for_update(_COHORT_LOCK + cohort.id)


def member_count(cohort_id: int) -> int:
    return db.session.scalar(
        select(func.count(CohortMember.id)).where(CohortMember.cohort_id == cohort_id)
    )


def places_left(cohort: Cohort) -> int | None:
    """Free places, or ``None`` when the cohort has no limit."""
    if cohort.capacity is None:
        return None
    return max(cohort.capacity - member_count(cohort.id), 0)


# -- cohorts and tutors ----------------------------------------------------------------------


def save_cohort(cohort: Cohort) -> Cohort:
    """Add or update a cohort (fields populated by the form).

    :raises CohortError: the name or the enrolment key is taken in this
        course, or the capacity is below the learners already in it.
    """
    if cohort.id is not None and cohort.capacity is not None:
        _lock_places(cohort)
        seated = member_count(cohort.id)
        if cohort.capacity < seated:
            raise CohortError(
                ngettext(
                    "%(num)d learner is already in this group: the capacity cannot be"
                    " lower than that.",
                    "%(num)d learners are already in this group: the capacity cannot be"
                    " lower than that.",
                    seated,
                )
            )
    new = cohort.id is None
    if not insert_unless_exists(cohort):
        raise CohortError(
            _(
                "Another group of this course already has this name or this enrolment key."
                " Choose another."
            )
        )
    audit.record(
        "courses.cohort.created" if new else "courses.cohort.updated",
        subject_type="cohort",
        subject_id=cohort.id,
        data={
            "course_id": cohort.course_id,
            "name": cohort.name,
            "start": cohort.start_date.isoformat(),
            "end": cohort.end_date.isoformat(),
            "capacity": cohort.capacity,
        },
    )
    return cohort


def assign_tutor(cohort: Cohort, email: str) -> User:
    """Make the account with ``email`` a tutor of ``cohort`` (idempotent).

    :raises CohortError: no such account, or it does not hold the tutor role.
    """
    user = accounts.find_user_by_email(email)
    if user is None:
        raise CohortError(_("No account uses the email address %(email)s.", email=email))
    if not user.has_role(ROLE_TUTOR):
        raise CohortError(
            _(
                "%(name)s is not a tutor. An admin gives them the tutor role first, in the"
                " admin area.",
                name=user.display_name,
            )
        )
    if not insert_unless_exists(CohortTutor(cohort_id=cohort.id, user_id=user.id)):
        return user
    audit.record(
        "courses.cohort.tutor_assigned",
        subject_type="cohort",
        subject_id=cohort.id,
        data={"user_id": user.id},
    )
    return user


def remove_tutor(cohort: Cohort, user_id: int) -> bool:
    row = db.session.scalar(
        select(CohortTutor).where(
            CohortTutor.cohort_id == cohort.id, CohortTutor.user_id == user_id
        )
    )
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    audit.record(
        "courses.cohort.tutor_removed",
        subject_type="cohort",
        subject_id=cohort.id,
        data={"user_id": user_id},
    )
    return True


# -- joining ---------------------------------------------------------------------------------


def member_of(user_id: int, course_id: int) -> CohortMember | None:
    """The learner's membership of a cohort of ``course_id``, if any."""
    return db.session.scalar(
        select(CohortMember).where(
            CohortMember.user_id == user_id, CohortMember.course_id == course_id
        )
    )


def join_refusal(cohort: Cohort, course: Course) -> str | None:
    """Say why nobody can join ``cohort`` now, or ``None``."""
    if course.status != STATUS_PUBLISHED:
        return _("This course is not open to learners, so its groups cannot take anyone in.")
    if cohort.end_date < today():
        return _("This group finished on %(date)s.", date=format_date(cohort.end_date, "long"))
    return None


class JoinResult(Enum):
    JOINED = "joined"
    ALREADY = "already"


def join(cohort: Cohort, user: User, source: str) -> JoinResult:
    """Seat ``user`` in ``cohort`` (and enrol them in its course).

    Used by the enrolment key and by accepting an invitation.

    :raises CohortError: the cohort is full, finished or its course not
        open, the learner is in another group of the same course, or has not
        completed the course's prerequisites (:mod:`courses.prerequisites`).
    """
    course = cohort.course
    _lock_places(cohort)
    current = member_of(user.id, course.id)
    if current is not None:
        if current.cohort_id == cohort.id:
            return JoinResult.ALREADY
        raise CohortError(_("You are already in another group of this course."))
    reason = join_refusal(cohort, course)
    if reason:
        raise CohortError(reason)
    missing = unmet_prerequisites(course, [user.id]).get(user.id)
    if missing:
        # Markup, the courses named as the page names them (CourseError keeps it so).
        message = _("First complete %(titles)s. Then you can join this group.")
        raise CohortError(escape(message) % {"titles": shown_titles(missing)})
    if cohort.capacity is not None and member_count(cohort.id) >= cohort.capacity:
        raise CohortError(_("This group is full."))
    try:
        with db.session.begin_nested():
            _seat_many(cohort, course, [user], source)
    except IntegrityError as exc:
        # Only a parallel request for the same learner gets here (a join of another
        # group of this course, or a self-enrolment): the constraints keep one.
        if not is_unique_violation(exc):
            raise
        raise CohortError(_("You are already in another group of this course.")) from exc
    return JoinResult.JOINED


def cohort_by_key(course: Course, key: str) -> Cohort | None:
    """The cohort of ``course`` whose enrolment key is ``key`` (compared in constant time)."""
    key = key.strip()
    if not key:
        return None
    for cohort in db.session.scalars(
        select(Cohort).where(Cohort.course_id == course.id, Cohort.enrolment_key.is_not(None))
    ):
        if hmac.compare_digest(cohort.enrolment_key.encode(), key.encode()):
            return cohort
    return None


# -- announcements ---------------------------------------------------------------------------


def _posted_with(author_id: int, token: str) -> CohortAnnouncement | None:
    return db.session.scalar(
        select(CohortAnnouncement).where(
            CohortAnnouncement.author_id == author_id, CohortAnnouncement.submit_token == token
        )
    )


def post_announcement(
    cohort: Cohort, author: User, subject: str, body: str, token: str | None = None
) -> CohortAnnouncement:
    """Post to the cohort's dashboard and email every member.

    The same form sent again (the same ``token``: a double click, a resend after
    a slow answer) returns the first announcement, and nobody is emailed twice.
    Without a token (a script), every call posts.

    :raises lms.mail.MailError: SMTP is configured and refused (nothing is kept).
    """
    from ..markdown import render_markdown

    earlier = _posted_with(author.id, token) if token else None
    if earlier is not None:
        return earlier
    announcement = CohortAnnouncement(
        cohort_id=cohort.id,
        author_id=author.id,
        subject=subject.strip(),
        body_md=body,
        body_html=render_markdown(body),
        posted_dt=utcnow(),
        submit_token=token,
    )
    if not insert_unless_exists(announcement):
        # The same form, sent in parallel, was posted first (PostgreSQL; SQLite's write
        # lock makes the second request find it above).
        return _posted_with(author.id, token)
    members = db.session.scalars(
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, User.is_active_account.is_(True))
        .order_by(User.id)
    ).all()
    link = accounts.external_url("lms.home")
    for member in members:
        # Each member reads it in their own language, not the tutor's.
        with in_language_of(member.locale):
            send_mail(
                member.email,
                _("%(cohort)s: %(subject)s", cohort=cohort.name, subject=announcement.subject),
                render_template(
                    "courses/email/announcement.txt",
                    cohort=cohort,
                    announcement=announcement,
                    author=author,
                    member=member,
                    link=link,
                ),
            )
    audit.record(
        "courses.cohort.announced",
        subject_type="cohort",
        subject_id=cohort.id,
        data={"announcement_id": announcement.id, "recipients": len(members)},
    )
    return announcement


# -- seating -------------------------------------------------------------------------------


def _seat_many(cohort: Cohort, course: Course, users: list[User], source: str) -> None:
    """Seat learners known not to be in a group of the course yet (the caller holds the lock).

    Their enrolments are made where missing; one flush each for the
    enrolments and the memberships, one for the audit events. Every way into a
    group ends here, so the prerequisites are checked here once more, whatever
    the caller checked before: nobody is seated past an unmet prerequisite.

    :raises CohortError: someone has not completed the course's prerequisites.
    """
    if not users:
        return
    ids = [u.id for u in users]
    unmet = unmet_prerequisites(course, ids)
    if unmet:
        raise CohortError(
            _(
                "%(num)d of these people have not completed the courses this one requires"
                " first. Nothing was changed.",
                num=len(unmet),
            )
        )
    enrolments = {
        e.user_id: e
        for e in db.session.scalars(
            select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id.in_(ids))
        )
    }
    now = utcnow()
    new = [Enrolment(user_id=i, course_id=course.id, enrolled_dt=now) for i in ids
           if i not in enrolments]
    db.session.add_all(new)
    db.session.flush()
    enrolments.update((e.user_id, e) for e in new)
    db.session.add_all(
        CohortMember(cohort_id=cohort.id, course_id=course.id, user_id=i,
                     enrolment_id=enrolments[i].id, source=source, joined_dt=now)
        for i in ids
    )
    db.session.flush()
    audit.record_many(
        [
            audit.Event("courses.enrolment.created", "course", course.slug,
                        {"user_id": e.user_id, "version": course.version})
            for e in new
        ]
        + [
            audit.Event("courses.cohort.joined", "cohort", cohort.id,
                        {"user_id": i, "source": source})
            for i in ids
        ]
    )
    for enrolment in new:
        course_ops.send_signal(
            signals.enrolment_created,
            enrolment=course_ops.enrolment_snapshot(enrolment, course),
        )
