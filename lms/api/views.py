"""The core's API routes: the OpenAPI document, its reference page, ``/me``, and the
account page where people make and revoke their tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields

from ..db import db
from ..forms import select_choices
from ..permissions import login_required, public
from . import LMS_PROFILE_READ, PREFIX, current_scopes, state_of, token_required
from . import tokens as ops
from .forms import TokenForm

bp = Blueprint("api", __name__, url_prefix=PREFIX)
tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")
api_bp = ApiBlueprint(
    "lms_api", __name__, url_prefix=PREFIX, description="Who the token belongs to."
)


@bp.route("/openapi.json")
@public
def openapi_json():
    """The OpenAPI 3.1 document, generated from the code."""
    response = jsonify(state_of().spec())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/docs")
@public
def reference():
    """The API reference for people, rendered from the same document (no script, no CDN)."""
    from .reference import operations, schemas

    spec = state_of().spec()
    return render_template(
        "lms/api/reference.html",
        spec=spec,
        in_english=get_locale().language == "en",
        operations=operations(spec),
        schemas=schemas(spec),
        scopes=state_of().scopes,
    )


class MeSchema(Schema):
    class Meta:
        title = "Me"

    id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    roles = fields.List(fields.String(), required=True)
    scopes = fields.List(fields.String(), required=True)


@api_bp.route("/me")
@token_required(LMS_PROFILE_READ)
@api_bp.response(200, MeSchema)
def me():
    """The token's owner: id, name, roles, and the token's scopes."""
    return {
        "id": current_user.id,
        "display_name": current_user.display_name,
        "roles": sorted(current_user.role_names),
        "scopes": sorted(current_scopes()),
    }


def _form() -> TokenForm:
    form = TokenForm()
    form.scopes.choices = select_choices(
        (name, str(label)) for name, label in state_of().scopes.items()
    )
    return form


@tokens_bp.route("/", methods=["GET", "POST"])
@login_required
def tokens():
    """The signed-in person's tokens, and the form that makes one (shown once)."""
    form = _form()
    if form.validate_on_submit():
        try:
            token, secret = ops.create_token(
                current_user,
                form.name.data,
                form.scopes.data,
                int(form.days.data),
                known_scopes=set(state_of().scopes),
            )
        except ops.TokenError as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            return render_template(
                "lms/api/token_created.html", token=token, secret=secret, scopes=state_of().scopes
            )
    status = 400 if form.errors else 200
    return render_template(
        "lms/api/tokens.html",
        form=form,
        tokens=ops.tokens_of(current_user.id),
        scopes=state_of().scopes,
        now=ops.utcnow(),
    ), status


@tokens_bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    """Revoke one of the person's own tokens; it stops working at once."""
    from ..forms import LmsForm

    if not LmsForm().validate_on_submit():
        abort(400)
    try:
        token = ops.revoke_token(current_user, token_id)
    except ops.TokenError:
        abort(404)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked.", name=token.name), "success")
    return redirect(url_for("api_tokens.tokens"), code=303)
