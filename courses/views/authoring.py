"""Authoring, for tutors and admins: courses, modules, lessons, quizzes, publishing.

A live course is changed only as :mod:`courses.authority` allows: every POST
here about a course asks it (:func:`_live_courses_change_by_decision`), except
the views whose change depends on what they are sent, which ask it themselves.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectChoice

from lms.db import db
from lms.errors import abort_with
from lms.forms import select_choices
from lms.permissions import has_permission, require

from .. import authority
from .. import operations as ops
from ..forms import (
    LEVEL_LABELS,
    QUESTION_LABELS,
    ActionForm,
    CorrectionForm,
    CourseForm,
    LessonForm,
    ModuleEditForm,
    ModuleForm,
    MoveItemForm,
    slugify,
)
from ..markdown import render_markdown
from ..models import (
    KIND_ASSIGNMENT,
    KIND_LESSON,
    KIND_QUIZ,
    STATUS_PUBLISHED,
    Course,
    Item,
    Module,
    Question,
)
from ..permissions import COURSES_AUTHOR
from ..quiz_forms import QuestionForm, QuizForm
from ..revisions import correct_lesson, revision_of
from . import author_bp as bp
from .common import course_by_slug

#: POST endpoints that ask the curriculum authority themselves: what they change depends on
#: the form (a status, a retire date, a minor correction), or they make no change to a live
#: course (a new course, a revision). Every other POST about a live course is a revision.
_ASK_THEMSELVES = frozenset(
    "courses_author." + name
    for name in ("new_course", "status", "edit_course", "edit_item", "prepare_revision",
                 "publish_revision")
)


@bp.before_request
def _live_courses_change_by_decision():
    """Refuse any change to a live course that its authority does not allow, saying why."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in _ASK_THEMSELVES:
        return
    slug = (request.view_args or {}).get("slug")
    if slug is None or not has_permission(current_user, COURSES_AUTHOR):
        return  # the view's own policy answers (login page, 403)
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        return  # the view answers 404
    reason = authority.refusal(authority.CURRICULUM_REVISE, course)
    if reason:
        abort_with(403, reason)


def _structure(course: Course):
    return redirect(url_for("courses_author.course", slug=course.slug), 303)


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
        select(Course.id, Course.title)
        .where(Course.revision_of_id.is_(None))
        .order_by(Course.title)
    ).all()
    form.prerequisites.choices = [
        SelectChoice(c.id, c.title) for c in others if course is None or c.id != course.id
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
            ops.save_course(course, form.prerequisites.data, retire_dt=form.retire_dt())
            db.session.commit()
            flash(_("Course created as a draft. Now add a module."), "success")
            return _structure(course)
    return render_template("courses/author/course_form.html", form=form, course=None)


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
        ops.save_course(course, form.prerequisites.data, retire_dt=retire_dt)
        db.session.commit()
        flash(_("Course saved."), "success")
        return _structure(course)
    return render_template(
        "courses/author/course_form.html", form=form, course=course, locked=locked
    )


@bp.route("/<slug>")
@require(COURSES_AUTHOR)
def course(slug: str):
    """A course's structure: modules and items with move buttons, status actions."""
    course = course_by_slug(slug)
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course.id).order_by(Module.position, Module.id)
    ).all()
    live = db.session.get(Course, course.revision_of_id) if course.revision_of_id else None
    return render_template(
        "courses/author/course.html",
        course=course,
        modules=modules,
        module_form=ModuleForm(),
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
    )


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
        ops.set_status(course, form.action.data)
    except ops.CourseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The course is now %(status)s.", status=_status_word(course.status)), "success")
    return _structure(course)


def _status_word(status: str) -> str:
    return {"draft": _("a draft"), "published": _("published"), "retired": _("retired")}[status]


@bp.route("/<slug>/modules", methods=["POST"])
@require(COURSES_AUTHOR)
def add_module(slug: str):
    course = course_by_slug(slug)
    form = ModuleForm()
    if form.validate_on_submit():
        ops.add_module(course, form.title.data.strip(), slugify(form.title.data))
        db.session.commit()
        flash(_("Module added."), "success")
    else:
        flash(_("Enter a title for the new module."), "error")
    return _structure(course)


