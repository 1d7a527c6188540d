"""Account pages: register, log in and out, passwords, profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from ..db import db
from ..extensions import form_email_key, limiter
from ..i18n import visitor_language
from ..permissions import ROLES, login_required, public
from ..tokens import TokenState, find_token
from . import operations as ops
from .auth import sign_in
from .forms import (
    ChangePasswordForm,
    EmailChangeForm,
    LoginForm,
    LogoutForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from .known_addresses import typed_account_knows_this_address
from .models import User

bp = Blueprint("accounts", __name__, url_prefix="/account")


def safe_next(target: str | None) -> str | None:
    """Return ``target`` only if it is a path on this site."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target




ACCOUNT_LIMITED = _l(
    "There have been too many wrong attempts for this account. Please wait a few minutes."
    " If it is your account, you can still sign in from a device you have used before,"
    " or reset your password by email."
)


def _login_limit_address():
    return current_app.config["LMS_LOGIN_LIMIT_PER_ADDRESS"]


def _login_limit_account():
    return current_app.config["LMS_LOGIN_LIMIT_PER_ACCOUNT"]


def _reset_limit():
    return current_app.config["LMS_RESET_LIMIT_PER_ADDRESS"]


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("lms.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = ops.create_user(form.email.data, form.display_name.data, form.password.data,
                                   locale=visitor_language())
        except ops.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            sign_in(user)
            db.session.commit()
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.display_name), "success")
            return redirect(url_for("lms.home"))
    return render_template("lms/accounts/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit_address, methods=["POST"])
@limiter.limit(
    _login_limit_account,
    methods=["POST"],
    key_func=form_email_key,
    # Attempts from an address that signed in to the account before are not counted
    # here: an attacker guessing elsewhere cannot lock the owner out.
    exempt_when=typed_account_knows_this_address,
    error_message=lambda: str(ACCOUNT_LIMITED),
)
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        user = ops.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The email address or password is not correct."))
        else:
            sign_in(user)
            db.session.commit()
            flash(_("You are logged in."), "success")
            return redirect(safe_next(form.next.data) or url_for("lms.home"))
    return render_template("lms/accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = LogoutForm(prefix="logout")
    if not form.validate_on_submit():
        flash(_("Your session had expired. Please try again."), "error")
        return redirect(url_for("lms.home"))
    current_user.end_all_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("lms.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password, confirming the current one.

    An account without a password (made by a learning platform's launch, or by an invitation
    never taken up) has no current password to give: the page says so and offers to set one
    through the emailed link (as closing such an account does), and a form sent anyway (an
    old page, a script) changes nothing.
    """
    if current_user.password_hash is None:
        if request.method == "POST":
            return redirect(url_for("accounts.change_password"), code=303)
        return render_template("lms/accounts/change_password.html", form=None)
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ops.change_password(current_user, form.current.data, form.password.data)
        except ops.AccountError as exc:
            form.current.errors.append(str(exc))
        else:
            sign_in(current_user._get_current_object())
            db.session.commit()
            flash(_("Your password is changed. You are logged out everywhere else."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("lms/accounts/change_password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    if request.method == "GET" and current_user.is_authenticated:
        # Someone signed in without a password (a learning platform's launch) sets one here.
        form.email.data = current_user.email
    if form.validate_on_submit():
        # The mail is written to the outbox in this transaction and sent by a
        # worker after the commit: a slow or refusing mail server cannot fail this page.
        ops.send_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If an account uses that address, we have sent it a link to reset the"
                " password. The link works once, within %(hours)d hours.",
                hours=current_app.config["LMS_PASSWORD_RESET_HOURS"],
            ),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("lms/accounts/reset_request.html", form=form)


_TOKEN_MESSAGES = {
    TokenState.UNKNOWN: _l("This link is not valid. Check that you copied all of it."),
    TokenState.USED: _l("This link has already been used."),
    TokenState.EXPIRED: _l("This link has expired."),
}


def _unusable_link(state: TokenState, *, invitation: bool = False):
    """The page for a link that cannot be used: 404 unknown, 410 used or expired."""
    page = render_template(
        "lms/accounts/reset_invalid.html", message=_TOKEN_MESSAGES[state], invitation=invitation
    )
    return page, 404 if state is TokenState.UNKNOWN else 410


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    state, _row = find_token(token, ops.RESET_PURPOSE)
    if state is not TokenState.VALID:
        return _unusable_link(state)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        state, user = ops.reset_password(token, form.password.data)
        if state is TokenState.VALID:
            sign_in(user)
            db.session.commit()
            flash(_("Your new password is set and you are logged in."), "success")
            return redirect(url_for("lms.home"))
        return _unusable_link(state)
    return render_template("lms/accounts/reset_password.html", form=form)


@bp.route("/welcome/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def accept_invitation(token: str):
    """Someone invited (an account made for them) sets their first password and is in."""
    state, row = find_token(token, ops.INVITATION_PURPOSE)
    if state is not TokenState.VALID:
        return _unusable_link(state, invitation=True)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        state, user = ops.accept_invitation(token, form.password.data)
        if state is TokenState.VALID:
            sign_in(user)
            db.session.commit()
            flash(_("Welcome! Your password is set and you are logged in."), "success")
            return redirect(url_for("lms.home"))
        return _unusable_link(state, invitation=True)
    invited = db.session.get(User, row.user_id)
    return render_template("lms/accounts/welcome.html", form=form, invited=invited)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user, prefix="profile")
    if request.method == "GET":
        form.locale.data = user.locale or ""
        form.time_zone.data = user.time_zone or ""
    email_form = EmailChangeForm(prefix="email")
    if request.method == "POST" and "profile-display_name" in request.form:
        if form.validate():
            ops.update_profile(
                user, form.display_name.data, form.locale.data, form.time_zone.data
            )
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    elif request.method == "POST" and "email-email" in request.form:
        if email_form.validate():
            try:
                ops.change_email(user, email_form.password.data, email_form.email.data)
            except ops.AccountError as exc:
                email_form.email.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("Your email address is changed."), "success")
                return redirect(url_for("accounts.profile"))
    elif request.method == "POST":
        abort(400)
    return render_template(
        "lms/accounts/profile.html",
        form=form,
        email_form=email_form,
        # Each role by its label, in the admin area's order ("Learner, Administrator").
        roles=[label for role, label in ROLES.items() if role in current_user.role_names],
    )
