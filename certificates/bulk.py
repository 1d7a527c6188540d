"""Bulk issue and re-render for a whole course, shared by the CLI and the admin pages.

Both are generators that do one certificate per step and leave the commit to
the caller (the edge: the CLI command or the view), which commits after each
step. A run killed half way therefore leaves only whole certificates (row,
credential, PDF and the learner's mail commit together), and running it again
carries on where it stopped: "lacking a certificate" is re-read and the unique
constraint refuses a second certificate for the same learner and version.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import JSON, Float, Integer, String, and_, column, exists, select, table

from lms.contracts import CompletionSnapshot
from lms.db import UTCDateTime, db

from . import operations
from .models import Certificate

# The completions are the courses plugin's records. Plugins never import each other, so
# they are read as plain columns; a completion-source contract in lms/contracts.py would
# replace this (see docs/architecture.md).
_completion = table(
    "courses_completion",
    column("enrolment_id", Integer),
    column("user_id", Integer),
    column("course_id", Integer),
    column("course_version", Integer),
    column("completed_dt", UTCDateTime()),
    column("final_score", Float),
)
_course = table(
    "courses_course",
    column("id", Integer),
    column("slug", String),
    column("title", String),
    column("outcomes", JSON),
    column("estimated_hours", Float),
)
_user = table(
    "lms_user", column("id", Integer), column("display_name", String), column("email", String)
)


@dataclass
class Summary:
    """What a bulk run did."""

    done: int = 0
    skipped: int = 0


def completions_lacking_certificate(course_slug: str) -> list[CompletionSnapshot]:
    """Completions of ``course_slug`` whose learner has no certificate for that version."""
    has_certificate = exists().where(
        and_(
            Certificate.user_id == _completion.c.user_id,
            Certificate.course_slug == _course.c.slug,
            Certificate.course_version == _completion.c.course_version,
        )
    )
    rows = db.session.execute(
        select(_completion, _course.c.slug, _course.c.title, _course.c.outcomes,
               _course.c.estimated_hours, _user.c.display_name, _user.c.email)
        .join(_course, _course.c.id == _completion.c.course_id)
        .join(_user, _user.c.id == _completion.c.user_id)
        .where(_course.c.slug == course_slug, ~has_certificate)
        .order_by(_completion.c.completed_dt, _completion.c.enrolment_id)
    ).all()
    return [
        CompletionSnapshot(
            enrolment_id=r.enrolment_id, user_id=r.user_id, display_name=r.display_name,
            email=r.email, course_slug=r.slug, course_title=r.title,
            course_version=r.course_version, completed_dt=r.completed_dt,
            final_score=r.final_score, outcomes=tuple(r.outcomes or ()),
            estimated_hours=r.estimated_hours,
        )
        for r in rows
    ]


def issue_missing(
    completions: list[CompletionSnapshot], summary: Summary, *, actor_id: int | None
) -> Iterator[CompletionSnapshot]:
    """Issue each completion's certificate; yield after each one so the caller commits."""
    for completion in completions:
        if operations.issue(completion, actor_id=actor_id) is None:
            summary.skipped += 1
        else:
            summary.done += 1
        yield completion


def certificates_of(course_slug: str) -> list[int]:
    """Ids of the course's certificates that are not revoked, oldest first."""
    return list(db.session.scalars(
        select(Certificate.id)
        .where(Certificate.course_slug == course_slug, Certificate.revoked_dt.is_(None))
        .order_by(Certificate.id)
    ))


def rerender_all(ids: list[int], summary: Summary, *, actor_id: int | None) -> Iterator[int]:
    """Re-render each certificate with its course's current template; yield after each."""
    for cert_id in ids:
        cert = db.session.get(Certificate, cert_id)
        if cert is None or cert.revoked_dt is not None:
            summary.skipped += 1
        else:
            operations.rerender(cert, actor_id=actor_id)
            summary.done += 1
        yield cert_id
