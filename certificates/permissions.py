"""The certificates plugin's permissions and the one object-level rule for certificates.

A certificate's PDF and credential are for its owner, the learner's tutors for
that course, and admins. Which learners a tutor reaches, in which course, is
decided by the core's one rule, :func:`lms.scope.tutor_scope`: the learners of
the cohorts they tutor, for the cohort's course only (a tutor of a group for
course X never sees the same learner's certificate for course Y). Every
listing goes through :func:`visible_certificates`.

Amending a certificate (correct, re-render, revoke) and bulk actions (issue
the missing certificates, re-render the PDFs of a course or a cohort) are
the powers of the Centre's certificate officers and admins, each a named
permission; tutors hold none of them. Nobody amends, revokes or issues a
certificate whose holder is themselves (:func:`own_certificate_refusal`,
checked by the operations themselves, so every path obeys it).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, or_, select

from lms.contracts import CohortRoster
from lms.permissions import ROLE_CERTIFICATE_OFFICER, ROLE_TUTOR, has_permission
from lms.plugins import cohort_directory
from lms.scope import tutor_scope

from .models import Certificate

#: See the certificates of one's own learners (tutors).
CERTIFICATES_VIEW_ANY = "certificates:certificate:view_any"
#: See every certificate (admins, certificate officers).
CERTIFICATES_VIEW_ALL = "certificates:certificate:view_all"
#: Issue a corrected certificate (the holder's name only) and revoke the old one.
CERTIFICATES_CORRECT = "certificates:certificate:correct"
#: Render a new PDF of the same credential.
CERTIFICATES_RERENDER = "certificates:certificate:rerender"
#: Revoke a certificate.
CERTIFICATES_REVOKE = "certificates:certificate:revoke"
#: Issue missing certificates and re-render PDFs for a whole course or a cohort.
CERTIFICATES_BULK = "certificates:certificate:bulk"
CERTIFICATES_SETTINGS = "certificates:settings:edit"

#: The powers that change what a certificate says or whether it stands.
AMENDING = (CERTIFICATES_CORRECT, CERTIFICATES_RERENDER, CERTIFICATES_REVOKE, CERTIFICATES_BULK)

_OFFICER = (ROLE_CERTIFICATE_OFFICER,)

#: Permission -> roles granted it (admins hold every permission). Tutors see their
#: learners' certificates and amend none.
GRANTS: dict[str, tuple[str, ...]] = {
    CERTIFICATES_VIEW_ANY: (ROLE_TUTOR, ROLE_CERTIFICATE_OFFICER),
    CERTIFICATES_VIEW_ALL: _OFFICER,
    CERTIFICATES_CORRECT: _OFFICER,
    CERTIFICATES_RERENDER: _OFFICER,
    CERTIFICATES_REVOKE: _OFFICER,
    CERTIFICATES_BULK: _OFFICER,
    CERTIFICATES_SETTINGS: (),
}


def own_certificate_refusal(holder_id: int | None, actor_id) -> str | None:
    """Why ``actor_id`` may not amend, revoke or issue a certificate held by
    ``holder_id``, or None when they may.

    Nobody acts on their own record: a person's certificate is changed only by
    someone else. ``actor_id`` None or True is the system (a completion, the CLI).
    """
    if isinstance(actor_id, int) and not isinstance(actor_id, bool) and holder_id == actor_id:
        return _("This certificate is your own: another certificate officer must amend, "
                 "revoke or issue it.")
    return None


def may_amend(cert: Certificate, permission: str, user=None) -> bool:
    """Tell whether ``user`` holds ``permission`` and ``cert`` is not their own."""
    user = current_user if user is None else user
    return has_permission(user, permission) and cert.user_id != user.id


def can_see(cert: Certificate, user=None) -> bool:
    """Tell whether ``user`` (default: the current user) may download ``cert``."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return False
    if cert.user_id == user.id or has_permission(user, CERTIFICATES_VIEW_ALL):
        return True
    return has_permission(user, CERTIFICATES_VIEW_ANY) and tutor_scope(user).covers(
        cert.user_id, cert.course_slug
    )


def visible_certificates(user=None) -> Select:
    """The certificates ``user`` may see: all for admins; for tutors, their own and their
    learners' for the course of the learner's cohort; for learners, their own."""
    user = current_user if user is None else user
    query = select(Certificate)
    if has_permission(user, CERTIFICATES_VIEW_ALL):
        return query
    if has_permission(user, CERTIFICATES_VIEW_ANY):
        scope = tutor_scope(user)
        return query.where(
            or_(
                Certificate.user_id == user.id,
                scope.where(Certificate.user_id, Certificate.course_slug),
            )
        )
    return query.where(Certificate.user_id == user.id)


def may_bulk_courses(user=None) -> bool:
    """Tell whether ``user`` may act on a whole course in bulk (admins and certificate
    officers, who see every certificate)."""
    user = current_user if user is None else user
    return has_permission(user, CERTIFICATES_BULK) and has_permission(
        user, CERTIFICATES_VIEW_ALL
    )


def bulk_cohorts(user=None) -> list[CohortRoster]:
    """The cohorts ``user`` may act on in bulk: every cohort for admins and certificate
    officers, none for anyone else or without a cohort directory."""
    user = current_user if user is None else user
    directory = cohort_directory(current_app)
    if directory is None or not has_permission(user, CERTIFICATES_BULK):
        return []
    if may_bulk_courses(user):
        return directory.cohorts_of(None)
    return list(tutor_scope(user).cohorts)


def bulk_cohort(cohort_id: int, user=None) -> CohortRoster | None:
    """The cohort ``cohort_id`` if ``user`` may act on it in bulk, else None (as if it
    did not exist)."""
    user = current_user if user is None else user
    directory = cohort_directory(current_app)
    if directory is None or not has_permission(user, CERTIFICATES_BULK):
        return None
    if may_bulk_courses(user):
        return directory.roster(cohort_id)
    return tutor_scope(user).cohort(cohort_id)
