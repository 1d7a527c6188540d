"""``/healthz``: is the process up and can it reach its database?"""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .db import db
from .permissions import public

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        current_app.logger.warning("health check: database unreachable: %s", exc)
        db.session.rollback()
        reason = type(getattr(exc, "orig", exc)).__name__
        return jsonify(status="unavailable", database="unreachable", reason=reason), 503
    return jsonify(status="ok", database="ok")
