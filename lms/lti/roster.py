"""Names and Role Provisioning Services: fill a group here from a platform's class list.

A launch that carries the NRPS claim tells where the platform's course ("context")
keeps its class list; :func:`remember_context` keeps that address and, when the person
launching is the course's instructor, that they teach it. Such a teacher who tutors a
group here (or an admin) links the group to the platform's course and fills it:

1. :func:`fetch_members` reads the class list through pylti1p3's service connector
   (an access token asked for with a client assertion signed by the tool's key), page
   by page, following ``Link: <...>; rel="next"``.
2. :func:`plan` matches each member by the platform's user id (``user_id``, the
   launch's ``sub``) to the accounts linked to that platform (:class:`LtiAccount`),
   and asks the cohorts' provider (:class:`lms.contracts.CohortSeating`) what adding
   the matched learners would do. Nobody is matched by email address and no account is
   made: a person who never followed the platform's link has not agreed to be known
   here, so they are listed as "not linked yet"; they join on a later fill, once they
   have launched and linked their account (with consent, as on every first launch).
3. Confirming seats the previewed people (those still able to join then) through the
   same contract, and writes one audit entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import URLSafeTimedSerializer
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select

from ..db import db, insert_unless_exists, utcnow
from ..forms import BIDI_CONTROLS
from .models import LtiAccount, LtiContext, LtiContextTeacher, LtiPlatform

NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CONTEXT = "https://purl.imsglobal.org/spec/lti/claim/context"
ROLES = "https://purl.imsglobal.org/spec/lti/claim/roles"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
LEARNER, INSTRUCTOR = LIS + "Learner", LIS + "Instructor"
#: A platform that keeps sending "next" is stopped here (a class list of 200 pages).
MAX_PAGES = 200
#: How long a preview may be confirmed.
PREVIEW_SECONDS = 30 * 60
_NEXT = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?', re.IGNORECASE)


def launch_context(data: dict[str, Any]) -> dict[str, Any] | None:
    """The platform's course and class list address from a launch's claims, if it has both."""
    nrps, context = data.get(NRPS), data.get(CONTEXT)
    if not isinstance(nrps, dict) or not isinstance(context, dict):
        return None
    url, context_id = nrps.get("context_memberships_url"), context.get("id")
    if not isinstance(url, str) or not url or not context_id:
        return None
    roles = data.get(ROLES) or []
    return {
        "id": str(context_id)[:255], "title": str(context.get("title") or "")[:300],
        "url": url[:1000],
        "teacher": any(str(r) == INSTRUCTOR or str(r).endswith("#Instructor") for r in roles),
    }


def remember_context(platform_id: int, user_id: int, found: dict[str, Any] | None) -> None:
    """Keep the platform's course of a launch (its latest title and address) and its teacher."""
    if not found:
        return
    context = db.session.scalar(select(LtiContext).where(
        LtiContext.platform_id == platform_id, LtiContext.context_id == found["id"]))
    if context is None:
        context = LtiContext(platform_id=platform_id, context_id=found["id"])
        db.session.add(context)
    context.title, context.memberships_url, context.updated_dt = (
        found["title"], found["url"], utcnow())
    db.session.flush()
    if found["teacher"]:
        insert_unless_exists(LtiContextTeacher(context_id=context.id, user_id=user_id))


class RosterError(RuntimeError):
    """The platform did not give its class list; the message is shown to the tutor."""


def fetch_members(context: LtiContext) -> list[dict[str, Any]]:
    """Read the platform course's whole class list, page by page.

    pylti1p3 finds the next page in the ``Link`` header after lower-casing it, which
    breaks a platform's case-sensitive addresses; the header is read here instead.

    :raises RosterError: the platform refused or answered something else.
    """
    from pylti1p3.exception import LtiServiceException

    from .tool import _http, registration_of

    platform = db.session.get(LtiPlatform, context.platform_id)
    service = NamesRolesProvisioningService(
        ServiceConnector(registration_of(platform), _http()),
        {"context_memberships_url": context.memberships_url},
    )
    members: list[dict[str, Any]] = []
    url: str | None = context.memberships_url
    for _page in range(MAX_PAGES):
        try:
            data = service.get_nrps_data(url)
        except (LtiServiceException, ValueError, OSError) as exc:
            current_app.logger.info("NRPS refused for context %s: %s", context.id, exc)
            raise RosterError(_("%(platform)s did not give the class list. Try again later, "
                                "or ask its administrator to allow the Names and Roles "
                                "service for the Centre.", platform=platform.name)) from exc
        body = data.get("body")
        if not isinstance(body, dict) or not isinstance(body.get("members", []), list):
            raise RosterError(_("%(platform)s sent a class list the Centre cannot read.",
                                platform=platform.name))
        members.extend(m for m in body.get("members", []) if isinstance(m, dict))
        headers = {k.lower(): v for k, v in data.get("headers", {}).items()}
        found = _NEXT.search(headers.get("link", ""))
        url = found.group(1) if found else None
        if not url:
            return members
    raise RosterError(_("The class list is too long (more than %(num)d pages).",
                        num=MAX_PAGES))


