"""LTI 1.3 routes: login initiation, launch, account linking, Deep Linking, the key set.

The admin pages where platforms are registered are in :mod:`.admin_views`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException, OIDCException
from sqlalchemy import select

from .. import audit
from ..db import db
from ..extensions import csrf
from ..forms import BIDI_CONTROLS, LmsForm
from ..permissions import public
from ..security import CSP
from . import link_targets, tool
from .keys import jwks
from .models import LtiAccount, LtiPlatform
from .roster import launch_context, remember_context

bp = Blueprint("lti", __name__, url_prefix="/lti")

PENDING_COOKIE = "lms_lti_pending"
PENDING_SECONDS = 15 * 60
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="lms-lti-pending")


def _refused(message, status: int = 400):
    db.session.rollback()
    return render_template("lms/lti/refused.html", message=message), status


def _local_path(target: str | None) -> str:
    """The path of a target link on this site (anything else lands on the home page)."""
    base = urlsplit(current_app.config["LMS_BASE_URL"])
    parts = urlsplit(target or "")
    if parts.netloc and parts.netloc != base.netloc:
        return "/"
    path = parts.path or "/"
    return path if path.startswith("/") and not path.startswith("//") else "/"


@bp.route("/login", methods=["GET", "POST"])
@public
@csrf.exempt
def login():
    """OIDC login initiation: the platform sends the browser here, we send it back to the
    platform's authorisation endpoint with a state (cookie) and a signed nonce."""
    target = request.values.get("target_link_uri", "")
    client_id = request.values.get("client_id")
    issuer = request.values.get("iss", "")
    if client_id is not None and issuer and not tool.ToolConf().is_registered(issuer,
                                                                              client_id):
        current_app.logger.info("LTI login refused: client id %r not registered for %r",
                                client_id, issuer)
        return _refused(_("This platform sent a client ID the Centre has not registered for "
                          "it. Ask your administrator to register the platform with this "
                          "client ID, or to correct the tool's settings on the platform."))
    try:
        oidc = tool.login(target)
        return oidc.redirect(url_for("lti.launch", _external=True))
    except (LtiException, OIDCException) as exc:
        current_app.logger.info("LTI login refused: %s", exc)
        return _refused(_("This platform is not registered with the Centre, or its request "
                          "was incomplete. Ask your administrator to check the LTI settings."))


@bp.route("/launch", methods=["POST"])
@public
@csrf.exempt
def launch():
    """The platform's signed launch: validated, then the learner lands where it points."""
    message = tool.launch()
    try:
        data = message.get_launch_data()
    except LtiException as exc:
        current_app.logger.info("LTI launch refused: %s", exc)
        return _refused(_(
            "This launch cannot be accepted: it was already used, has expired, was changed on "
            "the way, or comes from a platform or deployment the Centre does not know. "
            "Go back to your learning platform and open the link again."
        ))
    platform = tool.ToolConf().platform_for(data["iss"], message.get_client_id() or "")
    if platform is None:
        return _refused(_("This platform is not registered with the Centre."))
    pending = {
        "platform_id": platform.id,
        "sub": str(data.get("sub", ""))[:255],
        "name": _claimed_name(data.get("name")) or _claimed_name(data.get("given_name")),
        "email": _claimed_email(data.get("email")),
        "target": _local_path(data.get(CLAIM + "target_link_uri")),
        "ags": data.get("https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"),
        "context": launch_context(data),
    }
    if message.is_deep_link_launch():
        pending["deep_link"] = message.get_launch_id()
        pending["target"] = url_for("lti.deep_link")
    db.session.commit()  # the nonce is used now, and the launch kept for Deep Linking
    account = db.session.scalar(
        select(LtiAccount).where(
            LtiAccount.platform_id == platform.id, LtiAccount.subject == pending["sub"]
        )
    )
    if account is not None:
        return _sign_in(account.user_id, pending)
    response = redirect(url_for("lti.link"), code=303)
    response.set_cookie(
        PENDING_COOKIE, _serializer().dumps(pending), max_age=PENDING_SECONDS,
        httponly=True, secure=request.is_secure, samesite="Lax",
    )
    return response


#: The longest name an account holds (the ``display_name`` column's length).
NAME_MAX_LENGTH = 120


def _claimed_name(value: object) -> str:
    """A name claim as an account's name, or ``""``: not given.

    The registration form's rule: one non-empty string that fits the column.
    Text-direction overrides are taken out (:class:`lms.forms.PersonName` refuses
    them where people type a name; a platform's claim cannot be asked again).
    Anything else (a list, an object, a name too long to keep whole) is no name:
    a name cut short or printed from a structure would go on certificates.
    """
    if not isinstance(value, str):
        return ""
    name = BIDI_CONTROLS.sub("", value).strip()
    return name if len(name) <= NAME_MAX_LENGTH else ""


