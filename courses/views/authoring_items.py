"""Authoring lessons and quizzes: add, edit (with minor corrections), move, delete.

A lesson's form has a preview button; a quiz's page lists its questions
(edited in :mod:`.authoring_questions`). On a live course an edit is saved only
as a minor correction, which :func:`edit_item` asks the curriculum authority
about itself. Assignments are written in the course's files, not here.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from lms.db import db
from lms.forms import select_choices
from lms.permissions import require

from .. import authoring, authority
from .. import operations as ops
from ..forms import QUESTION_LABELS, ActionForm, CorrectionForm, LessonForm, MoveItemForm, slugify
from ..markdown import render_markdown
from ..models import KIND_ASSIGNMENT, KIND_LESSON, KIND_QUIZ, Course, Item, Module
from ..permissions import COURSES_AUTHOR
from ..quiz_forms import QuizForm
from ..revisions import correct_lesson
from ..titles import original_text
from . import author_bp as bp
from .authoring_common import course_item, course_module, to_structure
from .common import course_by_slug


@bp.route("/<slug>/modules/<int:module_id>/new/<kind>", methods=["GET", "POST"])
@require(COURSES_AUTHOR)
def new_item(slug: str, module_id: int, kind: str):
    """Add a lesson (with a preview button) or a quiz to a module."""
    course = course_by_slug(slug)
    module = course_module(course, module_id)
    if kind not in (KIND_LESSON, KIND_QUIZ):
        abort(404)
    form = LessonForm() if kind == KIND_LESSON else QuizForm()
    preview = None
    if kind == KIND_LESSON and request.form.get("preview") and form.validate_on_submit():
        preview = render_markdown(form.body_md.data or "", course.slug, form.citations())
    elif form.validate_on_submit():
        item = Item(title="", kind=kind)
        form.populate(item)
        fields = {
            name: getattr(item, name)
            for name in ("title", "required", "body_md", "estimated_minutes", "pass_mark",
                         "max_attempts", "sources", "reviewed_on", "review_every_months")
            if name != "sources" or kind == KIND_LESSON
        }
        item = authoring.add_item(module, kind, slugify(form.title.data), **fields)
        db.session.commit()
        flash(_("Saved."), "success")
        if kind == KIND_QUIZ:
            return redirect(url_for("courses_author.edit_item", slug=slug, item_id=item.id), 303)
        return to_structure(course)
    return render_template(
        "courses/author/item_form.html", form=form, course=course, module=module, item=None,
        kind=kind, preview=preview,
    ), (400 if form.errors else 200)


@bp.route("/<slug>/items/<int:item_id>", methods=["GET", "POST"])
@require(COURSES_AUTHOR)
def edit_item(slug: str, item_id: int):
    """Edit a lesson (with preview) or a quiz's settings and see its questions.

    On a live course an edit is saved only as one of the rulebook's minor
    corrections to a lesson (said which, and what it fixes; recorded and listed
    publicly); anything else is refused with the way to propose it.
    """
    course = course_by_slug(slug)
    item = course_item(course, item_id)
    if item.kind == KIND_ASSIGNMENT:
        # Assignments (prompt, rubric, files) are written in the course files for now.
        flash(_("Assignments are written in the course's files: export the course, edit "
                "assignments/%(key)s.yaml and import it again.", key=item.key), "info")
        return redirect(url_for("courses_author.course", slug=course.slug))
    form = LessonForm(obj=item) if item.kind == KIND_LESSON else QuizForm(obj=item)
    if request.method == "GET":
        form.edited_from.data = item.source_hash
    locked = authority.refusal(authority.CURRICULUM_REVISE, course)
    correction_form = _correction_form(course, item) if locked else None
    preview = None
    if item.kind == KIND_LESSON and request.form.get("preview") and form.validate_on_submit():
        preview = render_markdown(form.body_md.data or "", course.slug, form.citations())
    elif form.validate_on_submit():
        if form.edited_since(item.source_hash):
            # Nothing saved; the page keeps what was typed and now carries the saved
            # version's hash, so saving again (after comparing) replaces it knowingly.
            form.edited_from.data = item.source_hash
            return _item_page(course, item, form, locked=locked, correction_form=correction_form,
                              status=409, edited_since=True)
        if locked:
            return _correct(course, item, form, correction_form, locked)
        required_before = item.required
        form.populate(item)
        authoring.save_item(item, required_before)
        db.session.commit()
        flash(_("Saved."), "success")
        return to_structure(course)
    return _item_page(course, item, form, preview=preview, locked=locked,
                      correction_form=correction_form, status=400 if form.errors else 200)


def _correction_form(course: Course, item: Item) -> CorrectionForm | None:
    """The minor-correction fields for a live lesson, when the rulebook names any."""
    corrections = authority.correction_labels(course) if item.kind == KIND_LESSON else {}
    if not corrections:
        return None
    # Its own prefix: its error summary and fields sit beside the lesson form's. Sent with
    # the lesson form, whose token (and CSRFProtect) already checked the request.
    form = CorrectionForm(prefix="fix", meta={"csrf": False})
    form.correction.choices = select_choices([("", _("Choose one")), *corrections.items()])
    return form


def _correct(course: Course, item: Item, form, correction_form, locked: str):
    """Save an edit of a live lesson as a minor correction, or refuse it (nothing saved)."""
    if correction_form is None or not correction_form.validate():
        return _item_page(course, item, form, locked=locked, correction_form=correction_form,
                          status=403)
    if bool(form.required.data) != item.required:
        correction_form.correction.errors = [
            _("Whether learners must finish a lesson is not a minor correction: it needs a "
              "revision.")
        ]
        return _item_page(course, item, form, locked=locked, correction_form=correction_form,
                          status=403)
    previous_title, previous_md = item.title, item.body_md or ""
    form.populate(item)
    authoring.save_item(item, item.required)
    key = correction_form.correction.data
    # Recorded as the rules name it (the page showed it in the author's language).
    label = authority.minor_corrections(course).get(key, key)
    correct_lesson(item, kind=key, label=label, note=correction_form.correction_note.data
                   .strip(), user_id=current_user.id, previous_title=previous_title,
                   previous_md=previous_md)
    db.session.commit()
    flash(_("Saved as a minor correction; it is listed on the course's decisions and changes "
            "page."), "success")
    return to_structure(course)


def _move_form(course: Course, item: Item, formdata=None) -> MoveItemForm:
    """The "move to module" form: every other module of the course."""
    form = MoveItemForm(formdata=formdata) if formdata is not None else MoveItemForm()
    attributes = original_text(course, "").attributes  # the titles as written
    form.module.choices = [
        SelectChoice(m.id, f"{n}. {m.title}", render_kw=attributes)
        for n, m in enumerate(course.modules, start=1)
        if m.id != item.module_id
    ]
    return form


def _item_page(course: Course, item: Item, form, preview=None, move_form=None, status=200,
               locked=None, correction_form=None, edited_since=False):
    return render_template(
        "courses/author/item_form.html", form=form, course=course, module=item.module, item=item,
        kind=item.kind, preview=preview, action_form=ActionForm(), question_labels=QUESTION_LABELS,
        move_form=move_form or _move_form(course, item), locked=locked,
        correction_form=correction_form, edited_since=edited_since,
    ), status


@bp.route("/<slug>/items/<int:item_id>/module", methods=["POST"])
@require(COURSES_AUTHOR)
def move_item(slug: str, item_id: int):
    """Move a lesson or quiz to the end of another module of the same course."""
    course = course_by_slug(slug)
    item = course_item(course, item_id)
    move_form = _move_form(course, item, request.form)
    if move_form.validate():
        target = db.session.get(Module, move_form.module.data)
        try:
            if target is None:
                raise ops.CourseError(_("Choose another module of this course."))
            authoring.move_item_to_module(item, target)
        except ops.CourseError as exc:
            db.session.rollback()
            move_form.module.errors = [str(exc)]
        else:
            db.session.commit()
            flash(_("Moved to the end of “%(module)s”.", module=target.title), "success")
            return redirect(
                url_for("courses_author.course", slug=slug, _anchor=f"item-{item.id}"), 303
            )
    edit_form = LessonForm(formdata=None, obj=item) if item.kind == KIND_LESSON else QuizForm(
        formdata=None, obj=item
    )
    return _item_page(course, item, edit_form, move_form=move_form, status=400)


@bp.route("/<slug>/items/<int:item_id>/delete", methods=["GET", "POST"])
@require(COURSES_AUTHOR)
def delete_item(slug: str, item_id: int):
    """Ask first (saying what learners lose), then delete a lesson or quiz."""
    course = course_by_slug(slug)
    item = course_item(course, item_id)
    if item.kind == KIND_ASSIGNMENT and authoring.has_submitted_work(item):
        flash(_("Learners have worked on “%(title)s”: it cannot be deleted. "
                "Make it optional instead.", title=item.title), "error")
        return redirect(url_for("courses_author.course", slug=course.slug), 303)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate():
            abort(400)
        if form.action.data == "delete":
            title = item.title
            authoring.delete_item(item)
            db.session.commit()
            flash(_("“%(title)s” is deleted.", title=title), "success")
            return to_structure(course)
        # Anything but the confirmation page's button leads to the confirmation page.
        return redirect(url_for("courses_author.delete_item", slug=slug, item_id=item.id), 303)
    learners, attempts = authoring.item_usage(item)
    return render_template(
        "courses/author/delete_item.html",
        course=course,
        item=item,
        form=form,
        learners=learners,
        attempts=attempts,
    )
