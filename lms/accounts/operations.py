"""The writes of the accounts package: check, mutate, flush, signal. Never commit."""

from __future__ import annotations

import datetime as dt

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import audit, signals
from ..db import db, is_unique_violation, utcnow
from ..i18n import in_language_of
from ..mail import send_mail
from ..permissions import ROLE_ADMIN, ROLE_LEARNER, ROLES
from ..tokens import TokenState, consume_token, issue_token, issue_tokens, revoke_tokens
from .emails import normalise_email
from .models import User, UserRole
from .passwords import check_password, hash_password, needs_rehash

RESET_PURPOSE = "password-reset"
INVITATION_PURPOSE = "invitation"


class AccountError(ValueError):
    """A request the rules refuse; the message is shown to the user."""


#: The longest address an account holds (the ``email`` column's length).
EMAIL_MAX_LENGTH = 320


def valid_email(value: object) -> str | None:
    """``value`` as an account's address if it is one, else ``None``.

    The one rule for every address an account gets, the registration form's:
    a single string that, stripped, is an email address by ``email_validator``
    (syntax only, no DNS look-up) and fits the column. Returned normalised
    (:func:`normalise_email`). Anything else (a list, a number, a name, an
    address too long to keep whole) is no address: never stored, never cut.
    """
    if not isinstance(value, str):
        return None
    address = value.strip()
    if not address or len(address) > EMAIL_MAX_LENGTH:
        return None
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return normalise_email(address)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    email: str,
    display_name: str,
    password: str | None,
    roles: tuple[str, ...] = (ROLE_LEARNER,),
    locale: str | None = None,
) -> User:
    """Create an account (learner by default).

    :param password: ``None`` creates an account whose owner sets a password
        later through an emailed link (invitations).
    :param locale: the account's language (``None``: as the browser prefers).
    :raises AccountError: the email is not an address (:func:`valid_email`) or is
        already registered.
    """
    address = valid_email(email)
    if address is None:
        raise AccountError(_("Enter an email address like name@example.org."))
    user = User(
        email=address,
        display_name=display_name.strip(),
        password_hash=hash_password(password) if password else None,
        locale=locale,
    )
    user.roles = [UserRole(role=r) for r in roles]
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise AccountError(_("An account with this email address already exists.")) from exc
        raise
    audit.record("lms.user.registered", subject_type="user", subject_id=user.id, actor_id=None)
    signals.user_registered.send(
        current_app._get_current_object(),
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
    )
    return user


def create_invited_users(people: list[tuple[str, str]]) -> list[User]:
    """Create learner accounts without passwords for ``(email, name)`` pairs, in bulk.

    The bulk form of ``create_user(email, name, None)`` (a cohort upload of a
    thousand people): one flush for the accounts, one for the audit events.
    The owners set their passwords through :func:`invitation_links`.

    :raises AccountError: one of the addresses is not one (:func:`valid_email`), or was
        registered meanwhile.
    """
    if any(valid_email(email) is None for email, _name in people):
        raise AccountError(_("Enter an email address like name@example.org."))
    users = [
        User(email=normalise_email(email), display_name=name.strip(), password_hash=None)
        for email, name in people
    ]
    for user in users:
        user.roles = [UserRole(role=ROLE_LEARNER)]
    try:
        with db.session.begin_nested():
            db.session.add_all(users)
            db.session.flush()
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise AccountError(
                _("An account with one of these email addresses was created meanwhile.")
            ) from exc
        raise
    audit.record_many(
        [audit.Event("lms.user.registered", "user", user.id) for user in users], actor_id=None
    )
    app = current_app._get_current_object()
    for user in users:
        signals.user_registered.send(
            app, user_id=user.id, email=user.email, display_name=user.display_name
        )
    return users


def authenticate(email: str, password: str) -> User | None:
    """Return the user if the password is right and the account active."""
    user = find_user_by_email(email)
    ok = check_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_dt = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; ends other sessions.

    :raises AccountError: the current password is wrong.
    """
    if not check_password(user.password_hash, current):
        raise AccountError(_("Your current password is not correct."))
    _set_password(user, new)
    audit.record("lms.user.password_changed", subject_type="user", subject_id=user.id)


def _set_password(user: User, new: str) -> None:
    user.password_hash = hash_password(new)
    user.end_all_sessions()
    db.session.flush()


def send_password_reset(email: str) -> None:
    """Email a single-use reset link if an account exists; silent otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    hours = current_app.config["LMS_PASSWORD_RESET_HOURS"]
    token = issue_token(user.id, RESET_PURPOSE, dt.timedelta(hours=hours))
    link = external_url("accounts.reset_password", token=token)
    # In the account's language: whoever asked (any browser, any language) is not the reader.
    with in_language_of(user.locale):
        send_mail(
            user.email,
            _("Reset your password"),
            render_template("lms/email/password_reset.txt", user=user, link=link, hours=hours),
        )
    audit.record("lms.user.reset_requested", subject_type="user", subject_id=user.id, actor_id=None)


def reset_password(token: str, new: str) -> tuple[TokenState, User | None]:
    """Use a reset token to set a new password; ends every session of the user."""
    state, row = consume_token(token, RESET_PURPOSE)
    if state is not TokenState.VALID:
        return state, None
    user = db.session.get(User, row.user_id)
    _set_password(user, new)
    audit.record("lms.user.password_reset", subject_type="user", subject_id=user.id, actor_id=None)
    return state, user


