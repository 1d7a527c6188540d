"""The cohorts' writes: check, mutate, flush, send mail; never commit.

Places are counted under a lock: on PostgreSQL a transaction-scoped advisory
lock per cohort, on SQLite the database's write lock that every writing
request already holds. So parallel joins can never seat more learners than a
cohort has places.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import Enum

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms import audit, signals
from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.db import db, is_unique_violation, lock_for_update, utcnow
from lms.mail import send_mail, send_many
from lms.permissions import ROLE_TUTOR

from .. import operations as course_ops
from ..models import STATUS_PUBLISHED, Course, Enrolment
from .models import (
    SOURCE_UPLOAD,
    Cohort,
    CohortAnnouncement,
    CohortMember,
    CohortTutor,
    CohortUpload,
)
from .roster_csv import RosterRow
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
                _(
                    "%(num)d learners are already in this group: the capacity cannot be"
                    " lower than that.",
                    num=seated,
                )
            )
    new = cohort.id is None
    if not course_ops._insert(cohort):
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
    if not course_ops._insert(CohortTutor(cohort_id=cohort.id, user_id=user.id)):
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
        return _("This group finished on %(date)s.", date=cohort.end_date.isoformat())
    return None


class JoinResult(Enum):
    JOINED = "joined"
    ALREADY = "already"


def join(cohort: Cohort, user: User, source: str) -> JoinResult:
    """Seat ``user`` in ``cohort`` (and enrol them in its course).

    :raises CohortError: the cohort is full, finished or its course not
        open, or the learner is in another group of the same course.
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


def post_announcement(cohort: Cohort, author: User, subject: str, body: str) -> CohortAnnouncement:
    """Post to the cohort's dashboard and email every member.

    :raises lms.mail.MailError: SMTP is configured and refused (nothing is kept).
    """
    from ..markdown import render_markdown

    announcement = CohortAnnouncement(
        cohort_id=cohort.id,
        author_id=author.id,
        subject=subject.strip(),
        body_md=body,
        body_html=render_markdown(body),
        posted_dt=utcnow(),
    )
    db.session.add(announcement)
    db.session.flush()
    members = db.session.scalars(
        select(User)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id, User.is_active_account.is_(True))
        .order_by(User.id)
    ).all()
    for member in members:
        send_mail(
            member.email,
            _("%(cohort)s: %(subject)s", cohort=cohort.name, subject=announcement.subject),
            render_template(
                "courses/email/announcement.txt",
                cohort=cohort,
                announcement=announcement,
                author=author,
                member=member,
                link=accounts.external_url("lms.home"),
            ),
        )
    audit.record(
        "courses.cohort.announced",
        subject_type="cohort",
        subject_id=cohort.id,
        data={"announcement_id": announcement.id, "recipients": len(members)},
    )
    return announcement


# -- bulk enrolment --------------------------------------------------------------------------


class Fate(Enum):
    """What confirming an upload does with one row."""

    NEW_ACCOUNT = "new"
    EXISTING = "existing"
    ALREADY = "already"
    REPEATED = "repeated"
    INVALID = "invalid"
    OTHER_COHORT = "other-cohort"
    INACTIVE = "inactive"
    OVER_CAPACITY = "over-capacity"

    @property
    def blocks(self) -> bool:
        """Rows with these fates stop the whole upload from being applied."""
        return self in (Fate.INVALID, Fate.OTHER_COHORT, Fate.INACTIVE, Fate.OVER_CAPACITY)


@dataclass(frozen=True)
class PlannedRow:
    row: RosterRow
    fate: Fate
    message: str
    user_id: int | None = None


@dataclass(frozen=True)
class Plan:
    rows: list[PlannedRow]
    places_left: int | None
    refusal: str | None = None

    def count(self, fate: Fate) -> int:
        return sum(1 for r in self.rows if r.fate is fate)

    @property
    def problems(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.fate.blocks]

    @property
    def can_apply(self) -> bool:
        return self.refusal is None and not self.problems

    @property
    def changes(self) -> int:
        return self.count(Fate.NEW_ACCOUNT) + self.count(Fate.EXISTING)


def plan_upload(cohort: Cohort, rows: list[RosterRow]) -> Plan:
    """Work out every row's fate against the cohort as it is now (reads only).

    A constant number of queries whatever the number of rows.
    """
    course = cohort.course
    emails = {r.email for r in rows if r.error is None}
    users = {
        u.email: u
        for u in db.session.scalars(select(User).where(User.email.in_(emails)))
    } if emails else {}
    memberships = {
        m.user_id: m.cohort_id
        for m in db.session.execute(
            select(CohortMember.user_id, CohortMember.cohort_id).where(
                CohortMember.course_id == course.id,
                CohortMember.user_id.in_([u.id for u in users.values()]),
            )
        )
    } if users else {}
    left = places_left(cohort)
    seats = left
    seen: dict[str, int] = {}
    planned = []
    for row in rows:
        if row.error is not None:
            planned.append(PlannedRow(row, Fate.INVALID, row.error))
            continue
        if row.email in seen:
            planned.append(
                PlannedRow(
                    row, Fate.REPEATED,
                    _("The same address as row %(row)d: counted once.", row=seen[row.email]),
                )
            )
            continue
        seen[row.email] = row.row_no
        user = users.get(row.email)
        if user is not None and memberships.get(user.id) == cohort.id:
            planned.append(
                PlannedRow(row, Fate.ALREADY, _("Already in this group: nothing to do."), user.id)
            )
            continue
        if user is not None and user.id in memberships:
            planned.append(
                PlannedRow(
                    row, Fate.OTHER_COHORT,
                    _("Already in another group of this course."), user.id,
                )
            )
            continue
        if user is not None and not user.is_active:
            planned.append(
                PlannedRow(row, Fate.INACTIVE, _("This account is switched off."), user.id)
            )
            continue
        if seats is not None:
            if seats <= 0:
                planned.append(
                    PlannedRow(
                        row, Fate.OVER_CAPACITY,
                        _("Over capacity: the group has %(num)d places left.", num=left),
                    )
                )
                continue
            seats -= 1
        if user is None:
            planned.append(
                PlannedRow(
                    row, Fate.NEW_ACCOUNT, _("New account: an invitation will be emailed.")
                )
            )
        else:
            planned.append(
                PlannedRow(row, Fate.EXISTING, _("Existing account: joins the group."), user.id)
            )
    return Plan(planned, left, join_refusal(cohort, course))


