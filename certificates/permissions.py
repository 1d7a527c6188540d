"""The certificates plugin's permissions and the one object-level rule for certificates.

A certificate's PDF and credential are for its owner, the learner's tutors for
that course, and admins. Which learners a tutor reaches, in which course, is
decided by the core's one rule, :func:`lms.scope.tutor_scope`: the learners of
the cohorts they tutor, for the cohort's course only (a tutor of a group for
course X never sees the same learner's certificate for course Y). Every
listing goes through :func:`visible_certificates`.

Bulk actions (issue the missing certificates, re-render the PDFs) act on a
whole course or on one cohort: admins on any course or cohort, tutors only on
the cohorts they tutor (:func:`bulk_cohorts`, :func:`bulk_cohort`); a bulk
re-render also goes through :func:`visible_certificates`.
"""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from sqlalchemy import Select, or_, select

from lms.contracts import CohortRoster
from lms.permissions import ROLE_TUTOR, has_permission
from lms.plugins import cohort_directory
from lms.scope import tutor_scope

from .models import Certificate

#: See the certificates of one's own learners (tutors).
CERTIFICATES_VIEW_ANY = "certificates:certificate:view_any"
#: See every certificate (admins).
CERTIFICATES_VIEW_ALL = "certificates:certificate:view_all"
CERTIFICATES_MANAGE = "certificates:certificate:manage"
CERTIFICATES_SETTINGS = "certificates:settings:edit"

#: Permission -> roles granted it (admins hold every permission).
GRANTS: dict[str, tuple[str, ...]] = {
    CERTIFICATES_VIEW_ANY: (ROLE_TUTOR,),
    CERTIFICATES_VIEW_ALL: (),
    CERTIFICATES_MANAGE: (ROLE_TUTOR,),
    CERTIFICATES_SETTINGS: (),
}


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
    """Tell whether ``user`` may act on a whole course in bulk (admins: they see every
    certificate); tutors act only on their cohorts."""
    user = current_user if user is None else user
    return has_permission(user, CERTIFICATES_MANAGE) and has_permission(
        user, CERTIFICATES_VIEW_ALL
    )


def bulk_cohorts(user=None) -> list[CohortRoster]:
    """The cohorts ``user`` may act on in bulk: every cohort for admins, the ones they
    tutor for tutors, none for anyone else or without a cohort directory."""
    user = current_user if user is None else user
    directory = cohort_directory(current_app)
    if directory is None or not has_permission(user, CERTIFICATES_MANAGE):
        return []
    if may_bulk_courses(user):
        return directory.cohorts_of(None)
    return list(tutor_scope(user).cohorts)


def bulk_cohort(cohort_id: int, user=None) -> CohortRoster | None:
    """The cohort ``cohort_id`` if ``user`` may act on it in bulk, else None (as if it
    did not exist: a tutor does not learn of other tutors' cohorts)."""
    user = current_user if user is None else user
    directory = cohort_directory(current_app)
    if directory is None or not has_permission(user, CERTIFICATES_MANAGE):
        return None
    if may_bulk_courses(user):
        return directory.roster(cohort_id)
    return tutor_scope(user).cohort(cohort_id)
