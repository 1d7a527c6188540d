"""Revisions of live courses, and each course's public "decisions and changes" page."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from lms.db import db
from lms.errors import abort_with
from lms.permissions import public, require

from .. import authority
from ..forms import ActionForm
from ..models import Course
from ..operations import CourseError
from ..permissions import COURSES_AUTHOR
from ..revisions import changes_for, prepare_revision, publish_revision
from ..shown import lang_attributes, page_language
from ..translations import CORRECTION_KIND, TRANSLATION_LABEL
from . import author_bp, bp
from .common import course_by_slug, visible_course


@author_bp.route("/<slug>/revision", methods=["POST"], endpoint="prepare_revision")
@require(COURSES_AUTHOR)
def prepare_revision_view(slug: str):
    """Open the revision of a published course, copying the course the first time."""
    course = course_by_slug(slug)
    if not ActionForm().validate():
        abort(400)
    try:
        revision, made = prepare_revision(course)
    except CourseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("courses_author.course", slug=course.slug), 303)
    db.session.commit()
    if made:
        flash(_("A revision of “%(title)s” is ready to edit. Learners see nothing of it until "
                "it is published.", title=course.title), "success")
    return redirect(url_for("courses_author.course", slug=revision.slug), 303)


@author_bp.route("/<slug>/publish-revision", methods=["POST"], endpoint="publish_revision")
@require(COURSES_AUTHOR)
def publish_revision_view(slug: str):
    """Publish a revision into its course, where nobody needs to decide it (administrators)."""
    revision = course_by_slug(slug)
    if not ActionForm().validate():
        abort(400)
    live = db.session.get(Course, revision.revision_of_id) if revision.revision_of_id else None
    if live is None:
        abort(404)
    reason = authority.refusal(authority.CURRICULUM_REVISE, live)
    if reason:
        abort_with(403, reason)
    try:
        publish_revision(revision)
    except CourseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("courses_author.course", slug=slug), 303)
    db.session.commit()
    flash(_("The revision is published: “%(title)s” is now version %(version)d.",
            title=live.title, version=live.version), "success")
    return redirect(url_for("courses_author.course", slug=live.slug), 303)


@bp.route("/<slug>/changes")
@public
def changes(slug: str):
    """The decisions that shaped a course and the minor corrections made without a vote."""
    course, _enrolment = visible_course(slug)
    decisions, corrections = changes_for(course)
    return render_template(
        "courses/changes.html", course=course, decisions=decisions, corrections=corrections,
        kinds=_kind_labels(course),
        text_lang=lang_attributes("" if page_language() == course.language else course.language),
    )


def _kind_labels(course: Course) -> dict[tuple[str, str], Any]:
    """``(kind, label as recorded)`` -> the label in the reader's language, for corrections
    whose kind the rules still name with the label recorded (a label renamed since, or a
    kind no longer allowed, is shown as recorded); an imported translation's own."""
    stored, shown = authority.minor_corrections(course), authority.correction_labels(course)
    labels: dict[tuple[str, str], Any] = {(key, stored[key]): shown[key] for key in stored}
    labels[CORRECTION_KIND, TRANSLATION_LABEL] = _("Translation")
    return labels
