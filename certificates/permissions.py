"""The certificates plugin's permissions and the one object-level rule for certificates.

A certificate's PDF and credential are for its owner, the learner's tutors and
admins. A learner's tutors are the tutors of the cohorts they are in, as the
cohort directory (``lms.contracts.CohortDirectory``, provided by the courses
plugin) says; every listing goes through :func:`visible_certificates`.

Bulk actions (issue the missing certificates, re-render the PDFs) act on a
whole course or on one cohort: admins on any course or cohort, tutors only on
the cohorts they tutor (:func:`bulk_cohorts`, :func:`bulk_cohort`); a bulk
re-render also goes through :func:`visible_certificates`.
"""

from __future__ import annotations

from flask import current_app
from flask_login import current_user
from sqlalchemy import Select, select

from lms.contracts import CohortRoster
from lms.permissions import ROLE_TUTOR, has_permission
from lms.plugins import cohort_directory

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


def _learners_of(user) -> set[int]:
    """The learners ``user`` tutors, by the cohort directory (none without one)."""
    directory = cohort_directory(current_app)
    return directory.learners_of(user.id) if directory is not None else set()


def can_see(cert: Certificate, user=None) -> bool:
    """Tell whether ``user`` (default: the current user) may download ``cert``."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return False
    if cert.user_id == user.id or has_permission(user, CERTIFICATES_VIEW_ALL):
        return True
    return has_permission(user, CERTIFICATES_VIEW_ANY) and cert.user_id in _learners_of(user)


def visible_certificates(user=None) -> Select:
    """The certificates ``user`` may see: all for admins, their learners' for tutors, their own."""
    user = current_user if user is None else user
    query = select(Certificate)
    if has_permission(user, CERTIFICATES_VIEW_ALL):
        return query
    if has_permission(user, CERTIFICATES_VIEW_ANY):
        return query.where(Certificate.user_id.in_(_learners_of(user) | {user.id}))
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
    return directory.cohorts_of(None if may_bulk_courses(user) else user.id)


def bulk_cohort(cohort_id: int, user=None) -> CohortRoster | None:
    """The cohort ``cohort_id`` if ``user`` may act on it in bulk, else None (as if it
    did not exist: a tutor does not learn of other tutors' cohorts)."""
    user = current_user if user is None else user
    directory = cohort_directory(current_app)
    if directory is None or not has_permission(user, CERTIFICATES_MANAGE):
        return None
    if may_bulk_courses(user):
        return directory.roster(cohort_id)
    return next((c for c in directory.cohorts_of(user.id) if c.cohort_id == cohort_id), None)
