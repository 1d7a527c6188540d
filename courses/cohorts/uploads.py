"""Bulk enrolment by file: plan every row's fate, then apply the plan all or nothing.

People new to the site get an account without a password and an emailed
link to set one, and join the group at once, as before. People who already
have an account are **invited** (:mod:`.invitations`): they join only if they
accept. Anyone who has not completed the course's prerequisites is **held
back** (:mod:`courses.prerequisites`), and the preview says so, row by row, in
plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from flask import current_app, render_template
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit
from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.db import db, utcnow
from lms.i18n import in_language_of
from lms.mail import send_mail, send_many

from ..prerequisites import held_back_reason, required_courses, unmet_prerequisites
from . import invitations
from .models import INVITATION_DECLINED, SOURCE_UPLOAD, Cohort, CohortMember, CohortUpload
from .operations import CohortError, _lock_places, _seat_many, join_refusal, places_left
from .roster_csv import RosterRow


class Fate(Enum):
    """What confirming an upload does with one row."""

    NEW_ACCOUNT = "new"
    INVITE = "invite"
    INVITED = "invited"
    DECLINED = "declined"
    HELD_BACK = "held-back"
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
    def held_back(self) -> list[PlannedRow]:
        """Rows left out because of the course's prerequisites (the others still apply)."""
        return [r for r in self.rows if r.fate is Fate.HELD_BACK]

    @property
    def can_apply(self) -> bool:
        return self.refusal is None and not self.problems

    @property
    def changes(self) -> int:
        return self.count(Fate.NEW_ACCOUNT) + self.count(Fate.INVITE)


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
    ids = [u.id for u in users.values()]
    memberships = {
        m.user_id: m.cohort_id
        for m in db.session.execute(
            select(CohortMember.user_id, CohortMember.cohort_id).where(
                CohortMember.course_id == course.id, CohortMember.user_id.in_(ids),
            )
        )
    } if users else {}
    unmet = unmet_prerequisites(course, ids)
    required = required_courses(course)
    invited = invitations.invitations_to(cohort.id, ids)
    now = utcnow()
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
        if user is not None:
            planned.append(_existing(row, user, cohort, memberships, unmet, invited, now))
            continue
        if required:
            planned.append(
                PlannedRow(row, Fate.HELD_BACK, held_back_reason(required, new_account=True))
            )
            continue
        if seats is not None:
            if seats <= 0:
                planned.append(
                    PlannedRow(
                        row, Fate.OVER_CAPACITY,
                        ngettext("Over capacity: the group has %(num)d place left.",
                                 "Over capacity: the group has %(num)d places left.", left),
                    )
                )
                continue
            seats -= 1
        planned.append(
            PlannedRow(row, Fate.NEW_ACCOUNT, _("New account: an invitation will be emailed."))
        )
    return Plan(planned, left, join_refusal(cohort, course))


def _existing(row, user, cohort, memberships, unmet, invited, now) -> PlannedRow:
    """The fate of a row naming an existing account: never a member straight away."""
    if memberships.get(user.id) == cohort.id:
        return PlannedRow(row, Fate.ALREADY, _("Already in this group: nothing to do."), user.id)
    if user.id in memberships:
        return PlannedRow(row, Fate.OTHER_COHORT, _("Already in another group of this course."),
                          user.id)
    if not user.is_active:
        return PlannedRow(row, Fate.INACTIVE, _("This account is switched off."), user.id)
    if user.id in unmet:
        return PlannedRow(row, Fate.HELD_BACK, held_back_reason(unmet[user.id]), user.id)
    invitation = invited.get(user.id)
    if invitation is not None and invitation.status == INVITATION_DECLINED:
        return PlannedRow(row, Fate.DECLINED,
                          _("Declined an invitation to this group: not asked again."), user.id)
    if invitation is not None and invitation.is_open(now):
        return PlannedRow(
            row, Fate.INVITED,
            _("Already invited: waiting for their answer (until %(date)s).",
              date=format_date(invitation.expires_dt, "long")),
            user.id,
        )
    return PlannedRow(
        row, Fate.INVITE,
        _("Existing account: will be invited to join. They join, and you see their progress,"
          " only if they accept."),
        user.id,
    )


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


def apply_upload(cohort: Cohort, upload: CohortUpload, uploader: User | None = None) -> Plan:
    """Apply a previewed upload, all or nothing.

    The fates are worked out again under the cohort's lock; if any row now
    has a problem nothing is changed and the new plan is returned for the
    tutor to see. New accounts have no password (hashing happens when the
    learner sets one), join the group and get an invitation link; existing
    accounts get an invitation to join the group; held-back rows are left
    out. Applying the same file again changes nothing.

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
        created = accounts.create_invited_users(
            [(p.row.email, p.row.name) for p in plan.rows if p.fate is Fate.NEW_ACCOUNT]
        )
    except accounts.AccountError as exc:
        raise CohortError(str(exc)) from exc
    _seat_many(cohort, course, created, SOURCE_UPLOAD)
    links = accounts.invitation_links(created)
    send_many([_cohort_email(cohort, u, links[u.id]) for u in created])
    invite_ids = [p.user_id for p in plan.rows if p.fate is Fate.INVITE]
    to_invite = (
        db.session.scalars(select(User).where(User.id.in_(invite_ids)).order_by(User.id)).all()
        if invite_ids else []
    )
    invitations.invite_many(cohort, to_invite, uploader)
    upload.applied_dt = utcnow()
    audit.record(
        "courses.cohort.upload_applied",
        subject_type="cohort",
        subject_id=cohort.id,
        data={
            "upload_id": upload.id,
            "new_accounts": len(created),
            "invited": len(to_invite),
            "held_back": len(plan.held_back),
            "already": plan.count(Fate.ALREADY),
        },
    )
    return plan


def _cohort_email(cohort: Cohort, user: User, link: str) -> tuple[str, str, str]:
    """The ``(to, subject, body)`` inviting a new account's owner to set a password.

    In the recipient's language (a new account has none yet: the site's), not the tutor's.
    """
    course = cohort.course
    tutors = ", ".join(t.user.display_name for t in cohort.tutors)
    with in_language_of(user.locale):
        body = render_template(
            "courses/email/cohort_invitation.txt", user=user, cohort=cohort, course=course,
            link=link, tutors=tutors, days=current_app.config["LMS_INVITATION_DAYS"],
        )
        return user.email, _("You are invited to %(course)s", course=course.title), body


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