@bp.route("/<slug>/modules/<int:module_id>", methods=["GET", "POST"])
@require(COURSES_AUTHOR)
def edit_module(slug: str, module_id: int):
    """Rename a module and set when it opens; delete it when it is empty."""
    course = course_by_slug(slug)
    module = _module(course, module_id)
    form = ModuleEditForm(obj=module if request.method == "GET" else None)
    if form.validate_on_submit():
        form.populate(module)
        ops.save_module(module)
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
    module = _module(course, module_id)
    if not ActionForm().validate():
        abort(400)
    try:
        ops.delete_module(module)
    except ops.CourseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("courses_author.edit_module", slug=slug, module_id=module_id), 303)
    db.session.commit()
    flash(_("Module deleted."), "success")
    return _structure(course)


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
    if what == "module":
        target = db.session.get(Module, ident)
        if target is None or target.course_id != course.id:
            abort(404)
        ops.move(course.modules, target, step)
    elif what == "item":
        target = db.session.get(Item, ident)
        if target is None or target.course_id != course.id:
            abort(404)
        ops.move(target.module.items, target, step)
    else:
        abort(400)
    db.session.commit()
    anchor = f"{what}-{ident}"
    return redirect(url_for("courses_author.course", slug=course.slug, _anchor=anchor), 303)


