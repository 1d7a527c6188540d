"""Learning: enrol, lessons, quizzes, Continue. Every page needs a signed-in learner."""

from __future__ import annotations

from functools import cache

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import defer

from lms.db import db, reads_first, writing
from lms.permissions import login_required

from .. import operations as ops
from .. import quizzes
from ..cohorts.models import CohortMember
from ..cohorts.schedule import learner_schedule
from ..content_format import source_entries
from ..forms import action_is_valid
from ..models import KIND_ASSIGNMENT, KIND_LESSON, KIND_QUIZ, Course, Enrolment, Item, QuizAttempt
from ..outline_progress import outline_for
from ..shown import also_accepted, lang_attributes, page_language
from ..titles import course_title
from . import bp
from .common import check_visible, visible_course
from .in_language import in_language, neighbours


@cache
def _learning_query():
    """The statement of :func:`_learning`, built once per process.

    Building a select with its joins and options, and computing its cache
    key, costs several times more than running it; a built statement keeps
    its cache key, and the values come as bound parameters.
    """
    return (
        select(Course, Enrolment, Item, CohortMember.cohort_id)
        .outerjoin(
            Enrolment,
            and_(Enrolment.course_id == Course.id, Enrolment.user_id == bindparam("user_id")),
        )
        .outerjoin(Item, and_(Item.course_id == Course.id, Item.key == bindparam("key")))
        .outerjoin(CohortMember, CohortMember.enrolment_id == Enrolment.id)
        .where(Course.slug == bindparam("slug"))
        .options(
            defer(Course.description), defer(Course.description_html), defer(Item.body_md)
        )
    )


def _learning(
    slug: str, key: str
) -> tuple[Course, Enrolment | None, Item | None, int | None]:
    """The course, the current user's enrolment, the item ``key`` and the user's cohort id.

    One query. The cohort id (``None`` for learners at their own pace) says
    whether a schedule may hold the item back.

    The same checks as :func:`~.common.visible_course` (404 for a course the
    user may not see); the caller sends a learner who is not enrolled to the
    course page before it answers 404 for an unknown item. What the pages never
    show (the course description, the lesson's Markdown source) is not loaded.
    """
    row = db.session.execute(
        _learning_query(), {"user_id": current_user.id, "key": key, "slug": slug}
    ).one_or_none()
    if row is None:
        abort(404)
    course, enrolment, item, cohort_id = row
    check_visible(course, enrolment)
    return course, enrolment, item, cohort_id


def _schedule(course, cohort_id):
    """The learner's cohort schedule for ``course``; ``None`` (no query) outside cohorts."""
    return None if cohort_id is None else learner_schedule(current_user.id, course.id)


def _not_enrolled(course):
    flash(_("Join the course first. Then you can open its lessons."), "info")
    return redirect(url_for("courses.course_page", slug=course.slug))


def _titled(message: str, course) -> Markup:
    """A translated ``message`` naming ``course`` (``%(title)s``) as the page's language does.

    Markup, which the session keeps as such: an untranslated title is marked with its
    language (:class:`~courses.titles.ShownTitle`), the message's own text escaped.
    """
    return escape(message) % {"title": course_title(course)}


def _item_url(course, item) -> str:
    return url_for("courses.item", slug=course.slug, key=item.key)


@bp.route("/<slug>/enrol", methods=["POST"])
@login_required
def enrol(slug: str):
    """Join a course; the server checks status, dates and prerequisites."""
    course, enrolment = visible_course(slug)
    if not action_is_valid():
        abort(400)
    try:
        enrolment, created = ops.enrol(current_user, course)
    except ops.CourseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("courses.course_page", slug=course.slug)), 303
    db.session.commit()
    if created:
        flash(_titled(_("You joined “%(title)s”. Start with the first lesson."), course),
              "success")
    return redirect(url_for("courses.resume", slug=course.slug))


@bp.route("/<slug>/continue")
@login_required
def resume(slug: str):
    """Go to where the learner left off: the item worked on last, or the next one to do."""
    course, enrolment = visible_course(slug)
    if enrolment is None:
        return _not_enrolled(course)
    target = outline_for(enrolment)[0].continue_item
    if target is None:
        return redirect(url_for("courses.course_page", slug=course.slug))
    return redirect(_item_url(course, target))


