"""The core's own personal data: accounts, roles, tokens, mail, jobs, the audit log, requests.

Its export is in :mod:`.core_export`.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, or_, select, update

from .. import audit
from ..accounts.models import KnownAddress, User, UserRole, new_session_token
from ..db import db
from ..jobs.models import Job
from ..mail import SENT, OutboxMessage
from ..notifications.models import Notification, NotificationPreference
from ..templating import hours_as_days
from ..tokens import OneTimeToken
from .contract import (
    CONSENT,
    CONTRACT,
    KEPT,
    LEGAL_OBLIGATION,
    LEGITIMATE_INTERESTS,
    PSEUDONYMISED,
    ErasureSubject,
    PersonalDataProvider,
    RetentionRule,
    TableDeclaration,
    not_personal,
)
from .core_export import export
from .models import DataRequest

TABLES = (
    TableDeclaration(
        "lms_user", _l("Your account: name, email address, language, sign-in times"),
        purpose=_l("To let you sign in, address you by name and write to you."),
        lawful_basis=CONTRACT,
        retention=_l("Until you close your account (and its grace period ends)."),
        personal=("email", "display_name", "password_hash", "locale", "time_zone",
                  "session_token", "last_login_dt", "created_dt"),
        other=("id", "is_active_account"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("Your name and email address are replaced by 'Former learner' and an "
                        "address that reaches nobody; the row stays so that kept records "
                        "(votes, progress) still add up."),
    ),
    TableDeclaration(
        "lms_user_role", _l("Your roles (learner, tutor, administrator)"),
        purpose=_l("To decide what you may do on the site."),
        retention=_l("Until you close your account."),
        personal=("user_id", "role", "granted_dt"), other=("id",),
    ),
    TableDeclaration(
        "lms_known_address", _l("Where you signed in from (a fingerprint of each address)"),
        purpose=_l("So that someone guessing your password elsewhere cannot lock you out: "
                   "attempts from where you signed in before are not held back. Only a keyed "
                   "fingerprint of each address is kept, never the address."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Until you close your account."),
        personal=("user_id", "address_digest", "last_dt"), other=("id",),
    ),
    TableDeclaration(
        "lms_one_time_token", _l("Links we sent you (password resets, invitations)"),
        purpose=_l("To check a link when you use it; only a fingerprint of it is kept."),
        retention=_l("Deleted 30 days after they are used or expire."),
        personal=("user_id", "token_hash", "created_dt", "expires_dt", "used_dt"),
        other=("id", "purpose"),
    ),
    TableDeclaration(
        "lms_api_token", _l("Your API tokens"),
        purpose=_l("To let the programs you gave a token read the API as you; only a "
                   "fingerprint of each token is kept."),
        retention=_l("Kept, revoked or expired, until you close your account."),
        personal=("user_id", "name", "scopes", "token_hash", "prefix", "created_dt",
                  "expires_dt", "revoked_dt"),
        other=("id",),
    ),
    TableDeclaration(
        "lms_lti_account", _l("Your accounts on learning platforms linked to this one"),
        purpose=_l("To sign you in when you follow a link from your learning platform."),
        retention=_l("Until you close your account."),
        personal=("user_id", "subject", "linked_dt"), other=("id", "platform_id"),
    ),
    TableDeclaration(
        "lms_lti_launch", _l("What your learning platform sent when you followed its link"),
        purpose=_l("To answer a teacher's choice of course (Deep Linking) to their platform."),
        retention=_l("Deleted a day after the launch."),
        personal=("data",), other=("id", "launch_id", "created_dt"),
    ),
    not_personal("lms_lti_platform", "id", "name", "issuer", "client_id", "auth_login_url",
                 "auth_token_url", "key_set_url", "deployment_ids", "created_dt"),
    not_personal("lms_lti_nonce", "id", "nonce", "used_dt"),
    TableDeclaration(
        "lms_lti_grade_link", _l("Where your course grades go back to on a learning platform"),
        purpose=_l("To send your grade to the platform's course you came from when you "
                   "complete the course here."),
        retention=_l("Until you close your account."),
        personal=("user_id", "subject"),
        other=("id", "platform_id", "course_path", "ags", "updated_dt"),
    ),
    not_personal("lms_lti_context", "id", "platform_id", "context_id", "title",
                 "memberships_url", "updated_dt"),
    TableDeclaration(
        "lms_lti_context_teacher", _l("Courses on a learning platform you launched from as "
                                      "their teacher"),
        purpose=_l("To let you link your groups here to those courses' class lists."),
        retention=_l("Until you close your account."),
        personal=("user_id",), other=("id", "context_id"),
    ),
    TableDeclaration(
        "lms_lti_group_link", _l("Groups you linked to a learning platform's course"),
        purpose=_l("To fill the group from the platform's class list."),
        retention=_l("Your name is taken off the link when you close your account."),
        personal=("linked_by_id", "linked_dt"), other=("id", "cohort_id", "context_id"),
    ),
    TableDeclaration(
        "lms_outbox_message", _l("Emails the site wrote to you"),
        purpose=_l("To send them, and to show administrators what was sent when something "
                   "goes wrong."),
        retention=_l("Deleted after the period in 'How long we keep things' below."),
        personal=("recipient", "subject", "body", "headers", "last_error"),
        other=("id", "created_dt", "status", "attempts", "sent_dt"),
    ),
    TableDeclaration(
        "lms_audit_event", _l("The audit log: what was done, by whom, to what"),
        purpose=_l("To show who did what (issuing certificates, changing roles, casting a "
                   "vote, never its content in a secret ballot), so mistakes and abuse can be "
                   "found."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Kept for as long as the Centre exists; personal details in it are "
                     "erased when you close your account."),
        personal=("actor_id", "subject_id", "personal"),
        other=("id", "seq", "occurred_dt", "action", "subject_type", "data", "personal_digest",
               "prev_hash", "hash"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("Entries stay (the log is a chain that must not be broken), but the "
                        "personal details in them are erased and they point to your former, "
                        "nameless account."),
    ),
    TableDeclaration(
        "lms_job", _l("Background work started by you or about you"),
        purpose=_l("To run long tasks (exports, bulk certificates) and show their progress."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Finished jobs are deleted after 90 days."),
        personal=("created_by_id", "args", "message", "last_error"),
        other=("id", "name", "key", "state", "attempts", "max_attempts", "created_dt",
               "run_after_dt", "lease_until_dt", "finished_dt", "progress_done",
               "progress_total"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("Your email address and name are removed from their messages."),
    ),
    TableDeclaration(
        "lms_notification", _l("Notices the site showed or sent you"),
        purpose=_l("To tell you what happened (a reply, a new certificate, a ballot)."),
        retention=_l("Until you close your account."),
        personal=("user_id", "subject", "body", "link", "created_dt", "read_dt"),
        other=("id", "kind", "dedupe_key", "email_state"),
    ),
    TableDeclaration(
        "lms_notification_preference", _l("How you chose to be told of each kind of notice"),
        purpose=_l("To tell you only the way you asked."),
        lawful_basis=CONSENT,
        retention=_l("Until you close your account."),
        personal=("user_id", "kind", "delivery", "changed_dt"), other=("id",),
    ),
    TableDeclaration(
        "lms_data_request", _l("Your requests about your data (exports, closing your account)"),
        purpose=_l("To do what you asked, and to show that it was done."),
        lawful_basis=LEGAL_OBLIGATION,
        retention=_l("Kept, without your name or any note, as the record that your request "
                     "was carried out; exports are deleted once downloaded or expired."),
        personal=("user_id", "requested_by_id", "note", "token_hash", "archive"),
        other=("id", "kind", "channel", "state", "created_dt", "due_dt", "finished_dt",
               "revoke_certificates", "job_id", "archive_size"),
        on_closure=KEPT,
        closure_note=_l("The record that your account was closed, with its dates."),
    ),
)


def pseudonymous_email(user_id: int) -> str:
    """The address an erased account keeps: unique, reaching nobody (``.invalid`` is reserved)."""
    return f"erased-{user_id}@erased.invalid"


def erase(subject: ErasureSubject) -> None:
    """Erase the core's personal data of ``subject``; the account row stays, nameless."""
    user_id, email = subject.user_id, subject.email
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient == email))
    db.session.execute(delete(OneTimeToken).where(OneTimeToken.user_id == user_id))
    db.session.execute(delete(KnownAddress).where(KnownAddress.user_id == user_id))
    from ..api.models import ApiToken

    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
    from ..lti.models import LtiAccount

    db.session.execute(delete(LtiAccount).where(LtiAccount.user_id == user_id))
    from ..lti.models import LtiGradeLink

    db.session.execute(delete(LtiGradeLink).where(LtiGradeLink.user_id == user_id))
    from ..lti.models import LtiContextTeacher, LtiGroupLink

    db.session.execute(delete(LtiContextTeacher).where(LtiContextTeacher.user_id == user_id))
    db.session.execute(
        update(LtiGroupLink).where(LtiGroupLink.linked_by_id == user_id).values(linked_by_id=None)
    )
    db.session.execute(delete(UserRole).where(UserRole.user_id == user_id))
    db.session.execute(delete(Notification).where(Notification.user_id == user_id))
    db.session.execute(
        delete(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
    audit.erase_personal(user_id)
    for text_ in {email, subject.display_name} - {""}:
        for column in (Job.message, Job.last_error):
            _replace_in(column, text_, "[erased]")
    # Others' notices and mail name the person who acted ("Ada replied in ..."): they
    # keep their notice, which now names the pseudonym, as the thread itself does.
    for text_, replacement in ((email, "[erased]"), (subject.display_name, subject.pseudonym)):
        if text_:
            for column in (Notification.subject, Notification.body,
                           OutboxMessage.subject, OutboxMessage.body):
                _replace_in(column, text_, replacement)
    db.session.execute(
        update(DataRequest).where(DataRequest.user_id == user_id)
        .values(note="", token_hash=None, archive=None)
    )
    db.session.execute(
        update(User).where(User.id == user_id).values(
            email=pseudonymous_email(user_id), display_name=subject.pseudonym,
            password_hash=None, locale=None, time_zone=None, is_active_account=False,
            session_token=new_session_token(), last_login_dt=None,
        )
    )
    db.session.expire_all()


def _replace_in(column, text_: str, replacement: str) -> None:
    """Replace ``text_`` by ``replacement`` wherever ``column`` holds it (case-sensitive)."""
    db.session.execute(
        update(column.class_).where(column.contains(text_, autoescape=True))
        .values({column: func.replace(column, text_, replacement)})
    )


def _old_tokens(now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=30)
    return db.session.execute(
        delete(OneTimeToken).where(
            or_(OneTimeToken.used_dt < cutoff, OneTimeToken.expires_dt < cutoff)
        )
    ).rowcount


def _old_launches(now: dt.datetime) -> int:
    from ..lti.models import LtiLaunch, LtiNonce

    cutoff = now - dt.timedelta(days=1)
    done = db.session.execute(delete(LtiLaunch).where(LtiLaunch.created_dt < cutoff)).rowcount
    # A nonce older than its signature's ten minutes is refused anyway: its row can go.
    return done + db.session.execute(delete(LtiNonce).where(LtiNonce.used_dt < cutoff)).rowcount


def _outbox_days() -> int:
    return current_app.config["LMS_OUTBOX_RETENTION_DAYS"]


def _old_mail(now: dt.datetime) -> int:
    # Mail still waiting to be sent is never deleted: only what was kept or sent.
    cutoff = now - dt.timedelta(days=_outbox_days())
    return db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.created_dt < cutoff,
            OutboxMessage.status.in_(("kept", SENT, "failed")),
        )
    ).rowcount


