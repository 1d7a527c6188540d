"""``/healthz``: is the process up and can it reach its database?"""

import json

from flask import Blueprint, current_app, jsonify

from .directread import fetch_one_autocommit
from .extensions import limiter
from .permissions import public

bp = Blueprint("health", __name__)

#: The healthy answer never changes, so it is serialised once.
OK_BODY = json.dumps({"status": "ok", "database": "ok"})


@bp.route("/healthz")
@public
@limiter.exempt
def healthz():
    """Answer 200 when the database answers, 503 with a reason when it does not.

    Exempt from rate limits: load balancers probe it every few seconds.
    """
    # One statement in autocommit on a pooled DBAPI connection, not the ORM
    # session: load balancers call this every few seconds, and on PostgreSQL
    # a transaction would add two round trips (BEGIN, and ROLLBACK on return).
    try:
        fetch_one_autocommit("SELECT 1")
    except Exception as exc:  # whatever the failure, the answer is 503
        current_app.logger.warning("health check: database unreachable: %s", exc)
        reason = type(getattr(exc, "orig", exc)).__name__
        return jsonify(status="unavailable", database="unreachable", reason=reason), 503
    return current_app.response_class(OK_BODY, mimetype="application/json")
