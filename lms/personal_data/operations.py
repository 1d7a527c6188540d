"""Requests about a person's data: exports, closures, erasure runs and retention.

Writes only (check, mutate, flush); the view or the command commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .. import audit
from ..accounts.models import User, UserRole
from ..accounts.operations import external_url
from ..accounts.passwords import check_password
from ..db import db, utcnow
from ..i18n import in_language_of, zone_of
from ..jobs import enqueue
from ..mail import send_mail
from ..permissions import ROLE_ADMIN
from .archive import build_archive
from .drive import erase_user, export_user, is_erased
from .models import (
    CANCELLED,
    CLOSURE,
    DONE,
    EXPIRED,
    EXPORT,
    PENDING,
    READY,
    SITE,
    DataRequest,
    is_pending_closure,
)
from .registry import providers

EXPORT_TASK = "lms.personal_data.export"


class DataRequestError(ValueError):
    """A request that cannot be made as asked; the message says why, in the user's words."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- exports -----------------------------------------------------------------------------

def request_export(user: User, *, requested_by: User | None = None, channel: str = SITE,
                   note: str = "") -> DataRequest:
    """Record an export request and queue its preparation.

    :param requested_by: the admin recording a request received by post, email or in
        person; the link then goes to them, to pass on as the person asked.
    :raises DataRequestError: an admin recording a request for themselves.
    """
    if requested_by is not None and requested_by.id == user.id:
        raise DataRequestError(_("Ask for your own data on your own 'My data' page."))
    if requested_by is None and _open_export(user.id) is not None:
        # One at a time: each archive is a copy of everything, kept until used or expired.
        raise DataRequestError(_("Your data is already being prepared, or its link is in your "
                                 "email and still works. Use it, or wait until it expires."))
    request = DataRequest(kind=EXPORT, user_id=user.id, channel=channel, note=note.strip(),
                          requested_by_id=requested_by.id if requested_by else None,
                          state=PENDING)
    db.session.add(request)
    db.session.flush()
    job = enqueue(EXPORT_TASK, key=f"data-export:{request.id}",
                  created_by_id=(requested_by or user).id, request_id=request.id)
    request.job_id = job.id
    audit.record("lms.data.export_requested", subject_type="user", subject_id=user.id,
                 data={"request": request.id, "channel": channel})
    return request


def _open_export(user_id: int) -> DataRequest | None:
    """The person's own export still being prepared or waiting, unexpired, for its download."""
    return db.session.scalar(select(DataRequest).where(
        DataRequest.kind == EXPORT, DataRequest.user_id == user_id,
        DataRequest.requested_by_id.is_(None),
        (DataRequest.state == PENDING)
        | ((DataRequest.state == READY) & (DataRequest.due_dt > utcnow()))).limit(1))


def prepare_export(ctx, request_id: int) -> None:
    """The export task: build the archive, store it with a fresh link, email the link.

    Safe to run twice: a request already prepared (or no longer pending) is left alone.
    """
    request = db.session.get(DataRequest, request_id)
    if request is None or request.state != PENDING:
        return
    user = db.session.get(User, request.user_id)
    now = utcnow()
    person = {"id": user.id, "name": user.display_name, "email": user.email}
    # The archive is the person's, in their language and time zone, even when an admin
    # recorded the request and gets the link (the mail below is in the recipient's).
    # Sections are built inside the block too: their notes may be translated eagerly.
    with in_language_of(user.locale):
        sections = export_user(user.id)
        data = build_archive(person, sections, now, zone_of(user.time_zone))
    token = secrets.token_urlsafe(32)
    hours = current_app.config["LMS_DATA_EXPORT_HOURS"]
    request.archive, request.archive_size = data, len(data)
    request.token_hash, request.state = _digest(token), READY
    request.due_dt = now + dt.timedelta(hours=hours)
    recipient = db.session.get(User, request.requested_by_id) if request.requested_by_id else user
    link = external_url("personal_data.download", token=token)
    with in_language_of(recipient.locale):
        send_mail(recipient.email, _("Your data is ready to download"),
                  render_template("lms/personal_data/email/export_ready.txt", link=link,
                                  hours=hours, person=user, recipient=recipient))
    db.session.flush()