def _module(course: Course, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or module.course_id != course.id:
        abort(404)
    return module


def _item(course: Course, item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if item is None or item.course_id != course.id:
        abort(404)
    return item


@bp.route("/<slug>/modules/<int:module_id>/new/<kind>", methods=["GET", "POST"])
@require(COURSES_AUTHOR)
def new_item(slug: str, module_id: int, kind: str):
    """Add a lesson (with a preview button) or a quiz to a module."""
    course = course_by_slug(slug)
    module = _module(course, module_id)
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
        item = ops.add_item(module, kind, slugify(form.title.data), **fields)
        db.session.commit()
        flash(_("Saved."), "success")
        if kind == KIND_QUIZ:
            return redirect(url_for("courses_author.edit_item", slug=slug, item_id=item.id), 303)
        return _structure(course)
    return render_template(
        "courses/author/item_form.html", form=form, course=course, module=module, item=None,
        kind=kind, preview=preview,
    )


@bp.route("/<slug>/items/<int:item_id>", methods=["GET", "POST"])
@require(COURSES_AUTHOR)
def edit_item(slug: str, item_id: int):
    """Edit a lesson (with preview) or a quiz's settings and see its questions.

    On a live course an edit is saved only as one of the rulebook's minor
    corrections to a lesson (said which, and what it fixes; recorded and listed
    publicly); anything else is refused with the way to propose it.
    """
    course = course_by_slug(slug)
    item = _item(course, item_id)
    if item.kind == KIND_ASSIGNMENT:
        # Assignments (prompt, rubric, files) are written in the course files for now.
        flash(_("Assignments are written in the course's files: export the course, edit "
                "assignments/%(key)s.yaml and import it again.", key=item.key), "info")
        return redirect(url_for("courses_author.course", slug=course.slug))
    form = LessonForm(obj=item) if item.kind == KIND_LESSON else QuizForm(obj=item)
    locked = authority.refusal(authority.CURRICULUM_REVISE, course)
    correction_form = _correction_form(course, item) if locked else None
    preview = None
    if item.kind == KIND_LESSON and request.form.get("preview") and form.validate_on_submit():
        preview = render_markdown(form.body_md.data or "", course.slug, form.citations())
    elif form.validate_on_submit():
        if locked:
            return _correct(course, item, form, correction_form, locked)
        required_before = item.required
        form.populate(item)
        ops.save_item(item, required_before)
        db.session.commit()
        flash(_("Saved."), "success")
        return _structure(course)
    return _item_page(course, item, form, preview=preview, locked=locked,
                      correction_form=correction_form)


def _correction_form(course: Course, item: Item) -> CorrectionForm | None:
    """The minor-correction fields for a live lesson, when the rulebook names any."""
    corrections = authority.minor_corrections(course) if item.kind == KIND_LESSON else {}
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
    ops.save_item(item, item.required)
    key = correction_form.correction.data
    label = next((c.label for c in correction_form.correction.choices if c.value == key), key)
    correct_lesson(item, kind=key, label=str(label), note=correction_form.correction_note.data
                   .strip(), user_id=current_user.id, previous_title=previous_title,
                   previous_md=previous_md)
    db.session.commit()
    flash(_("Saved as a minor correction; it is listed on the course's decisions and changes "
            "page."), "success")
    return _structure(course)


def _move_form(course: Course, item: Item, formdata=None) -> MoveItemForm:
    """The "move to module" form: every other module of the course."""
    form = MoveItemForm(formdata=formdata) if formdata is not None else MoveItemForm()
    form.module.choices = [
        SelectChoice(m.id, f"{n}. {m.title}")
        for n, m in enumerate(course.modules, start=1)
        if m.id != item.module_id
    ]
    return form


def _item_page(course: Course, item: Item, form, preview=None, move_form=None, status=200,
               locked=None, correction_form=None):
    return render_template(
        "courses/author/item_form.html", form=form, course=course, module=item.module, item=item,
        kind=item.kind, preview=preview, action_form=ActionForm(), question_labels=QUESTION_LABELS,
        move_form=move_form or _move_form(course, item), locked=locked,
        correction_form=correction_form,
    ), status


@bp.route("/<slug>/items/<int:item_id>/module", methods=["POST"])
@require(COURSES_AUTHOR)
def move_item(slug: str, item_id: int):
    """Move a lesson or quiz to the end of another module of the same course."""
    course = course_by_slug(slug)
    item = _item(course, item_id)
    move_form = _move_form(course, item, request.form)
    if move_form.validate():
        target = db.session.get(Module, move_form.module.data)
        try:
            if target is None:
                raise ops.CourseError(_("Choose another module of this course."))
            ops.move_item_to_module(item, target)
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
    item = _item(course, item_id)
    if item.kind == KIND_ASSIGNMENT and ops.has_submitted_work(item):
        flash(_("Learners have worked on “%(title)s”: it cannot be deleted. "
                "Make it optional instead.", title=item.title), "error")
        return redirect(url_for("courses_author.course", slug=course.slug), 303)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate():
            abort(400)
        if form.action.data == "delete":
            title = item.title
            ops.delete_item(item)
            db.session.commit()
            flash(_("“%(title)s” is deleted.", title=title), "success")
            return _structure(course)
        # Anything but the confirmation page's button leads to the confirmation page.
        return redirect(url_for("courses_author.delete_item", slug=slug, item_id=item.id), 303)
    learners, attempts = ops.item_usage(item)
    return render_template(
        "courses/author/delete_item.html",
        course=course,
        item=item,
        form=form,
        learners=learners,
        attempts=attempts,
    )


def _question(item: Item, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.item_id != item.id:
        abort(404)
    return question


@bp.route("/<slug>/items/<int:item_id>/questions/new", methods=["GET", "POST"])
@bp.route("/<slug>/items/<int:item_id>/questions/<int:question_id>", methods=["GET", "POST"])
@require(COURSES_AUTHOR)
def question(slug: str, item_id: int, question_id: int | None = None):
    """Add or edit a quiz question with up to six answers."""
    course = course_by_slug(slug)
    item = _item(course, item_id)
    if item.kind != KIND_QUIZ:
        abort(404)
    current = _question(item, question_id) if question_id else None
    form = QuestionForm(obj=current if request.method == "GET" else None)
    if request.method == "GET" and current is not None:
        form.accepted.data = "\n".join(current.accepted or [])
        for row, option in zip(form.option_rows(), current.options, strict=False):
            row.form.text.data = option.text
            row.form.correct.data = option.correct
            row.form.feedback.data = option.feedback
    if form.validate_on_submit():
        target = current or Question(key=f"q{len(item.questions) + 1}")
        form.populate(target)
        options = [] if form.type.data == "short" else form.options_data()
        ops.save_question(item, target, options)
        db.session.commit()
        flash(_("Question saved."), "success")
        return redirect(url_for("courses_author.edit_item", slug=slug, item_id=item.id), 303)
    return render_template(
        "courses/author/question_form.html", form=form, course=course, item=item, question=current
    )


@bp.route("/<slug>/items/<int:item_id>/questions/<int:question_id>/move", methods=["POST"])
@require(COURSES_AUTHOR)
def move_question(slug: str, item_id: int, question_id: int):
    """Move a question one place up or down in its quiz (``action`` = ``up`` or ``down``)."""
    course = course_by_slug(slug)
    item = _item(course, item_id)
    current = _question(item, question_id)
    form = ActionForm()
    if not form.validate():
        abort(400)
    step = {"up": -1, "down": 1}.get(form.action.data or "")
    if step is None:
        abort_with(400, _("Choose whether to move the question up or down."))
    if ops.move_question(current, step):
        db.session.commit()
    else:
        flash(_("The question is already at that end of the quiz."), "error")
    anchor = f"question-{current.id}"
    return redirect(
        url_for("courses_author.edit_item", slug=slug, item_id=item.id, _anchor=anchor), 303
    )


@bp.route("/<slug>/items/<int:item_id>/questions/<int:question_id>/delete", methods=["POST"])
@require(COURSES_AUTHOR)
def delete_question(slug: str, item_id: int, question_id: int):
    course = course_by_slug(slug)
    item = _item(course, item_id)
    current = _question(item, question_id)
    if not ActionForm().validate():
        abort(400)
    try:
        ops.delete_question(current)
    except ops.CourseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Question deleted."), "success")
    return redirect(url_for("courses_author.edit_item", slug=slug, item_id=item.id), 303)
