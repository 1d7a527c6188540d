"""Invitations to join a group, for people who already have an account.

A cohort upload that names an existing account does not put that person in
the group: it would hand the uploading tutor their progress and their
certificate for the course without their say. Instead the person is invited
(a page on the site and an email through the outbox), and only when they
accept do they join, through the same :func:`~.operations.join` as an
enrolment key (places, dates, other groups and prerequisites all checked
again). Until then no tutor reaches anything of theirs. Invitations expire
after ``LMS_INVITATION_DAYS``; inviting, accepting and declining are audited.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from flask import abort, current_app, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import bindparam, select

from lms import audit
from lms.accounts import operations as accounts
from lms.accounts.models import User
from lms.db import db, utcnow
from lms.directread import DirectRead
from lms.i18n import in_language_of
from lms.mail import send_many

from ..models import Course
from .models import (
    INVITATION_ACCEPTED,
    INVITATION_DECLINED,
    INVITATION_PENDING,
    SOURCE_UPLOAD,
    Cohort,
    CohortInvitation,
)
from .operations import CohortError, JoinResult, _lock_places, join


def lifetime() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["LMS_INVITATION_DAYS"])


def invitations_to(cohort_id: int, user_ids: list[int]) -> dict[int, CohortInvitation]:
    """The invitations to ``cohort_id`` of these people, by user id (one query)."""
    if not user_ids:
        return {}
    return {
        inv.user_id: inv
        for inv in db.session.scalars(
            select(CohortInvitation).where(
                CohortInvitation.cohort_id == cohort_id,
                CohortInvitation.user_id.in_(user_ids),
            )
        )
    }


def invite_many(cohort: Cohort, users: list[User], inviter: User | None) -> list[CohortInvitation]:
    """Invite ``users`` to ``cohort``: a new invitation, or a fresh one for an expired one.

    The caller has already left out members, pending and declined invitations
    (:func:`.uploads.plan_upload`). Each person gets an email; nothing else
    changes for them until they answer.
    """
    if not users:
        return []
    now = utcnow()
    expires = now + lifetime()
    known = invitations_to(cohort.id, [u.id for u in users])
    invitations = []
    for user in users:
        invitation = known.get(user.id)
        if invitation is None:
            invitation = CohortInvitation(cohort_id=cohort.id, user_id=user.id)
            db.session.add(invitation)
        invitation.invited_by_id = inviter.id if inviter else None
        invitation.status = INVITATION_PENDING
        invitation.invited_dt = now
        invitation.expires_dt = expires
        invitation.answered_dt = None
        invitations.append(invitation)
    db.session.flush()
    send_many([_invitation_email(cohort, inv, user) for inv, user in
               zip(invitations, users, strict=True)])
    audit.record_many(
        [
            audit.Event("courses.cohort.invited", "cohort", cohort.id,
                        {"user_id": inv.user_id, "invitation_id": inv.id,
                         "expires": inv.expires_dt.isoformat()})
            for inv in invitations
        ]
    )
    return invitations


def tell_of_new_course(cohort: Cohort) -> int:
    """Send the open invitations to ``cohort`` again, now that it studies another course.

    A group may change course until someone joins it (its edit form refuses the
    change after). Its pending invitations name the course as it is wherever the
    site shows them (read when shown), but their email named the course it was:
    each invitee who can still answer gets the invitation again, with the same
    link and answer-by date, so nobody accepts one course on the word of another.

    :return: how many were sent again.
    """
    # The form set course_id; the relationship still holds the course loaded before.
    db.session.expire(cohort, ["course"])
    pending = db.session.execute(
        select(CohortInvitation, User)
        .join(User, User.id == CohortInvitation.user_id)
        .where(
            CohortInvitation.cohort_id == cohort.id,
            CohortInvitation.status == INVITATION_PENDING,
            CohortInvitation.expires_dt > utcnow(),
        )
        .order_by(CohortInvitation.id)
    ).all()
    send_many([_invitation_email(cohort, invitation, user) for invitation, user in pending])
    if pending:
        audit.record_many(
            [
                audit.Event("courses.cohort.invitation_resent", "cohort", cohort.id,
                            {"user_id": invitation.user_id, "invitation_id": invitation.id,
                             "course_id": cohort.course_id})
                for invitation, _user in pending
            ]
        )
    return len(pending)


def _invitation_email(cohort: Cohort, invitation: CohortInvitation, user: User):
    """The invitation's ``(to, subject, body)``, in the invited person's language."""
    course = cohort.course
    tutors = ", ".join(t.user.display_name for t in cohort.tutors)
    link = accounts.external_url("courses_cohorts.invitation", invitation_id=invitation.id)
    with in_language_of(user.locale):
        body = render_template(
            "courses/email/cohort_join_invitation.txt",
            user=user, cohort=cohort, course=course, tutors=tutors,
            expires=invitation.expires_dt, link=link,
        )
        subject = _("You are invited to join the group “%(cohort)s” for %(course)s",
                    cohort=cohort.name, course=course.title)
    return user.email, subject, body


def open_invitations(user_id: int) -> list:
    """The invitations ``user_id`` can still answer, oldest first (one query).

    Rows of ``id``, ``expires_dt``, ``cohort_name`` and ``course_title``, read
    directly on the session's connection (:mod:`lms.directread`): every dashboard
    asks, nearly always to find none, and SQLAlchemy's execution machinery cost
    more than the query.
    """
    return _open_invitations_read().in_session(user_id=user_id, now=utcnow())


@cache
def _open_invitations_read() -> DirectRead:
    """The statement of :func:`open_invitations`, built once per process (building it
    cost more than running it)."""
    return DirectRead(
        select(
            CohortInvitation.id,
            CohortInvitation.expires_dt,
            Cohort.name.label("cohort_name"),
            Course.title.label("course_title"),
        )
        .join(Cohort, Cohort.id == CohortInvitation.cohort_id)
        .join(Course, Course.id == Cohort.course_id)
        .where(
            CohortInvitation.user_id == bindparam("user_id"),
            CohortInvitation.status == INVITATION_PENDING,
            CohortInvitation.expires_dt > bindparam("now"),
        )
        .order_by(CohortInvitation.invited_dt, CohortInvitation.id)
    )


def my_open_invitations() -> list:
    """For the dashboard slot (a template global): the current user's open invitations."""
    return open_invitations(current_user.id) if current_user.is_authenticated else []


