"""The certificates plugin's permissions and the one object-level rule for certificates.

A certificate's PDF and credential are for its owner, the learner's tutors and
admins. Until cohorts exist a tutor is a tutor of every learner; the cohorts
issue narrows :func:`can_see` and every listing goes through
:func:`visible_certificates`.
"""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import Select, select

from lms.permissions import ROLE_TUTOR, has_permission

from .models import Certificate

CERTIFICATES_VIEW_ANY = "certificates:certificate:view_any"
CERTIFICATES_MANAGE = "certificates:certificate:manage"
CERTIFICATES_SETTINGS = "certificates:settings:edit"

#: Permission -> roles granted it (admins hold every permission).
GRANTS: dict[str, tuple[str, ...]] = {
    CERTIFICATES_VIEW_ANY: (ROLE_TUTOR,),
    CERTIFICATES_MANAGE: (ROLE_TUTOR,),
    CERTIFICATES_SETTINGS: (),
}


def can_see(cert: Certificate, user=None) -> bool:
    """Tell whether ``user`` (default: the current user) may download ``cert``."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return False
    return cert.user_id == user.id or has_permission(user, CERTIFICATES_VIEW_ANY)


def visible_certificates(user=None) -> Select:
    """The query of the certificates ``user`` may see (all of them for tutors and admins)."""
    user = current_user if user is None else user
    query = select(Certificate)
    if not has_permission(user, CERTIFICATES_VIEW_ANY):
        query = query.where(Certificate.user_id == user.id)
    return query
