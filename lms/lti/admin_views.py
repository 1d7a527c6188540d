"""The admin pages of LTI 1.3: register a learning platform, remove one registered by mistake."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import URL, DataRequired, Length, StopValidation

from .. import audit
from ..db import db, insert_unless_exists
from ..forms import LmsForm
from ..permissions import LMS_ADMIN_ACCESS, require
from .models import LtiAccount, LtiContext, LtiGroupLink, LtiPlatform

admin_bp = Blueprint("lti_admin", __name__, url_prefix="/admin/lti")


#: Hosts a platform may be reached on over plain http: this computer only (a platform run
#: for development or in tests). Anywhere else a launch's tokens and keys travel over https.
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class HttpsUrl:
    """Validator: an ``https://`` URL with a host; ``http://`` only for a loopback host.

    The issuer and the platform's endpoints decide whose signatures a launch is
    checked against and where tokens are sent: ``javascript:``, ``file:`` or
    plain ``http://`` to another machine must not be registered. A refusal stops
    the field's other checks (one clear message, not also "Invalid URL").
    """

    def __call__(self, form, field) -> None:
        value = (field.data or "").strip()
        if not value or field.errors:
            return  # empty, or already refused (too long): one message is enough
        try:
            parts = urlsplit(value)
            host = parts.hostname
            parts.port  # noqa: B018 (a port that is not a number raises here)
        except ValueError:
            host = None
        scheme = parts.scheme.lower() if host else ""
        if not host or scheme not in ("https", "http") or " " in value:
            raise StopValidation(_l("Enter a full address starting with https://, such as "
                                     "https://moodle.example.org."))
        if scheme == "http" and host.lower() not in LOOPBACK_HOSTS:
            raise StopValidation(_l("Use an https:// address: plain http:// is accepted only "
                                     "for a platform on this computer (localhost)."))


class PlatformForm(LmsForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    issuer = StringField(_l("Issuer"),
                         validators=[DataRequired(), Length(max=300), HttpsUrl()])
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=200)])
    auth_login_url = StringField(
        _l("Authentication (OIDC) URL"),
        validators=[DataRequired(), Length(max=500), HttpsUrl(), URL(require_tld=False)])
    auth_token_url = StringField(
        _l("Access token URL"),
        validators=[DataRequired(), Length(max=500), HttpsUrl(), URL(require_tld=False)])
    key_set_url = StringField(
        _l("Key set URL"),
        validators=[DataRequired(), Length(max=500), HttpsUrl(), URL(require_tld=False)])
    deployment_ids = StringField(_l("Deployment IDs"), description=_l("Separated by spaces."),
                                 validators=[DataRequired(), Length(max=1000)])


@admin_bp.route("/", methods=["GET", "POST"])
@require(LMS_ADMIN_ACCESS)
def platforms():
    """Register a platform and see what to enter in it."""
    form = PlatformForm()
    if form.validate_on_submit():
        platform = LtiPlatform(
            name=form.name.data.strip(), issuer=form.issuer.data.strip(),
            client_id=form.client_id.data.strip(),
            auth_login_url=form.auth_login_url.data.strip(),
            auth_token_url=form.auth_token_url.data.strip(),
            key_set_url=form.key_set_url.data.strip(),
            deployment_ids=" ".join(form.deployment_ids.data.split()),
        )
        if not insert_unless_exists(platform):
            form.client_id.errors.append(_("This issuer and client id are registered already."))
        else:
            audit.record("lms.lti.platform_registered", subject_type="lti_platform",
                         subject_id=platform.id,
                         data={"issuer": platform.issuer, "client_id": platform.client_id})
            db.session.commit()
            flash(_("The platform is registered."), "success")
            return redirect(url_for("lti_admin.platforms"), code=303)
    rows = db.session.scalars(select(LtiPlatform).order_by(LtiPlatform.name)).all()
    return render_template("lms/lti/platforms.html", form=form, platforms=rows), (
        400 if form.errors else 200
    )


class RemovePlatformForm(LmsForm):
    """The confirmation of a platform's removal: only the CSRF token."""


@admin_bp.route("/<int:platform_id>/remove", methods=["GET", "POST"])
@require(LMS_ADMIN_ACCESS)
def remove_platform(platform_id: int):
    """Remove a platform registered by mistake, after a page that says what goes with it.

    Its linked accounts, grade links and platform courses (with their links to groups)
    go too (the database cascades); the accounts here, their progress and
    certificates stay. Launches from it are refused from then on.
    """
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None:
        abort(404)
    form = RemovePlatformForm()
    if form.validate_on_submit():
        audit.record("lms.lti.platform_removed", subject_type="lti_platform",
                     subject_id=platform.id,
                     data={"name": platform.name, "issuer": platform.issuer,
                           "client_id": platform.client_id})
        name = platform.name
        db.session.delete(platform)
        db.session.commit()
        flash(_("The platform %(name)s is removed.", name=name), "success")
        return redirect(url_for("lti_admin.platforms"), code=303)
    linked = db.session.scalar(
        select(func.count(LtiAccount.id)).where(LtiAccount.platform_id == platform.id)
    )
    groups = db.session.scalar(
        select(func.count(LtiGroupLink.id))
        .join(LtiContext, LtiContext.id == LtiGroupLink.context_id)
        .where(LtiContext.platform_id == platform.id)
    )
    return render_template("lms/lti/platform_remove.html", platform=platform, form=form,
                           linked=linked, groups=groups), (400 if form.errors else 200)
