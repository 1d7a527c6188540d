"""Roles, named permissions and the one decorator that checks them.

A permission is a constant named ``scope:resource:action``. The core's are
below; each plugin declares its own (prefixed with its name) in its
:class:`~lms.plugins.Plugin`, together with the roles it grants them to.
The admin role holds every permission.

Every view declares its policy with exactly one of :func:`public`,
:func:`login_required` or :func:`require`; a test walks ``app.url_map`` to
prove none is missing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from flask import abort, current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

ROLE_LEARNER = "learner"
ROLE_TUTOR = "tutor"
ROLE_ADMIN = "admin"
#: Amends certificates (correct, re-render, revoke, bulk), never their own: the Centre's
#: certificate officers, granted by an admin. Tutors do not hold this power.
ROLE_CERTIFICATE_OFFICER = "certificate_officer"
#: Roles in the order the admin area shows them, with their labels.
ROLES = {
    ROLE_LEARNER: _l("Learner"),
    ROLE_TUTOR: _l("Tutor"),
    ROLE_ADMIN: _l("Administrator"),
    ROLE_CERTIFICATE_OFFICER: _l("Certificate officer"),
}

LMS_ADMIN_ACCESS = "lms:admin:access"
LMS_USERS_MANAGE = "lms:users:manage"
LMS_AUDIT_VIEW = "lms:audit:view"
LMS_OUTBOX_VIEW = "lms:outbox:view"
LMS_JOBS_MANAGE = "lms:jobs:manage"
LMS_METRICS_VIEW = "lms:metrics:view"
#: See export and closure requests, and record one received by post, email or in person.
LMS_DATA_REQUESTS_MANAGE = "lms:data_requests:manage"

#: The core's permissions and the roles they are granted to (admin has all).
CORE_GRANTS: dict[str, frozenset[str]] = {
    LMS_ADMIN_ACCESS: frozenset({ROLE_ADMIN}),
    LMS_USERS_MANAGE: frozenset({ROLE_ADMIN}),
    LMS_AUDIT_VIEW: frozenset({ROLE_ADMIN}),
    LMS_OUTBOX_VIEW: frozenset({ROLE_ADMIN}),
    LMS_JOBS_MANAGE: frozenset({ROLE_ADMIN}),
    LMS_METRICS_VIEW: frozenset({ROLE_ADMIN}),
    LMS_DATA_REQUESTS_MANAGE: frozenset({ROLE_ADMIN}),
}

POLICY_ATTR = "lms_policy"


class PermissionRegistry:
    """Which roles hold which permission, for one application."""

    def __init__(self) -> None:
        self._grants: dict[str, frozenset[str]] = {}

    def add(self, grants: dict[str, Iterable[str]], *, owner: str) -> None:
        """Register permissions; each name must start with ``owner:``.

        :raises ValueError: a name is malformed, foreign or already registered.
        """
        for name, roles in grants.items():
            parts = name.split(":")
            if len(parts) != 3 or not all(parts) or parts[0] != owner:
                raise ValueError(f"permission {name!r} must be named '{owner}:resource:action'")
            if name in self._grants:
                raise ValueError(f"permission {name!r} is declared twice")
            unknown = set(roles) - set(ROLES)
            if unknown:
                raise ValueError(f"permission {name!r} is granted to unknown roles {unknown}")
            self._grants[name] = frozenset(roles)

    def allows(self, roles: Iterable[str], permission: str) -> bool:
        """Tell whether any of ``roles`` holds ``permission``."""
        if permission not in self._grants:
            raise KeyError(f"unknown permission {permission!r}")
        roles = set(roles)
        return ROLE_ADMIN in roles or bool(roles & self._grants[permission])

    def names(self) -> list[str]:
        return sorted(self._grants)


def registry() -> PermissionRegistry:
    return current_app.extensions["lms"].permissions


def has_permission(user, permission: str) -> bool:
    """Tell whether ``user`` (possibly anonymous) holds ``permission``."""
    if not getattr(user, "is_authenticated", False):
        return False
    return registry().allows(user.role_names, permission)


def _mark(view: Callable, policy: str) -> Callable:
    if hasattr(view, POLICY_ATTR):
        raise TypeError(f"{view.__name__} declares its access policy twice")
    setattr(view, POLICY_ATTR, policy)
    return view


def _to_login():
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone, signed in or not."""
    return _mark(view, "public")


def login_required(view: Callable) -> Callable:
    """Let any signed-in user through; send others to the login page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _to_login()
        return view(*args, **kwargs)

    return _mark(wrapped, "authenticated")


def require(permission: str) -> Callable[[Callable], Callable]:
    """Let through only users holding ``permission``.

    Anonymous visitors are sent to the login page; signed-in users without
    the permission get 403.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _to_login()
            if not has_permission(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapped, f"permission:{permission}")

    return decorator
