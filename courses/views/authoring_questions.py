"""Authoring a quiz's questions: add or edit one with its answers, move it, delete it.

Each page belongs to a quiz (a lesson's or assignment's id answers 404) and
leads back to the quiz's page in :mod:`.authoring_items`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lms.db import db
from lms.errors import abort_with
from lms.permissions import require

from .. import operations as ops
from .. import question_authoring as questions
from ..forms import ActionForm
from ..models import KIND_QUIZ, Item, Question
from ..permissions import COURSES_AUTHOR
from ..quiz_forms import QuestionForm
from . import author_bp as bp
from .authoring_common import course_item
from .common import course_by_slug


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
    item = course_item(course, item_id)
    if item.kind != KIND_QUIZ:
        abort(404)
    current = _question(item, question_id) if question_id else None
    form = QuestionForm(obj=current if request.method == "GET" else None)
    if request.method == "GET" and current is not None:
        form.edited_from.data = questions.question_fingerprint(current)
        form.accepted.data = "\n".join(current.accepted or [])
        for row, option in zip(form.option_rows(), current.options, strict=False):
            row.form.text.data = option.text
            row.form.correct.data = option.correct
            row.form.feedback.data = option.feedback
    if form.validate_on_submit():
        if current is not None and form.edited_since(questions.question_fingerprint(current)):
            # Nothing saved; the page keeps what was typed and now carries the saved
            # version's fingerprint, so saving again (after comparing) replaces it knowingly.
            form.edited_from.data = questions.question_fingerprint(current)
            return render_template(
                "courses/author/question_form.html", form=form, course=course, item=item,
                question=current, edited_since=True,
            ), 409
        target = current or Question(key=f"q{len(item.questions) + 1}")
        form.populate(target)
        options = [] if form.type.data == "short" else form.options_data()
        questions.save_question(item, target, options)
        db.session.commit()
        flash(_("Question saved."), "success")
        return redirect(url_for("courses_author.edit_item", slug=slug, item_id=item.id), 303)
    return render_template(
        "courses/author/question_form.html", form=form, course=course, item=item, question=current
    ), (400 if form.errors else 200)


@bp.route("/<slug>/items/<int:item_id>/questions/<int:question_id>/move", methods=["POST"])
@require(COURSES_AUTHOR)
def move_question(slug: str, item_id: int, question_id: int):
    """Move a question one place up or down in its quiz (``action`` = ``up`` or ``down``)."""
    course = course_by_slug(slug)
    item = course_item(course, item_id)
    current = _question(item, question_id)
    form = ActionForm()
    if not form.validate():
        abort(400)
    step = {"up": -1, "down": 1}.get(form.action.data or "")
    if step is None:
        abort_with(400, _("Choose whether to move the question up or down."))
    if questions.move_question(current, step):
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
    item = course_item(course, item_id)
    current = _question(item, question_id)
    if not ActionForm().validate():
        abort(400)
    try:
        questions.delete_question(current)
    except ops.CourseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Question deleted."), "success")
    return redirect(url_for("courses_author.edit_item", slug=slug, item_id=item.id), 303)
