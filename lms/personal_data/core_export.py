"""The core's part of a person's export: a section for every table the core declares personal.

Each section names the declared tables it draws on (``ExportSection.tables``);
``tests/lms/personal_data/test_export.py`` walks the declarations and fails
when a table declared personal is in no section, so a table added later is
not left out of "Download my data".

The keyed fingerprints of sign-in addresses are exported as they are kept
(the site has only the fingerprint, never the address) with a note that says
what they are; the fingerprints of secrets (emailed links, API tokens) are
left out, as the secrets are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from .. import audit
from ..accounts.models import KnownAddress, User
from ..db import db
from ..jobs.models import Job
from ..mail import OutboxMessage
from ..notifications.models import Notification, NotificationPreference
from ..tokens import OneTimeToken
from .contract import ExportSection
from .models import DataRequest


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def export(user_id: int) -> list[ExportSection]:
    """Every section of the core about ``user_id`` (sections with no rows included)."""
    user = db.session.get(User, user_id)
    return [
        _profile(user), *_sign_in(user_id), _requests(user_id), _notices(user_id),
        _preferences(user_id), _api_tokens(user_id), *_platforms(user_id), _jobs(user_id),
        _mail(user), _events(user_id),
    ]


def _profile(user: User) -> ExportSection:
    return ExportSection("profile", _l("Your account"), tables=("lms_user", "lms_user_role"),
                         rows=[{
        "id": user.id, "email": user.email, "display_name": user.display_name,
        "locale": user.locale or "", "time_zone": user.time_zone or "",
        "created": _iso(user.created_dt),
        "last_sign_in": _iso(user.last_login_dt) or "",
        "roles": " ".join(sorted(user.role_names)),
    }])


def _sign_in(user_id: int) -> list[ExportSection]:
    addresses = ExportSection(
        "sign_in_places", _l("Where you signed in from"), tables=("lms_known_address",),
        note=_l("Each address you signed in from is kept only as a fingerprint: a keyed "
                "hash (HMAC-SHA-256 with the site's secret key) of the address, never the "
                "address itself. The site can tell that you sign in from the same place "
                "again, but not where that is."),
        rows=[{"fingerprint": a.address_digest, "last_sign_in": _iso(a.last_dt)}
              for a in db.session.scalars(select(KnownAddress)
                                          .where(KnownAddress.user_id == user_id)
                                          .order_by(KnownAddress.id))],
    )
    links = ExportSection(
        "emailed_links", _l("Links we sent you (password resets, invitations)"),
        tables=("lms_one_time_token",),
        note=_l("Only a fingerprint of each link is kept (its SHA-256 hash), to check the "
                "link when it is used; like the links themselves, it is left out here."),
        rows=[{"purpose": t.purpose, "sent": _iso(t.created_dt),
               "expires": _iso(t.expires_dt), "used": _iso(t.used_dt) or ""}
              for t in db.session.scalars(select(OneTimeToken)
                                          .where(OneTimeToken.user_id == user_id)
                                          .order_by(OneTimeToken.id))],
    )
    return [addresses, links]


def _requests(user_id: int) -> ExportSection:
    return ExportSection(
        "data_requests", _l("Your requests about your data"), tables=("lms_data_request",),
        rows=[{"kind": r.kind, "channel": r.channel, "state": r.state,
               "made": _iso(r.created_dt), "finished": _iso(r.finished_dt) or ""}
              for r in db.session.scalars(select(DataRequest)
                                          .where(DataRequest.user_id == user_id)
                                          .order_by(DataRequest.id))],
    )


def _notices(user_id: int) -> ExportSection:
    return ExportSection(
        "notifications", _l("Notices the site showed or sent you"),
        tables=("lms_notification",),
        rows=[{"when": _iso(n.created_dt), "kind": n.kind, "subject": n.subject,
               "text": n.body, "read": _iso(n.read_dt) or ""}
              for n in db.session.scalars(select(Notification)
                                          .where(Notification.user_id == user_id)
                                          .order_by(Notification.id))],
    )


def _preferences(user_id: int) -> ExportSection:
    return ExportSection(
        "notification_preferences", _l("How you chose to be told of each kind of notice"),
        tables=("lms_notification_preference",),
        rows=[{"kind": p.kind, "delivery": p.delivery, "changed": _iso(p.changed_dt)}
              for p in db.session.scalars(select(NotificationPreference)
                                          .where(NotificationPreference.user_id == user_id)
                                          .order_by(NotificationPreference.id))],
    )


def _api_tokens(user_id: int) -> ExportSection:
    from ..api.models import ApiToken

    return ExportSection(
        "api_tokens", _l("Your API tokens (never the tokens themselves)"),
        tables=("lms_api_token",),
        rows=[{"name": t.name, "starts_with": t.prefix, "scopes": t.scopes,
               "made": _iso(t.created_dt), "expires": _iso(t.expires_dt),
               "revoked": _iso(t.revoked_dt) or ""}
              for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                          .order_by(ApiToken.id))],
    )


def _platforms(user_id: int) -> list[ExportSection]:
    """The learning platforms (LTI) the person came from, and what is kept of each."""
    from ..lti.models import (
        LtiAccount,
        LtiContext,
        LtiContextTeacher,
        LtiGradeLink,
        LtiGroupLink,
        LtiLaunch,
        LtiPlatform,
    )

    accounts = db.session.execute(
        select(LtiAccount, LtiPlatform.name, LtiPlatform.issuer)
        .join(LtiPlatform, LtiPlatform.id == LtiAccount.platform_id)
        .where(LtiAccount.user_id == user_id).order_by(LtiAccount.id)).all()
    linked = ExportSection(
        "platform_accounts", _l("Your accounts on learning platforms linked to this one"),
        tables=("lms_lti_account",),
        rows=[{"platform": name, "your_id_there": a.subject, "linked": _iso(a.linked_dt)}
              for a, name, _issuer in accounts],
    )
    # A launch carries no account id: it is the person's when its issuer and subject are
    # one of their linked accounts'.
    theirs = [and_(LtiLaunch.data["iss"].as_string() == issuer,
                   LtiLaunch.data["sub"].as_string() == a.subject)
              for a, _name, issuer in accounts]
    launches = ExportSection(
        "platform_launches", _l("What your learning platform sent when you followed its link"),
        tables=("lms_lti_launch",),
        rows=[{"when": _iso(launch.created_dt), "sent": launch.data}
              for launch in db.session.scalars(
                  select(LtiLaunch).where(or_(*theirs)).order_by(LtiLaunch.id))
              ] if theirs else [],
    )
    grades = ExportSection(
        "platform_grade_links",
        _l("Where your course grades go back to on a learning platform"),
        tables=("lms_lti_grade_link",),
        rows=[{"platform": name, "your_id_there": g.subject, "course": g.course_path,
               "grade_goes_to": (g.ags or {}).get("lineitem", "") if isinstance(g.ags, dict)
               else "", "updated": _iso(g.updated_dt)}
              for g, name in db.session.execute(
                  select(LtiGradeLink, LtiPlatform.name)
                  .join(LtiPlatform, LtiPlatform.id == LtiGradeLink.platform_id)
                  .where(LtiGradeLink.user_id == user_id).order_by(LtiGradeLink.id))],
    )
    taught = ExportSection(
        "platform_courses_taught",
        _l("Courses on a learning platform you launched from as their teacher"),
        tables=("lms_lti_context_teacher",),
        rows=[{"platform": name, "course_there": c.title, "course_id_there": c.context_id}
              for c, name in db.session.execute(
                  select(LtiContext, LtiPlatform.name)
                  .join(LtiContextTeacher, LtiContextTeacher.context_id == LtiContext.id)
                  .join(LtiPlatform, LtiPlatform.id == LtiContext.platform_id)
                  .where(LtiContextTeacher.user_id == user_id).order_by(LtiContextTeacher.id))],
    )
    groups = ExportSection(
        "platform_group_links", _l("Groups you linked to a learning platform's course"),
        tables=("lms_lti_group_link",),
        rows=[{"group_id": g.cohort_id, "platform": name, "course_there": title,
               "linked": _iso(g.linked_dt)}
              for g, title, name in db.session.execute(
                  select(LtiGroupLink, LtiContext.title, LtiPlatform.name)
                  .join(LtiContext, LtiContext.id == LtiGroupLink.context_id)
                  .join(LtiPlatform, LtiPlatform.id == LtiContext.platform_id)
                  .where(LtiGroupLink.linked_by_id == user_id).order_by(LtiGroupLink.id))],
    )
    return [linked, launches, grades, taught, groups]


def _jobs(user_id: int) -> ExportSection:
    return ExportSection(
        "background_work", _l("Background work you started"), tables=("lms_job",),
        rows=[{"task": j.name, "state": j.state, "started": _iso(j.created_dt),
               "finished": _iso(j.finished_dt) or "", "message": j.message or ""}
              for j in db.session.scalars(select(Job).where(Job.created_by_id == user_id)
                                          .order_by(Job.id))],
    )


def _mail(user: User) -> ExportSection:
    return ExportSection(
        "emails", _l("Emails the site wrote to you"), tables=("lms_outbox_message",),
        rows=[{"written": _iso(m.created_dt), "subject": m.subject, "status": m.status,
               "body": m.body}
              for m in db.session.scalars(select(OutboxMessage)
                                          .where(OutboxMessage.recipient == user.email)
                                          .order_by(OutboxMessage.id))],
    )


def _events(user_id: int) -> ExportSection:
    about = or_(audit.AuditEvent.actor_id == user_id,
                (audit.AuditEvent.subject_type == "user")
                & (audit.AuditEvent.subject_id == str(user_id)))
    return ExportSection(
        "audit_events", _l("Audit log entries by you or about you"), tables=("lms_audit_event",),
        rows=[{"when": _iso(e.occurred_dt), "action": e.action,
               "by_you": e.actor_id == user_id, "subject_type": e.subject_type or "",
               "subject_id": e.subject_id or "", "details": e.data,
               "personal_details": (e.personal or {}).get("fields", {})}
              for e in db.session.scalars(
                  select(audit.AuditEvent).where(about).order_by(audit.AuditEvent.id))],
    )
