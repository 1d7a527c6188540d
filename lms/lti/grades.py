"""Assignment and Grade Services: a course completed by a learner who came from a platform
sends its score back to the platform's line item, through the job queue."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select

from .. import signals
from ..db import db, utcnow
from ..jobs import GiveUp, Task, enqueue, register_task
from ..plugins import connect
from .models import LtiGradeLink, LtiPlatform

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
TASK = "lms.lti.send_score"


def init_app(app: Flask) -> None:
    register_task(app, Task(TASK, send_score, retries=12, retry_delay=60,
                            label=_l("Send a grade to a learning platform")), owner="lms")
    connect(app, signals.course_completed, _on_course_completed)


def remember(platform_id: int, user_id: int, subject: str, path: str, ags: Any) -> None:
    """Keep where this learner's grade for the course at ``path`` goes (latest launch wins)."""
    if not isinstance(ags, dict) or not ags.get("lineitem") or SCORE_SCOPE not in ags.get(
        "scope", []
    ):
        return
    link = db.session.scalar(select(LtiGradeLink).where(
        LtiGradeLink.platform_id == platform_id, LtiGradeLink.user_id == user_id,
        LtiGradeLink.course_path == path,
    ))
    if link is None:
        db.session.add(LtiGradeLink(platform_id=platform_id, user_id=user_id, subject=subject,
                                    course_path=path, ags=ags))
    else:
        link.subject, link.ags, link.updated_dt = subject, ags, utcnow()
    db.session.flush()


def _on_course_completed(app, *, completion, **_):
    # The course's address is /courses/<slug> (the courses plugin's, as in the launch's target).
    links = db.session.scalars(select(LtiGradeLink.id).where(
        LtiGradeLink.user_id == completion.user_id,
        LtiGradeLink.course_path == f"/courses/{completion.course_slug}",
    )).all()
    score = 100.0 if completion.final_score is None else float(completion.final_score)
    for link_id in links:
        enqueue(TASK, link_id=link_id, score=score,
                timestamp=completion.completed_dt.isoformat())


def send_score(ctx, link_id: int, score: float, timestamp: str) -> None:
    """Post the score to the platform's line item (safe to repeat: the latest score stands)."""
    from .tool import _http, registration_of

    link = db.session.get(LtiGradeLink, link_id)
    if link is None:
        raise GiveUp("the grade link is gone (account unlinked or closed)")
    platform = db.session.get(LtiPlatform, link.platform_id)
    registration = registration_of(platform)
    service = AssignmentsGradesService(ServiceConnector(registration, _http()), link.ags)
    grade = (
        Grade()
        .set_score_given(round(score, 2))
        .set_score_maximum(100)
        .set_timestamp(timestamp)
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(link.subject)
    )
    service.put_grade(grade)
    current_app.logger.info("grade sent to %s for link %s", platform.name, link_id)
