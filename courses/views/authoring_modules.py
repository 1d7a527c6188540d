"""Authoring a course's modules: add, rename, delete, and moving modules and items in order.

Moving a lesson or quiz into another module is on the item's page
(:mod:`.authoring_items`); here modules and items move one place up or down
on the course's structure page.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.db import db
from lms.permissions import require
from lms.routing import DB_INT_MAX

from .. import authoring
from .. import operations as ops
from ..forms import ActionForm, ModuleEditForm, ModuleForm, slugify
from ..models import Item, Module
from ..permissions import COURSES_AUTHOR
from . import author_bp as bp
from .authoring_common import course_module, to_structure
from .authoring_courses import structure_page
from .common import course_by_slug


@bp.route("/<slug>/modules", methods=["POST"])
@require(COURSES_AUTHOR)
def add_module(slug: str):
    """Add a module at the end; a refused title comes back on the structure page, kept."""
    course = course_by_slug(slug)
    form = ModuleForm()
    if not form.validate_on_submit():
        return structure_page(course, module_form=form, status=400)
    authoring.add_module(course, form.title.data.strip(), slugify(form.title.data))
    db.session.commit()
    flash(_("Module added."), "success")
    return to_structure(course)


@bp.route("/<slug>/modules/<int:module_id>", methods=["GET", "POST"])
@require(COURSES_AUTHOR)
def edit_module(slug: str, module_id: int):
    """Rename a module and set when it opens; delete it when it is empty."""
    course = course_by_slug(slug)
    module = course_module(course, module_id)
    form = ModuleEditForm(obj=module if request.method == "GET" else None)
    if form.validate_on_submit():
        form.populate(module)
        authoring.save_module(module)
        db.session.commit()
        flash(_("Module saved."), "success")
        anchor = f"module-{module.id}"
        return redirect(url_for("courses_author.course", slug=slug, _anchor=anchor), 303)
    return render_template(
        "courses/author/module_form.html",
        form=form,
        course=course,
        module=module,
        action_form=ActionForm(),
    ), (400 if form.errors else 200)


@bp.route("/<slug>/modules/<int:module_id>/delete", methods=["POST"])
@require(COURSES_AUTHOR)
def delete_module(slug: str, module_id: int):
    """Delete an empty module; a module with lessons or quizzes is refused with the reason."""
    course = course_by_slug(slug)
    module = course_module(course, module_id)
    if not ActionForm().validate():
        abort(400)
    try:
        authoring.delete_module(module)
    except ops.CourseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("courses_author.edit_module", slug=slug, module_id=module_id), 303)
    db.session.commit()
    flash(_("Module deleted."), "success")
    return to_structure(course)


@bp.route("/<slug>/move", methods=["POST"])
@require(COURSES_AUTHOR)
def move(slug: str):
    """Move a module or an item one place up or down (``action`` = ``module:ID:up``)."""
    course = course_by_slug(slug)
    form = ActionForm()
    if not form.validate():
        abort(400)
    try:
        what, ident, direction = (form.action.data or "").split(":")
        ident, step = int(ident), {"up": -1, "down": 1}[direction]
    except (ValueError, KeyError):
        abort(400)
    if not 0 < ident <= DB_INT_MAX:
        # No such row; the database would refuse the number itself (a 500), as lms.routing says.
        abort(404)
    if what == "module":
        target = db.session.get(Module, ident)
        if target is None or target.course_id != course.id:
            abort(404)
        authoring.move(course.modules, target, step)
    elif what == "item":
        target = db.session.get(Item, ident)
        if target is None or target.course_id != course.id:
            abort(404)
        authoring.move(target.module.items, target, step)
    else:
        abort(400)
    db.session.commit()
    anchor = f"{what}-{ident}"
    return redirect(url_for("courses_author.course", slug=course.slug, _anchor=anchor), 303)