def store_upload(
    cohort: Cohort, uploader: User, filename: str, rows: list[RosterRow]
) -> CohortUpload:
    """Keep a parsed file until it is confirmed (or forgotten)."""
    upload = CohortUpload(
        cohort_id=cohort.id,
        uploaded_by_id=uploader.id,
        filename=filename[:255],
        rows=[r.as_json() for r in rows],
        uploaded_dt=utcnow(),
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def upload_rows(upload: CohortUpload) -> list[RosterRow]:
    return [RosterRow.from_json(r) for r in upload.rows]


def apply_upload(cohort: Cohort, upload: CohortUpload) -> Plan:
    """Apply a previewed upload, all or nothing.

    The fates are worked out again under the cohort's lock; if any row now
    has a problem nothing is changed and the new plan is returned for the
    tutor to see. New accounts have no password (hashing happens when the
    learner sets one) and get an invitation link; existing accounts get a
    note that they joined. Applying the same file again changes nothing.

    Written in bulk (a few statements for the whole file, not a few per
    row): a thousand rows take seconds, not minutes.

    :raises CohortError: the plan has problems (``exc.plan`` holds it).
    :raises lms.mail.MailError: SMTP refused; the caller rolls back.
    """
    _lock_places(cohort)
    plan = plan_upload(cohort, upload_rows(upload))
    if not plan.can_apply:
        error = CohortError(plan.refusal or _("Some rows have problems. Nothing was changed."))
        error.plan = plan
        raise error
    course = cohort.course
    try:
        invited = accounts.create_invited_users(
            [(p.row.email, p.row.name) for p in plan.rows if p.fate is Fate.NEW_ACCOUNT]
        )
    except accounts.AccountError as exc:
        raise CohortError(str(exc)) from exc
    existing_ids = [p.user_id for p in plan.rows if p.fate is Fate.EXISTING]
    existing = (
        db.session.scalars(select(User).where(User.id.in_(existing_ids))).all()
        if existing_ids else []
    )
    _seat_many(cohort, course, [*invited, *existing], SOURCE_UPLOAD)
    links = accounts.invitation_links(invited)
    send_many([_cohort_email(cohort, u, links.get(u.id)) for u in [*invited, *existing]])
    upload.applied_dt = utcnow()
    audit.record(
        "courses.cohort.upload_applied",
        subject_type="cohort",
        subject_id=cohort.id,
        data={
            "upload_id": upload.id,
            "new_accounts": len(invited),
            "existing": len(existing),
            "already": plan.count(Fate.ALREADY),
        },
    )
    return plan


def _cohort_email(cohort: Cohort, user: User, link: str | None) -> tuple[str, str, str]:
    """The ``(to, subject, body)`` telling ``user`` they are in ``cohort``.

    :param link: their invitation link (an account made for them), or ``None``
        for someone who already has a password: they get the course's address.
    """
    course = cohort.course
    tutors = ", ".join(t.user.display_name for t in cohort.tutors)
    if link is None:
        subject = _("You have joined a group for %(course)s", course=course.title)
        template = "courses/email/cohort_added.txt"
        link = accounts.external_url("courses.course_page", slug=course.slug)
    else:
        subject = _("You are invited to %(course)s", course=course.title)
        template = "courses/email/cohort_invitation.txt"
    body = render_template(
        template, user=user, cohort=cohort, course=course, link=link, tutors=tutors,
        days=current_app.config["LMS_INVITATION_DAYS"],
    )
    return user.email, subject, body


def _seat_many(cohort: Cohort, course: Course, users: list[User], source: str) -> None:
    """Seat learners known not to be in a group of the course yet (the caller holds the lock).

    Their enrolments are made where missing; one flush each for the
    enrolments and the memberships, one for the audit events.
    """
    if not users:
        return
    ids = [u.id for u in users]
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
        course_ops._send(
            signals.enrolment_created,
            enrolment=course_ops._enrolment_snapshot(enrolment, course),
        )


def resend_invitation(cohort: Cohort, user: User) -> None:
    """Send a member who has not set a password yet a fresh invitation link.

    :raises CohortError: the account already has a password (they can log in
        or reset it themselves).
    """
    if user.password_hash is not None:
        raise CohortError(
            _("%(name)s has already set a password and can log in.", name=user.display_name)
        )
    send_mail(*_cohort_email(cohort, user, accounts.invitation_link(user)))
    audit.record(
        "courses.cohort.invitation_resent",
        subject_type="cohort",
        subject_id=cohort.id,
        data={"user_id": user.id},
    )