def invitation_link(user: User) -> str:
    """Issue a single-use link with which ``user`` sets their first password.

    For accounts made on someone's behalf (``create_user(..., password=None)``);
    the caller sends the link in its own words. The link works for
    ``LMS_INVITATION_DAYS`` days.
    """
    days = current_app.config["LMS_INVITATION_DAYS"]
    token = issue_token(user.id, INVITATION_PURPOSE, dt.timedelta(days=days))
    return external_url("accounts.accept_invitation", token=token)


def invitation_links(users: list[User]) -> dict[int, str]:
    """:func:`invitation_link` for many users at once: user id -> link."""
    days = current_app.config["LMS_INVITATION_DAYS"]
    tokens = issue_tokens([u.id for u in users], INVITATION_PURPOSE, dt.timedelta(days=days))
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    # One URL context for them all (as external_url builds each link: on LMS_BASE_URL).
    with current_app.test_request_context("/", base_url=base):
        return {
            user_id: url_for("accounts.accept_invitation", token=token, _external=True)
            for user_id, token in tokens.items()
        }


def accept_invitation(token: str, password: str) -> tuple[TokenState, User | None]:
    """Use an invitation token to set the account's password.

    Every other invitation of the account stops working (they were copies of
    the same offer), and so does the link of any earlier password reset.
    """
    state, row = consume_token(token, INVITATION_PURPOSE)
    if state is not TokenState.VALID:
        return state, None
    user = db.session.get(User, row.user_id)
    _set_password(user, password)
    revoke_tokens(user.id, (INVITATION_PURPOSE, RESET_PURPOSE))
    audit.record(
        "lms.user.invitation_accepted", subject_type="user", subject_id=user.id, actor_id=user.id
    )
    return state, user


def update_profile(
    user: User, display_name: str, locale: str | None, time_zone: str | None = None
) -> None:
    user.display_name = display_name.strip()
    user.locale = locale or None
    user.time_zone = time_zone or None
    db.session.flush()


def set_language(user: User, code: str) -> None:
    """Remember ``code`` as ``user``'s language (the chooser on every page)."""
    user.locale = code
    db.session.flush()


def change_email(user: User, password: str, new_email: str) -> None:
    """Change the login email after checking the password.

    :raises AccountError: wrong password, not an address, or the address is taken.
    """
    if not check_password(user.password_hash, password):
        raise AccountError(_("Your current password is not correct."))
    new_email = valid_email(new_email)
    if new_email is None:
        raise AccountError(_("Enter an email address like name@example.org."))
    if new_email == user.email:
        return
    if find_user_by_email(new_email) is not None:
        raise AccountError(_("An account with this email address already exists."))
    old = user.email
    user.email = new_email
    db.session.flush()
    audit.record(
        "lms.user.email_changed", subject_type="user", subject_id=user.id,
        personal={"from": old},
    )


def _refuse_own_roles(user: User, actor_id: int | None) -> None:
    """Nobody changes their own roles: an admin granting themselves another role, or
    dropping their own, acts on their own record. ``actor_id`` None: no person acts
    (``flask lms create-admin`` bootstrapping the first administrator)."""
    if actor_id is not None and actor_id == user.id:
        raise AccountError(_("You cannot change your own roles. Another administrator can."))


def grant_role(user: User, role: str, *, actor_id: int | None = None) -> bool:
    """Give ``user`` a role; return whether anything changed.

    :param actor_id: who grants it (never ``user`` themselves); None from the CLI.
    :raises AccountError: an unknown role, or ``user`` is the actor.
    """
    if role not in ROLES:
        raise AccountError(_("Unknown role."))
    _refuse_own_roles(user, actor_id)
    if user.has_role(role):
        return False
    user.roles.append(UserRole(role=role))
    db.session.flush()
    _role_changed(user, role, granted=True)
    return True


def revoke_role(user: User, role: str, *, actor_id: int | None = None) -> bool:
    """Take a role away; return whether anything changed.

    :param actor_id: who revokes it (never ``user`` themselves); None from the CLI.
    :raises AccountError: an unknown role, ``user`` is the actor, or it would leave the
        platform without an admin.
    """
    if role not in ROLES:
        raise AccountError(_("Unknown role."))
    _refuse_own_roles(user, actor_id)
    held = [r for r in user.roles if r.role == role]
    if not held:
        return False
    if role == ROLE_ADMIN and count_admins() <= 1:
        raise AccountError(_("The last administrator cannot lose the administrator role."))
    user.roles.remove(held[0])
    db.session.flush()
    _role_changed(user, role, granted=False)
    return True


def count_admins() -> int:
    return db.session.scalar(
        select(func.count()).select_from(UserRole).where(UserRole.role == ROLE_ADMIN)
    )


def _role_changed(user: User, role: str, *, granted: bool) -> None:
    audit.record(
        "lms.role.granted" if granted else "lms.role.revoked",
        subject_type="user",
        subject_id=user.id,
        data={"role": role},
    )
    from flask_login import current_user

    actor_id = current_user.id if current_user and current_user.is_authenticated else None
    signals.roles_changed.send(
        current_app._get_current_object(),
        user_id=user.id,
        role=role,
        granted=granted,
        actor_id=actor_id,
    )


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for emails, always built on ``LMS_BASE_URL``.

    Never the request's Host header: a forged header must not be able to
    send someone a reset link to another site.
    """
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)