def _outline(course, enrolment):
    return outline_for(enrolment)


@bp.route("/<slug>/learn/<key>")
@login_required
def item(slug: str, key: str):
    """A lesson, a quiz or an assignment, with the course outline and next/previous links."""
    course, enrolment, current, cohort_id = _learning(slug, key)
    if enrolment is None:
        return _not_enrolled(course)
    if current is None:
        abort(404)
    schedule = _schedule(course, cohort_id)
    if schedule is not None and not schedule.is_open(current.module_id):
        return _locked_page(course, current, schedule)
    progress, modules = _outline(course, enrolment)
    if current.kind == KIND_LESSON:
        return _lesson_page(course, enrolment, current, progress, modules, schedule=schedule)
    if current.kind == KIND_ASSIGNMENT:
        # Imported here: the assignment views build on this module's lookups.
        from ..assignments.views import assignment_page

        return assignment_page(course, enrolment, current, progress, modules,
                               schedule=schedule, cohort_id=cohort_id)
    return _quiz_page(course, enrolment, current, progress, modules, schedule=schedule)


def _locked_page(course, item, schedule):
    """Say when the item's module opens for the learner's group (403: not yet)."""
    return render_template(
        "courses/locked.html",
        course=course,
        item=item,
        dates=schedule.modules[item.module_id],
        schedule=schedule,
    ), 403


def _refuse_locked(course, item, cohort_id):
    """Refuse work on an item whose module has not opened yet; ``None`` when it is open."""
    schedule = _schedule(course, cohort_id)
    if schedule is None or schedule.is_open(item.module_id):
        return None
    opens = schedule.modules[item.module_id].opens_on
    flash(
        _("This part of the course opens on %(date)s for your group.", date=format_date(opens)),
        "error",
    )
    return redirect(url_for("courses.course_page", slug=course.slug), 303)


def _lesson_page(course, enrolment, lesson, progress, modules, status=200, schedule=None):
    sources = tuple(source_entries(lesson.sources))
    # The sources are the original's (a translation has none of its own).
    original = "" if page_language() == course.language else course.language
    course, lesson, progress, modules, note = in_language(course, lesson, progress, modules)
    before, after = neighbours(course, progress, lesson.id)
    return render_template(
        "courses/lesson.html",
        course=course,
        lesson=lesson,
        lang_note=note,
        state=progress.item(lesson.id),
        progress=progress,
        modules=modules,
        before=before,
        after=after,
        links=(before, after),
        schedule=schedule,
        sources=sources,
        sources_lang=lang_attributes(original),
    ), status


def _quiz_page(
    course, enrolment, quiz, progress, modules, errors=None, given=None, status=200,
    schedule=None,
):
    course, quiz, progress, modules, note = in_language(course, quiz, progress, modules)
    before, after = neighbours(course, progress, quiz.id)
    attempts = db.session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.item_id == quiz.id)
        .order_by(QuizAttempt.attempt_no)
    ).all()
    left = None if not quiz.max_attempts else max(quiz.max_attempts - len(attempts), 0)
    return render_template(
        "courses/quiz.html",
        course=course,
        quiz=quiz,
        lang_note=note,
        state=progress.item(quiz.id),
        progress=progress,
        modules=modules,
        before=before,
        after=after,
        attempts=attempts,
        attempts_left=left,
        pass_mark=quizzes.pass_mark(quiz),
        errors=errors or {},
        given=given,
        schedule=schedule,
    ), status


@bp.route("/<slug>/learn/<key>/complete", methods=["POST"])
@reads_first
@login_required
def complete(slug: str, key: str):
    """Mark a lesson done (safe to send twice), then go on to the next item.

    The user, course, enrolment, lesson and progress are read first. A lesson
    already done (a second click, a form sent again) writes nothing and goes
    where the first click went. Otherwise only the write (which re-reads the
    progress it depends on) holds SQLite's write lock.
    """
    course, enrolment, lesson, cohort_id = _learning(slug, key)
    if enrolment is None:
        return _not_enrolled(course)
    if lesson is None:
        abort(404)
    if not action_is_valid():
        abort(400)
    refused = _refuse_locked(course, lesson, cohort_id)
    if refused is not None:
        return refused
    progress = outline_for(enrolment)[0]
    if _changes_nothing(course, enrolment, lesson, progress):
        return _after_item(course, enrolment, lesson, progress)
    with writing():
        try:
            ops.complete_lesson(enrolment, lesson)
        except ops.CourseError as exc:
            db.session.rollback()
            abort(400, str(exc))
        db.session.commit()
    return _after_item(course, enrolment, lesson)


