"""xAPI: what learners do, sent as statements to a learning record store (LRS).

The core listens to the domain signals (``lesson_completed``, ``quiz_attempted``,
``course_completed``, ``certificate_issued``), builds an xAPI 1.0.3 statement
from their plain data (:mod:`.statements`), checks its shape (:mod:`.schema`)
and enqueues the job ``lms.xapi.send`` in the same transaction. The job runs
after the commit, in a worker: a slow or absent LRS never delays or fails a
learner's request, and a statement whose sending fails is tried again (with
growing delays, for about a day) until the LRS takes it. Statements have ids
made from what they record, so one sent twice is stored once.

With ``LMS_XAPI_ENDPOINT`` empty (the default) nothing is queued.
"""

from __future__ import annotations

import base64
import json
import logging
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from .. import signals
from ..db import utcnow
from ..jobs import GiveUp, Task, enqueue, register_task
from ..plugins import connect
from . import statements
from .schema import StatementError, check

logger = logging.getLogger(__name__)

TASK = "lms.xapi.send"


def init_app(app: Flask) -> None:
    register_task(
        app,
        Task(TASK, send, retries=24, retry_delay=30, backoff=2, max_delay=3600,
             label=_l("Send a learning record")),
        owner="lms",
    )
    connect(app, signals.lesson_completed, _on_lesson_completed)
    connect(app, signals.quiz_attempted, _on_quiz_attempted)
    connect(app, signals.course_completed, _on_course_completed)
    connect(app, signals.certificate_issued, _on_certificate_issued)


def enabled() -> bool:
    return bool(current_app.config["LMS_XAPI_ENDPOINT"])


def _actor(user_id: int) -> dict[str, Any]:
    cfg = current_app.config
    key = cfg["LMS_XAPI_ACTOR_KEY"] or cfg["SECRET_KEY"]
    return statements.actor(user_id, cfg["LMS_BASE_URL"], key)


def queue(statement: dict[str, Any]) -> None:
    """Check ``statement`` and queue it in the caller's transaction."""
    enqueue(TASK, statement=check(statement))


def _base() -> str:
    return current_app.config["LMS_BASE_URL"]


def _on_lesson_completed(app, *, enrolment, lesson_key, completed_dt, **_):
    if enabled():
        queue(statements.lesson_completed(
            _actor(enrolment.user_id), _base(), enrolment_id=enrolment.enrolment_id,
            slug=enrolment.course_slug, version=enrolment.course_version,
            lesson_key=lesson_key, completed_dt=completed_dt,
        ))


def _on_quiz_attempted(app, *, enrolment, quiz_key, attempt_no, score, passed, submitted_dt,
                       **_):
    if enabled():
        queue(statements.quiz_attempted(
            _actor(enrolment.user_id), _base(), enrolment_id=enrolment.enrolment_id,
            slug=enrolment.course_slug, version=enrolment.course_version, quiz_key=quiz_key,
            attempt_no=attempt_no, score=score, passed=passed, submitted_dt=submitted_dt,
        ))


def _on_course_completed(app, *, completion, **_):
    if enabled():
        queue(statements.course_completed(
            _actor(completion.user_id), _base(), enrolment_id=completion.enrolment_id,
            slug=completion.course_slug, title=completion.course_title,
            language=completion.course_language, version=completion.course_version,
            completed_dt=completion.completed_dt, final_score=completion.final_score,
        ))


def _on_certificate_issued(app, *, certificate_id, user_id, course_slug, code, **_):
    if enabled() and user_id is not None:
        queue(statements.certificate_issued(
            _actor(user_id), _base(), certificate_id=certificate_id, slug=course_slug,
            code=code, issued_dt=utcnow(),
        ))


def send(ctx, statement: dict[str, Any]) -> None:
    """Store one statement in the LRS (the job ``lms.xapi.send``; safe to run twice).

    ``PUT /statements?statementId=<id>``: 204 (stored, or already stored the same)
    and 409 (that id is taken) both mean it is there. A refusal of the statement
    itself (400) gives up; anything else (the LRS down, slow, refusing the
    credentials, overloaded) raises, and the job is tried again later.
    """
    cfg = current_app.config
    endpoint = cfg["LMS_XAPI_ENDPOINT"].rstrip("/")
    if not endpoint:
        raise GiveUp("LMS_XAPI_ENDPOINT is empty: there is no learning record store to send to")
    if not endpoint.startswith(("http://", "https://")):
        raise GiveUp("LMS_XAPI_ENDPOINT must be an http:// or https:// address")
    try:
        check(statement)
    except StatementError as exc:
        raise GiveUp(f"not an xAPI statement: {exc}") from exc
    url = f"{endpoint}/statements?statementId={quote(statement['id'])}"
    request = urllib.request.Request(  # noqa: S310 (an http(s) URL from the settings)
        url, data=json.dumps(statement).encode(), method="PUT",
        headers={
            "Content-Type": "application/json",
            "X-Experience-API-Version": statements.VERSION,
            **_authorization(cfg),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=cfg["LMS_XAPI_TIMEOUT"]):  # noqa: S310
            return
    except urllib.error.HTTPError as exc:
        if exc.code == 409:
            return
        detail = exc.read(500).decode("utf-8", "replace")
        if exc.code == 400:
            raise GiveUp(f"the LRS refused the statement (400): {detail}") from exc
        raise RuntimeError(f"the LRS answered {exc.code}: {detail}") from exc


def _authorization(cfg) -> dict[str, str]:
    if not cfg["LMS_XAPI_USERNAME"]:
        return {}
    pair = f"{cfg['LMS_XAPI_USERNAME']}:{cfg['LMS_XAPI_PASSWORD']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}