def export_for_token(token: str) -> DataRequest | None:
    """The export a download link is for, whatever its state (``None``: no such link)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(DataRequest).where(DataRequest.kind == EXPORT,
                                                       DataRequest.token_hash == _digest(token)))


def may_download(request: DataRequest, user) -> bool:
    """Only the person, or the admin who recorded the request for them."""
    return user.id == (request.requested_by_id or request.user_id)


def take_download(request: DataRequest, user_id: int) -> bytes | None:
    """Use a link once: the archive, which is then deleted (``None``: used or expired meanwhile).

    One ``UPDATE`` decides between two racing downloads: only one changes the row.
    """
    now = utcnow()
    data = db.session.scalar(select(DataRequest.archive).where(DataRequest.id == request.id))
    result = db.session.execute(
        update(DataRequest)
        .where(DataRequest.id == request.id, DataRequest.state == READY,
               DataRequest.due_dt > now)
        .values(state=DONE, finished_dt=now, archive=None)
    )
    if result.rowcount != 1 or data is None:
        return None
    audit.record("lms.data.exported", subject_type="user", subject_id=request.user_id,
                 data={"request": request.id}, actor_id=user_id)
    return data


def link_state(request: DataRequest) -> str:
    """``ready``, ``used`` or ``expired`` for a download page."""
    if request.state == READY and request.due_dt and request.due_dt > utcnow():
        return READY
    return "used" if request.state == DONE else EXPIRED


# --- closures ----------------------------------------------------------------------------

def pending_closure(user_id: int) -> DataRequest | None:
    return db.session.scalar(select(DataRequest).where(
        is_pending_closure(), DataRequest.user_id == user_id))


def request_closure(user: User, password: str, *, revoke_certificates: bool) -> DataRequest:
    """Close ``user``'s account after the grace period; end their sessions; email a receipt.

    :raises DataRequestError: wrong password, no password at all (an account made by a
        learning platform's launch or an invitation: its owner sets one first, through the
        emailed link that proves the address is theirs), or a closure already pending.
    """
    if user.password_hash is None:
        raise DataRequestError(_("Your account has no password yet. Set one first (we email "
                                 "you a link), then close your account with it."))
    if not check_password(user.password_hash, password):
        raise DataRequestError(_("Your password is not correct."))
    return _close(user, revoke_certificates=revoke_certificates)


def record_closure(user: User, *, requested_by: User, channel: str, note: str,
                   revoke_certificates: bool) -> DataRequest:
    """An admin records a closure the person asked for by post, email or in person.

    The same grace period, receipt and cancellation by signing in apply.

    :raises DataRequestError: for the admin's own account, or a closure already pending.
    """
    if requested_by.id == user.id:
        raise DataRequestError(_("Close your own account on your own 'My data' page."))
    return _close(user, revoke_certificates=revoke_certificates, requested_by=requested_by,
                  channel=channel, note=note)


def _close(user: User, *, revoke_certificates: bool, requested_by: User | None = None,
           channel: str = SITE, note: str = "") -> DataRequest:
    if pending_closure(user.id) is not None:
        raise DataRequestError(_("This account is already being closed."))
    if _last_admin(user):
        raise DataRequestError(_("This is the only administrator's account: closing it would "
                                 "leave nobody to run the site. Give another person the "
                                 "administrator role first."))
    days = current_app.config["LMS_CLOSURE_GRACE_DAYS"]
    request = DataRequest(kind=CLOSURE, user_id=user.id, channel=channel, state=PENDING,
                          note=note.strip(),
                          requested_by_id=requested_by.id if requested_by else None,
                          due_dt=utcnow() + dt.timedelta(days=days),
                          revoke_certificates=revoke_certificates)
    db.session.add(request)
    user.end_all_sessions()
    db.session.flush()
    audit.record("lms.data.closure_requested", subject_type="user", subject_id=user.id,
                 data={"request": request.id, "revoke_certificates": revoke_certificates,
                       "channel": channel},
                 actor_id=(requested_by or user).id)
    with in_language_of(user.locale):
        send_mail(user.email, _("We will close your account"),
                  render_template("lms/personal_data/email/closure_receipt.txt", user=user,
                                  request=request, days=days,
                                  login=external_url("accounts.login")))
    return request


def _last_admin(user: User) -> bool:
    """Whether ``user`` is an admin and no other admin would remain after the closures
    already pending (erasure takes every role, as revoking the role must leave one)."""
    if not user.has_role(ROLE_ADMIN):
        return False
    closing = select(DataRequest.user_id).where(is_pending_closure())
    others = db.session.scalar(
        select(func.count()).select_from(UserRole)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role == ROLE_ADMIN, UserRole.user_id != user.id,
               User.is_active_account.is_(True), UserRole.user_id.not_in(closing)))
    return not others


def cancel_closure_on_sign_in(user: User) -> bool:
    """Signing in during the grace period calls the closure off; return whether it did."""
    request = pending_closure(user.id)
    if request is None:
        return False
    request.state, request.finished_dt = CANCELLED, utcnow()
    db.session.flush()
    audit.record("lms.data.closure_cancelled", subject_type="user", subject_id=user.id,
                 data={"request": request.id}, actor_id=user.id)
    return True


def due_closures(now: dt.datetime | None = None) -> list[int]:
    """Ids of closure requests whose grace period is over, oldest first."""
    return list(db.session.scalars(
        select(DataRequest.id).where(is_pending_closure(),
                                     DataRequest.due_dt <= (now or utcnow()))
        .order_by(DataRequest.due_dt, DataRequest.id)))


def carry_out_closure(request_id: int, now: dt.datetime | None = None) -> bool:
    """Erase the person of one due closure request and mark it done (caller commits).

    Safe to run again: a request no longer pending (cancelled meanwhile by a
    sign-in, or already done) is left alone, and the erasure itself skips an
    account already erased.
    """
    now = now or utcnow()
    request = db.session.scalar(
        select(DataRequest).where(DataRequest.id == request_id).with_for_update())
    if request is None or request.state != PENDING or request.due_dt > now:
        return False
    user = db.session.get(User, request.user_id)
    if not is_erased(user):
        erase_user(user.id, revoke_certificates=request.revoke_certificates, now=now)
    request.state, request.finished_dt = DONE, now
    db.session.flush()
    audit.record("lms.data.erased", subject_type="user", subject_id=request.user_id,
                 data={"request": request.id}, actor_id=None)
    return True


# --- retention ---------------------------------------------------------------------------

def retention_rules(app=None):
    """Every package's retention rules, in registration order."""
    return [rule for p in providers(app or current_app) for rule in p.retention]


def run_retention(now: dt.datetime | None = None) -> dict[str, int]:
    """Apply every retention rule once (caller commits); what each one touched, by key."""
    now = now or utcnow()
    return {rule.key: rule.apply(now) for rule in retention_rules()}