def cohort_invitations(cohort_id: int) -> list[tuple[CohortInvitation, str]]:
    """The cohort's invitations not accepted, with the invitee's email (for its tutors).

    Only the address the tutor gave and the invitation's state: nothing of the
    person's own until they accept.
    """
    return [
        tuple(row)
        for row in db.session.execute(
            select(CohortInvitation, User.email)
            .join(User, User.id == CohortInvitation.user_id)
            .where(
                CohortInvitation.cohort_id == cohort_id,
                CohortInvitation.status != INVITATION_ACCEPTED,
            )
            .order_by(CohortInvitation.invited_dt.desc(), CohortInvitation.id.desc())
        )
    ]


def invitation_or_404(invitation_id: int, user: User) -> CohortInvitation:
    """The invitation ``invitation_id`` if it was sent to ``user``; 404 for anyone else."""
    invitation = db.session.get(CohortInvitation, invitation_id)
    if invitation is None or invitation.user_id != user.id:
        abort(404)
    return invitation


def _answerable(invitation: CohortInvitation) -> None:
    if invitation.status == INVITATION_ACCEPTED:
        raise CohortError(_("You have already accepted this invitation."))
    if invitation.status == INVITATION_DECLINED:
        raise CohortError(_("You declined this invitation. Ask the group's tutor if you"
                            " would like to be invited again."))
    if invitation.expires_dt <= utcnow():
        raise CohortError(_("This invitation expired on %(date)s. Ask the group's tutor to"
                            " invite you again.", date=format_date(invitation.expires_dt, "long")))


def accept(invitation: CohortInvitation, user: User) -> JoinResult:
    """Join the group as invited: from now on its tutors see the person's work in its course.

    :raises CohortError: the invitation is not open any more, or joining is
        refused (full, finished, another group, prerequisites): the message says why.
    """
    cohort = invitation.cohort
    _lock_places(cohort)
    # Answered in parallel? Read the row again under the lock.
    db.session.refresh(invitation)
    _answerable(invitation)
    result = join(cohort, user, SOURCE_UPLOAD)
    invitation.status = INVITATION_ACCEPTED
    invitation.answered_dt = utcnow()
    db.session.flush()
    audit.record("courses.cohort.invitation_accepted", subject_type="cohort",
                 subject_id=cohort.id, data={"user_id": user.id, "invitation_id": invitation.id})
    return result


def decline(invitation: CohortInvitation, user: User) -> None:
    """Say no: nothing of the person's reaches the group's tutors, and they are not asked again.

    :raises CohortError: the invitation is not open any more.
    """
    _lock_places(invitation.cohort)
    db.session.refresh(invitation)
    _answerable(invitation)
    invitation.status = INVITATION_DECLINED
    invitation.answered_dt = utcnow()
    db.session.flush()
    audit.record("courses.cohort.invitation_declined", subject_type="cohort",
                 subject_id=invitation.cohort_id,
                 data={"user_id": user.id, "invitation_id": invitation.id})