def _changes_nothing(course, enrolment, lesson, progress) -> bool:
    """Tell whether marking ``lesson`` done would change nothing.

    So it is when the lesson is done already and the course's completion is
    not waiting to be recorded (every required item done but no completion of
    this version, as after an author made the last missing item optional).
    A quiz is never marked done here: :func:`~courses.operations.complete_lesson`
    refuses it.
    """
    if lesson.kind != KIND_LESSON:
        return False
    state = progress.item(lesson.id)
    if state is None or not state.done:
        return False
    return enrolment.completed_version == course.version or not progress.completed


def _after_item(course, enrolment, item, progress=None):
    """Where to go after ``item``: the next item to do, or the course page when done.

    :param progress: the enrolment's progress, when it is already read and current.
    """
    if enrolment.completed_version == course.version:
        flash(_titled(_("Well done! You completed “%(title)s”."), course), "success")
        return redirect(url_for("courses.completed", slug=course.slug), 303)
    if progress is None:
        progress = outline_for(enrolment)[0]
    _before, after = progress.neighbours(item.id)
    target = after if after is not None and not after.done else progress.next_item
    if target is None:
        return redirect(url_for("courses.course_page", slug=course.slug), 303)
    return redirect(_item_url(course, target), 303)


@bp.route("/<slug>/learn/<key>/submit", methods=["POST"])
@login_required
def submit(slug: str, key: str):
    """Grade a quiz attempt and show its feedback; wrong or missing answers: 400, nothing kept."""
    course, enrolment, quiz, cohort_id = _learning(slug, key)
    if enrolment is None:
        return _not_enrolled(course)
    if quiz is None or quiz.kind != KIND_QUIZ:
        abort(404)
    if not action_is_valid():
        abort(400)
    refused = _refuse_locked(course, quiz, cohort_id)
    if refused is not None:
        return refused
    try:
        attempt = quizzes.submit_quiz(enrolment, quiz, request.form, also_accepted(quiz))
    except quizzes.AnswerError as exc:
        db.session.rollback()
        progress, modules = _outline(course, enrolment)
        given = {k: request.form.getlist(k) for k in request.form}
        return _quiz_page(course, enrolment, quiz, progress, modules, exc.errors, given, 400)
    except ops.CourseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(_item_url(course, quiz), 303)
    db.session.commit()
    if enrolment.completed_version == course.version and attempt.passed:
        flash(_titled(_("Well done! You completed “%(title)s”."), course), "success")
    return redirect(
        url_for("courses.attempt", slug=course.slug, key=quiz.key, number=attempt.attempt_no), 303
    )


@bp.route("/<slug>/learn/<key>/attempts/<int:number>")
@login_required
def attempt(slug: str, key: str, number: int):
    """One attempt's result: score, what was right, feedback and explanations."""
    course, enrolment, quiz, cohort_id = _learning(slug, key)
    if enrolment is None:
        return _not_enrolled(course)
    if quiz is None:
        abort(404)
    row = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.enrolment_id == enrolment.id,
            QuizAttempt.item_id == quiz.id,
            QuizAttempt.attempt_no == number,
        )
    ) or abort(404)
    progress, modules = _outline(course, enrolment)
    left = quizzes.attempts_left(enrolment, quiz)
    accepted = also_accepted(quiz)
    course, quiz, progress, modules, note = in_language(course, quiz, progress, modules)
    # Graded again to show each answer; by keys, so the same in any language.
    score, results = quizzes.grade(quiz, row.answers, accepted)
    before, after = neighbours(course, progress, quiz.id)
    return render_template(
        "courses/attempt.html",
        course=course,
        quiz=quiz,
        lang_note=note,
        attempt=row,
        results=results,
        progress=progress,
        modules=modules,
        state=progress.item(quiz.id),
        after=after,
        before=before,
        attempts_left=left,
        pass_mark=quizzes.pass_mark(quiz),
        completed=enrolment.completed_version == course.version,
        schedule=_schedule(course, cohort_id),
    )
