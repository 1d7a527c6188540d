"""Authoring courses: the list of every course, the course form, its structure page, status.

The course form (new and edit) holds a course's settings, prerequisites and
retire date; the structure page lists its modules and items with the controls
of :mod:`.authoring_modules` and :mod:`.authoring_items`. Editing a course and
changing its status ask the curriculum authority themselves.
"""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_babel import gettext as _
from sqlalchemy import func, select
from wtforms import SelectChoice

from lms.db import db
from lms.errors import abort_with
from lms.permissions import require

from .. import authoring, authority
from .. import operations as ops
from ..forms import LEVEL_LABELS, ActionForm, CourseForm, ModuleForm
from ..models import STATUS_PUBLISHED, Course, Item, Module
from ..permissions import COURSES_AUTHOR
from ..revisions import revision_of
from ..titles import original_text
from . import author_bp as bp
from .authoring_common import to_structure
from .common import course_by_slug


@bp.route("/")
@require(COURSES_AUTHOR)
def index():
    """Every course, drafts included."""
    counts = dict(
        db.session.execute(
            select(Item.course_id, func.count()).group_by(Item.course_id)
        ).all()
    )
    courses = db.session.scalars(select(Course).order_by(Course.title)).all()
    return render_template("courses/author/index.html", courses=courses, counts=counts)


def _prerequisite_choices(form: CourseForm, course: Course | None) -> None:
    # A revision in preparation is not a course of its own: nobody can finish it first.
    others = db.session.execute(
        select(Course.id, Course.title, Course.language)
        .where(Course.revision_of_id.is_(None))
        .order_by(Course.title)
    ).all()
    # As written, each marked with its language on a page in another (original_text).
    form.prerequisites.choices = [
        SelectChoice(c.id, c.title, render_kw=original_text(c, c.title).attributes)
        for c in others if course is None or c.id != course.id
    ]


@bp.route("/new", methods=["GET", "POST"])
@require(COURSES_AUTHOR)
def new_course():
    form = CourseForm()
    _prerequisite_choices(form, None)
    if form.validate_on_submit():
        if db.session.scalar(select(Course.id).where(Course.slug == form.slug.data)):
            form.slug.errors.append(_("Another course already uses this web address name."))
        else:
            course = Course()
            form.populate(course)
            authoring.save_course(course, form.prerequisites.data, retire_dt=form.retire_dt())
            db.session.commit()
            flash(_("Course created as a draft. Now add a module."), "success")
            return to_structure(course)
    return render_template("courses/author/course_form.html", form=form, course=None), (
        400 if form.errors else 200
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@require(COURSES_AUTHOR)
def edit_course(slug: str):
    course = course_by_slug(slug)
    form = CourseForm(obj=course if request.method == "GET" else None)
    form.saved_retire_date = course.retire_dt.date() if course.retire_dt else None
    if request.method == "GET":
        form.outcomes.data = "\n".join(course.outcomes or [])
        form.prerequisites.data = [p.required_course_id for p in course.prerequisites]
        form.retire_date.data = form.saved_retire_date
    form.slug.data = course.slug
    _prerequisite_choices(form, course)
    locked = authority.refusal(authority.CURRICULUM_REVISE, course)
    if form.validate_on_submit():
        retire_dt = form.retire_dt()
        reason = locked
        if reason is None and retire_dt != course.retire_dt:
            reason = authority.refusal(authority.CURRICULUM_RETIRE, course)
        if reason:
            # Shown above the form, which keeps what was typed; nothing is saved.
            return render_template(
                "courses/author/course_form.html", form=form, course=course, locked=reason
            ), 403
        form.populate(course)
        authoring.save_course(course, form.prerequisites.data, retire_dt=retire_dt)
        db.session.commit()
        flash(_("Course saved."), "success")
        return to_structure(course)
    return render_template(
        "courses/author/course_form.html", form=form, course=course, locked=locked
    ), (400 if form.errors else 200)


@bp.route("/<slug>")
@require(COURSES_AUTHOR)
def course(slug: str):
    """A course's structure: modules and items with move buttons, status actions."""
    return structure_page(course_by_slug(slug))


def structure_page(course: Course, module_form: ModuleForm | None = None, status: int = 200):
    """The structure page of ``course``; ``module_form``: a refused new module, kept."""
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course.id).order_by(Module.position, Module.id)
    ).all()
    live = db.session.get(Course, course.revision_of_id) if course.revision_of_id else None
    return render_template(
        "courses/author/course.html",
        course=course,
        modules=modules,
        module_form=module_form or ModuleForm(formdata=None),
        form=ActionForm(),
        levels=LEVEL_LABELS,
        locked=authority.refusal(authority.CURRICULUM_REVISE, course),
        revision=revision_of(course) if course.status == STATUS_PUBLISHED else None,
        revision_of=live,
        publish_refusal=authority.refusal(authority.CURRICULUM_REVISE, live) if live else None,
        status_refusals={
            change: authority.refusal(change, course)
            for change in (authority.CURRICULUM_PUBLISH, authority.CURRICULUM_RETIRE)
        },
    ), status


@bp.route("/<slug>/status", methods=["POST"])
@require(COURSES_AUTHOR)
def status(slug: str):
    """Publish, unpublish or retire, when the curriculum authority allows it directly."""
    course = course_by_slug(slug)
    form = ActionForm()
    if not form.validate():
        abort(400)
    target = form.action.data
    if target != course.status:
        # Going live is publishing; leaving the catalogue (unpublish or retire) is retiring.
        change = (
            authority.CURRICULUM_PUBLISH if target == STATUS_PUBLISHED
            else authority.CURRICULUM_RETIRE
        )
        reason = authority.refusal(change, course)
        if reason:
            abort_with(403, reason)
    try:
        authoring.set_status(course, form.action.data)
    except ops.CourseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The course is now %(status)s.", status=_status_word(course.status)), "success")
    return to_structure(course)


def _status_word(status: str) -> str:
    return {"draft": _("a draft"), "published": _("published"), "retired": _("retired")}[status]
