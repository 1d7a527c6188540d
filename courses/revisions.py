"""Revisions of live courses, and the minor corrections the rulebook allows without one.

A live course is never edited in place (see :mod:`courses.authority`).
Authors *prepare a revision*: a draft copy of the course (``revision_of_id``
points at it), edited with the ordinary authoring pages, which learners never
see. Publishing the revision, by an administrator when no curriculum
authority is loaded or by a passed "revise" decision, makes the live course
match it, key by key as an import does (learners keep their progress on every
lesson that stays), gives the course a new version when anything changed, and
removes the copy.

A decision publishes exactly what members voted on: the proposal carries the
revision's :func:`content_digest`, and enactment fails if the revision has
changed since.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit
from lms.db import db, utcnow

from .authoring import check_passable
from .content_format import content_data
from .importing import apply_source, course_source
from .models import STATUS_PUBLISHED, Correction, Course, CourseDecision, Item
from .operations import CourseError

#: What a revision's slug ends with (``<course>-revision``, numbered if taken).
_SUFFIX = "-revision"


def revision_of(course: Course) -> Course | None:
    """The revision of ``course`` being prepared, if any."""
    return db.session.scalar(select(Course).where(Course.revision_of_id == course.id))


def content_digest(course: Course) -> str:
    """SHA-256 of what learners would get from ``course`` (its slug aside)."""
    data = content_data(course_source(course, translations=False))
    data["slug"] = ""
    canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _free_slug(course: Course) -> str:
    base = course.slug[: 80 - len(_SUFFIX) - 3] + _SUFFIX
    taken = set(db.session.scalars(select(Course.slug).where(Course.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def prepare_revision(course: Course) -> tuple[Course, bool]:
    """Return the revision of a published ``course``, copying the course if there is none.

    :return: the revision and whether it was made now.
    :raises CourseError: the course is not published (drafts are edited directly;
        a retired course is not revised).
    """
    if course.revision_of_id is not None:
        raise CourseError(_("This is already a revision."))
    if course.status != STATUS_PUBLISHED:
        raise CourseError(_("Only a published course is revised; a draft is edited directly."))
    existing = revision_of(course)
    if existing is not None:
        return existing, False
    now = utcnow()
    revision = Course(slug=_free_slug(course), title=course.title, revision_of_id=course.id,
                      created_dt=now, updated_dt=now, version=1)
    db.session.add(revision)
    # The revision is of the curriculum; the live course keeps its translations.
    source = course_source(course, translations=False)
    apply_source(revision, dataclasses.replace(source, slug=revision.slug))
    db.session.flush()
    audit.record(
        "courses.revision.prepared",
        subject_type="course",
        subject_id=course.slug,
        data={"revision": revision.slug, "version": course.version},
    )
    return revision, True


def publish_revision(revision: Course, expected_digest: str | None = None) -> Course:
    """Make the live course match ``revision``, then remove the revision.

    :param expected_digest: the content members decided on; anything else is refused.
    :return: the live course (a new version when anything changed).
    :raises CourseError: the revision changed since the decision, or its course is
        no longer published.
    """
    live = db.session.get(Course, revision.revision_of_id)
    if live is None or live.status != STATUS_PUBLISHED:
        raise CourseError(_("The revised course is no longer published."))
    digest = content_digest(revision)
    if expected_digest is not None and digest != expected_digest:
        raise CourseError(
            _("The revision has changed since the members' decision; propose the current "
              "revision again.")
        )
    if not any(i.required for i in revision.items):
        raise CourseError(_("The revision has no required lesson or quiz."))
    check_passable(revision)
    source = dataclasses.replace(course_source(revision, translations=False), slug=live.slug)
    changed = content_data(course_source(live, translations=False)) != content_data(source)
    if changed:
        # What learners must do may have changed: completions belong to the version before.
        live.version += 1
        apply_source(live, source)
        live.updated_dt = utcnow()
    db.session.delete(revision)
    db.session.flush()
    audit.record(
        "courses.revision.published",
        subject_type="course",
        subject_id=live.slug,
        data={"version": live.version, "content": digest, "changed": changed},
    )
    return live


def correct_lesson(
    item: Item, *, kind: str, label: str, note: str, user_id: int,
    previous_title: str, previous_md: str,
) -> Correction:
    """Record a minor correction just saved to a live lesson (audited, listed publicly)."""
    correction = Correction(
        course_id=item.course_id, item_key=item.key, item_title=item.title[:200], kind=kind,
        label=label[:120], note=note[:500], user_id=user_id, corrected_dt=utcnow(),
        previous_title=previous_title[:200], previous_md=previous_md,
    )
    db.session.add(correction)
    db.session.flush()
    audit.record(
        "courses.item.corrected",
        subject_type="course",
        subject_id=item.course.slug,
        data={"item": item.key, "kind": kind, "note": note[:500], "correction_id": correction.id},
    )
    return correction


def changes_for(course: Course) -> tuple[list[CourseDecision], list[Correction]]:
    """The decisions that shaped ``course`` and the minor corrections made, oldest first."""
    decisions = db.session.scalars(
        select(CourseDecision)
        .where(CourseDecision.course_id == course.id)
        .order_by(CourseDecision.enacted_dt, CourseDecision.id)
    ).all()
    corrections = db.session.scalars(
        select(Correction)
        .where(Correction.course_id == course.id)
        .order_by(Correction.corrected_dt, Correction.id)
    ).all()
    return decisions, corrections