def _account_name(pending: dict) -> str:
    """The name of an account made at a first launch: the claimed one, else the address
    (its part before the ``@`` when the whole would not fit the name column)."""
    email = pending["email"]
    if pending["name"]:
        return pending["name"]
    return email if len(email) <= NAME_MAX_LENGTH else email.partition("@")[0]


def _claimed_email(value: object) -> str:
    """An email claim as an account's address (:func:`lms.accounts.operations.valid_email`),
    or ``""``: not given (the person then signs in to an account of their own to link)."""
    from ..accounts.operations import valid_email

    return valid_email(value) or ""


def _sign_in(user_id: int, pending: dict):
    from ..accounts.models import User

    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        return _refused(_("The account linked to you is switched off."), 403)
    if "deep_link" not in pending:
        from .grades import remember

        remember(pending["platform_id"], user.id, pending["sub"], pending["target"],
                 pending.get("ags"))
    remember_context(pending["platform_id"], user.id, pending.get("context"))
    if not (current_user.is_authenticated and current_user.id == user.id):
        from ..accounts.auth import sign_in

        sign_in(user)  # as every sign-in route does: it calls a pending closure off too
    db.session.commit()
    response = redirect(pending["target"], code=303)
    if "deep_link" in pending:
        response.set_cookie(
            PENDING_COOKIE, _serializer().dumps(pending), max_age=PENDING_SECONDS,
            httponly=True, secure=request.is_secure, samesite="Lax",
        )
    else:
        response.delete_cookie(PENDING_COOKIE)
    return response


def _pending() -> dict | None:
    raw = request.cookies.get(PENDING_COOKIE, "")
    try:
        return _serializer().loads(raw, max_age=PENDING_SECONDS) if raw else None
    except BadSignature:
        return None


class ConsentForm(LmsForm):
    pass


@bp.route("/link", methods=["GET", "POST"])
@public
def link():
    """First launch: the person agrees to link their platform account to an account here."""
    from ..accounts import operations as accounts

    pending = _pending()
    if pending is None:
        return _refused(_("This link has expired. Open the link in your learning platform "
                          "again."))
    platform = db.session.get(LtiPlatform, pending["platform_id"])
    if platform is None:
        return _refused(_("This platform is not registered with the Centre."))
    existing = accounts.find_user_by_email(pending["email"]) if pending["email"] else None
    form = ConsentForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            user = current_user
        elif pending["email"] and existing is None:
            try:
                user = accounts.create_user(pending["email"], _account_name(pending), None)
            except accounts.AccountError as exc:
                # Registered meanwhile (or a link made before the address rule): say so.
                return _refused(str(exc))
        else:
            abort(400)
        db.session.add(LtiAccount(platform_id=platform.id, subject=pending["sub"],
                                  user_id=user.id))
        db.session.flush()
        audit.record("lms.lti.linked", subject_type="user", subject_id=user.id,
                     data={"platform": platform.name}, actor_id=user.id)
        db.session.commit()
        response = _sign_in(user.id, pending)
        # After the sign-in: its fresh session would drop a message flashed before it.
        flash(_("Your %(platform)s account is linked. Next time you will come straight in.",
                platform=platform.name), "success")
        return response
    return render_template("lms/lti/link.html", platform=platform, pending=pending,
                           existing=existing, form=form)


@bp.route("/deep-link", methods=["GET", "POST"])
@public
def deep_link():
    """Deep Linking: the platform's teacher picks a course; the answer goes back signed."""
    pending = _pending()
    if pending is None or "deep_link" not in pending:
        return _refused(_("This choice has expired. Start again from your learning platform."))
    targets = link_targets()
    form = ConsentForm()
    if form.validate_on_submit():
        chosen = request.form.get("target", "")
        found = next((t for t in targets if t[1] == chosen), None)
        if found is None:
            return _refused(_("Choose one of the courses listed."))
        message = tool.from_saved(pending["deep_link"])
        resource = (
            DeepLinkResource()
            .set_url(current_app.config["LMS_BASE_URL"].rstrip("/") + found[1])
            .set_title(found[0])
        )
        deep = message.get_deep_link()
        action = deep._deep_link_settings["deep_link_return_url"]
        response = make_response(render_template(
            "lms/lti/deep_link_return.html",
            action=action, jwt=deep.get_response_jwt([resource]), title=found[0],
        ))
        # This one form posts to the platform: the site's policy allows forms to this site only.
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(action))
        response.headers["Content-Security-Policy"] = CSP.replace(
            "form-action 'self'", f"form-action 'self' {origin}"
        )
        return response
    return render_template("lms/lti/deep_link.html", targets=targets, form=form)


@bp.route("/jwks.json")
@public
def key_set():
    """The tool's public key set, at a stable address for platforms' registrations."""
    return jsonify(jwks(current_app.instance_path))