#: What filling the group does with one member of the platform's class list.
ADD, ALREADY, REFUSED, NOT_LINKED, NOT_LEARNER = (
    "add", "already", "refused", "not-linked", "not-learner")


@dataclass(frozen=True)
class RosterRow:
    subject: str
    name: str
    fate: str
    message: str
    user_id: int | None = None


def _is_learner(member: dict[str, Any]) -> bool:
    roles = [str(r) for r in member.get("roles") or []]
    return any(r in (LEARNER, "Learner") or r.endswith("membership#Learner") for r in roles)


def plan(context: LtiContext, cohort_id: int, members: list[dict[str, Any]],
         seating) -> list[RosterRow]:
    """Each member's fate for the group ``cohort_id`` (reads only; a constant number of
    queries: one for the linked accounts, the seating's own for the cohort)."""
    seen: dict[str, dict[str, Any]] = {}
    for member in members:
        subject = str(member.get("user_id") or "")[:255]
        if subject and subject not in seen:
            seen[subject] = member
    linked = dict(db.session.execute(select(LtiAccount.subject, LtiAccount.user_id).where(
        LtiAccount.platform_id == context.platform_id,
        LtiAccount.subject.in_(list(seen)),
    )).all()) if seen else {}
    candidates = [linked[s] for s, m in seen.items()
                  if s in linked and _is_learner(m) and m.get("status", "Active") == "Active"]
    seating_plan = seating.plan_seating(cohort_id, candidates)
    added, already = set(seating_plan.to_add), set(seating_plan.already)
    rows = []
    for subject, member in seen.items():
        name = BIDI_CONTROLS.sub("", str(member.get("name") or " ".join(
            str(member.get(k) or "") for k in ("given_name", "family_name")).strip()))[:200]
        user_id = linked.get(subject)
        if not _is_learner(member):
            rows.append(RosterRow(subject, name, NOT_LEARNER,
                                  _("Not a learner on the platform: left out."), user_id))
        elif member.get("status", "Active") != "Active":
            rows.append(RosterRow(subject, name, NOT_LEARNER,
                                  _("No longer active on the platform: left out."), user_id))
        elif user_id is None:
            rows.append(RosterRow(subject, name, NOT_LINKED, _(
                "Has not opened the Centre from the platform yet, so no account here is "
                "theirs. Added on a later fill, once they have.")))
        elif user_id in already:
            rows.append(RosterRow(subject, name, ALREADY, _("Already in this group."), user_id))
        elif user_id in added:
            rows.append(RosterRow(subject, name, ADD, _("Will be added."), user_id))
        else:
            rows.append(RosterRow(subject, name, REFUSED,
                                  seating_plan.refused.get(user_id, ""), user_id))
    return rows


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms-lti-roster")


def sign_preview(cohort_id: int, context_id: int, subjects: list[str]) -> str:
    """The previewed people, signed: confirming adds no one the tutor did not see."""
    return _serializer().dumps({"cohort": cohort_id, "context": context_id,
                                "subjects": subjects})


def previewed(token: str, cohort_id: int, context_id: int) -> list[str] | None:
    """The subjects of a preview of this group and course, or ``None`` (changed or too old)."""
    from itsdangerous import BadSignature

    try:
        data = _serializer().loads(token, max_age=PREVIEW_SECONDS)
    except BadSignature:
        return None
    if data.get("cohort") != cohort_id or data.get("context") != context_id:
        return None
    return [str(s) for s in data.get("subjects", [])]


def linked_users(platform_id: int, subjects: list[str]) -> list[int]:
    """The accounts here linked to these platform users (one query)."""
    if not subjects:
        return []
    return list(db.session.scalars(select(LtiAccount.user_id).where(
        LtiAccount.platform_id == platform_id, LtiAccount.subject.in_(subjects))))
