"""xAPI 1.0.3 statements for what learners do, with ADL verbs and activity types.

Pure functions of plain data (the signals' snapshots): the core builds them
without reading any plugin's tables. A statement's ``id`` is a UUID made from
what it records (the same event always gives the same id), so sending it
twice stores it once: the LRS answers the second ``PUT`` with 204 or 409.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import uuid
from typing import Any

from .schema import LANGUAGE_TAG

VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi"
VERB_COMPLETED = f"{ADL}/verbs/completed"
VERB_PASSED = f"{ADL}/verbs/passed"
VERB_FAILED = f"{ADL}/verbs/failed"
#: ADL's vocabulary: "the authority determined the actor has fulfilled the criteria of the
#: object": the Centre issued a certificate for the course.
VERB_SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
TYPE_LESSON = f"{ADL}/activities/lesson"
TYPE_ASSESSMENT = f"{ADL}/activities/assessment"
TYPE_COURSE = f"{ADL}/activities/course"
#: Context extension: the certificate's public verification page.
EXT_CERTIFICATE = "https://w3id.org/xapi/cec/extensions/certificate"

_VERB_NAMES = {
    VERB_COMPLETED: "completed",
    VERB_PASSED: "passed",
    VERB_FAILED: "failed",
    VERB_SATISFIED: "satisfied",
}


def actor(user_id: int, base_url: str, key: str) -> dict[str, Any]:
    """The learner as an account on this site named by a keyed hash of their id.

    Never the email address or name: the LRS (and whoever reads it) can follow one
    learner's statements but not tell who they are without this site's key.
    """
    digest = hmac.new(key.encode(), f"xapi-actor:{user_id}".encode(), hashlib.sha256)
    return {
        "objectType": "Agent",
        "account": {"homePage": base_url.rstrip("/"), "name": digest.hexdigest()[:32]},
    }


def _id(*parts: Any) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(p) for p in parts)))


def _when(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _verb(verb_id: str) -> dict[str, Any]:
    return {"id": verb_id, "display": {"en-US": _VERB_NAMES[verb_id]}}


#: The language map key for a name whose language is not known (RFC 5646: undetermined).
UNDETERMINED = "und"


def _activity(
    activity_id: str, kind: str, name: str | None = None, language: str | None = None
) -> dict[str, Any]:
    """An activity; ``name`` is tagged with ``language``, the language it is written in."""
    definition: dict[str, Any] = {"type": kind}
    if name:
        # A course's language is free text in the authoring form ("pt_BR"): one that is not a
        # tag would make the statement invalid, and the learner's completion fail with it.
        if not language or not re.fullmatch(LANGUAGE_TAG, language):
            language = UNDETERMINED
        definition["name"] = {language: name}
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


def _course_url(base: str, slug: str) -> str:
    return f"{base.rstrip('/')}/courses/{slug}"


def _context(base: str, slug: str, version: int, **extensions: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "platform": "Co-operative Education Centre",
        "contextActivities": {
            "parent": [_activity(_course_url(base, slug), TYPE_COURSE)],
        },
        "revision": str(version),
    }
    if extensions:
        context["extensions"] = extensions
    return context


def lesson_completed(
    who: dict, base: str, *, enrolment_id: int, slug: str, version: int, lesson_key: str,
    completed_dt: dt.datetime,
) -> dict[str, Any]:
    return {
        "id": _id(base, "lesson-completed", enrolment_id, lesson_key),
        "actor": who,
        "verb": _verb(VERB_COMPLETED),
        "object": _activity(f"{_course_url(base, slug)}/learn/{lesson_key}", TYPE_LESSON),
        "result": {"completion": True},
        "context": _context(base, slug, version),
        "timestamp": _when(completed_dt),
        "version": VERSION,
    }


def quiz_attempted(
    who: dict, base: str, *, enrolment_id: int, slug: str, version: int, quiz_key: str,
    attempt_no: int, score: float, passed: bool, submitted_dt: dt.datetime,
) -> dict[str, Any]:
    scaled = max(0.0, min(1.0, round(score / 100, 4)))
    return {
        "id": _id(base, "quiz-attempted", enrolment_id, quiz_key, attempt_no),
        "actor": who,
        "verb": _verb(VERB_PASSED if passed else VERB_FAILED),
        "object": _activity(f"{_course_url(base, slug)}/learn/{quiz_key}", TYPE_ASSESSMENT),
        "result": {
            "score": {"scaled": scaled, "raw": round(score, 2), "min": 0, "max": 100},
            "success": passed,
            "completion": True,
        },
        "context": _context(base, slug, version),
        "timestamp": _when(submitted_dt),
        "version": VERSION,
    }


def course_completed(
    who: dict, base: str, *, enrolment_id: int, slug: str, title: str, version: int,
    completed_dt: dt.datetime, final_score: float | None, language: str | None = None,
) -> dict[str, Any]:
    """The learner completed a course version.

    :param title: the course's title as written, in ``language``.
    :param language: the course's own language (``Course.language``), the title's
        key in the activity's language map; ``None``: "und", not "en" guessed.
    """
    result: dict[str, Any] = {"completion": True}
    if final_score is not None:
        result["score"] = {"scaled": max(0.0, min(1.0, round(final_score / 100, 4)))}
    return {
        "id": _id(base, "course-completed", enrolment_id, version),
        "actor": who,
        "verb": _verb(VERB_COMPLETED),
        "object": _activity(_course_url(base, slug), TYPE_COURSE, title, language),
        "result": result,
        "context": {"platform": "Co-operative Education Centre", "revision": str(version)},
        "timestamp": _when(completed_dt),
        "version": VERSION,
    }


def certificate_issued(
    who: dict, base: str, *, certificate_id: int, slug: str, code: str, issued_dt: dt.datetime,
) -> dict[str, Any]:
    verify = f"{base.rstrip('/')}/certificates/verify/{code}"
    return {
        "id": _id(base, "certificate-issued", certificate_id),
        "actor": who,
        "verb": _verb(VERB_SATISFIED),
        "object": _activity(_course_url(base, slug), TYPE_COURSE),
        "context": {
            "platform": "Co-operative Education Centre",
            "extensions": {EXT_CERTIFICATE: verify},
        },
        "timestamp": _when(issued_dt),
        "version": VERSION,
    }