def _old_jobs(now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=90)
    return db.session.execute(
        delete(Job).where(Job.state == "done", Job.finished_dt < cutoff)
    ).rowcount


def _expired_exports(now: dt.datetime) -> int:
    from .models import EXPIRED, EXPORT, READY

    return db.session.execute(
        update(DataRequest)
        .where(DataRequest.kind == EXPORT, DataRequest.state == READY, DataRequest.due_dt < now)
        .values(state=EXPIRED, archive=None, finished_dt=now)
    ).rowcount


#: Days after creation (and after its last invitation expired) that an account nobody
#: ever activated is erased.
UNACTIVATED_DAYS = 90


def _unactivated_accounts(now: dt.datetime) -> int:
    """Erase accounts made by invitation whose owner never set a password or signed in."""
    from ..accounts.operations import INVITATION_PURPOSE
    from .drive import erase_user

    cutoff = now - dt.timedelta(days=UNACTIVATED_DAYS)
    open_invitation = select(OneTimeToken.id).where(
        OneTimeToken.user_id == User.id, OneTimeToken.purpose == INVITATION_PURPOSE,
        OneTimeToken.expires_dt > cutoff)
    ids = db.session.scalars(
        select(User.id).where(User.password_hash.is_(None), User.last_login_dt.is_(None),
                              User.created_dt < cutoff, User.email.not_like("%@erased.invalid"),
                              ~open_invitation.exists())
    ).all()
    return sum(erase_user(user_id, now=now) for user_id in ids)


RETENTION = (
    RetentionRule("lms.unactivated", _l("Accounts made by invitation and never used"),
                  lambda: ngettext("%(num)d day after the last invitation expired",
                                   "%(num)d days after the last invitation expired",
                                   UNACTIVATED_DAYS),
                  _unactivated_accounts),
    RetentionRule("lms.tokens", _l("Used and expired sign-in links"),
                  lambda: _l("30 days after use or expiry"), _old_tokens),
    RetentionRule("lms.outbox", _l("Emails in the outbox"),
                  lambda: hours_as_days(_outbox_days() * 24), _old_mail),
    RetentionRule("lms.jobs", _l("Finished background jobs"), lambda: _l("90 days"),
                  _old_jobs),
    RetentionRule("lms.lti", _l("Learning platforms' launches and used nonces"),
                  lambda: _l("a day"), _old_launches),
    RetentionRule("lms.exports", _l("Prepared data exports"),
                  lambda: _l("%(period)s, or until downloaded", period=hours_as_days(
                      current_app.config["LMS_DATA_EXPORT_HOURS"])),
                  _expired_exports),
)

PROVIDER = PersonalDataProvider(
    owner="lms", tables=TABLES, export=export, erase=erase, retention=RETENTION,
)
