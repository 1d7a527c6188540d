"""Authoring: courses, modules and items as authors edit them (a quiz's questions are in
:mod:`.question_authoring`). A change to what learners must do revises a published course
(:func:`revise`). Check, mutate, flush, audit; never commit (the rules of :mod:`.operations`).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import audit
from lms.db import db, utcnow

from .models import (
    KIND_LESSON,
    KIND_QUIZ,
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    STATUS_RETIRED,
    Course,
    Item,
    Module,
    Prerequisite,
    Progress,
    QuizAttempt,
)
from .operations import CourseError


def _render(source: str, slug: str) -> str:
    from .markdown import render_markdown

    return render_markdown(source, slug)


def _render_lesson(item: Item, slug: str) -> str:
    """A lesson's HTML, its citations numbered by its sources."""
    from .markdown import render_lesson

    return render_lesson(item.body_md or "", slug, item.sources or [])


_KEEP = object()


def save_course(
    course: Course, prerequisite_ids: list[int] | None = None, retire_dt=_KEEP
) -> Course:
    """Add or update a course (details already populated by the form).

    ``retire_dt``, when given, is when the course leaves the catalogue (``None``:
    never). It changes nothing learners must do, so it never makes a new version.
    """
    retire_changed = retire_dt is not _KEEP and retire_dt != course.retire_dt
    if retire_changed:
        course.retire_dt = retire_dt
    course.description_html = _render(course.description or "", course.slug)
    course.updated_dt = utcnow()
    if course.id is None:
        course.status = STATUS_DRAFT
        course.version = 1
        db.session.add(course)
    if prerequisite_ids is not None:
        wanted = set(prerequisite_ids) - {course.id}
        current = {p.required_course_id: p for p in course.prerequisites}
        for cid, prereq in current.items():
            if cid not in wanted:
                course.prerequisites.remove(prereq)
        for cid in wanted - set(current):
            course.prerequisites.append(Prerequisite(required_course_id=cid))
    db.session.flush()
    audit.record("courses.course.saved", subject_type="course", subject_id=course.slug)
    if retire_changed:
        # When a course leaves the catalogue is a decision worth its own line in the log.
        audit.record(
            "courses.course.retire_date_set",
            subject_type="course",
            subject_id=course.slug,
            data={"retire_dt": course.retire_dt.isoformat() if course.retire_dt else None},
        )
    return course


def set_status(course: Course, status: str) -> None:
    """Publish, unpublish (back to draft) or retire a course."""
    if status not in (STATUS_DRAFT, STATUS_PUBLISHED, STATUS_RETIRED):
        raise CourseError(_("Unknown status."))
    if status == STATUS_PUBLISHED and not any(i.required for i in course.items):
        raise CourseError(_("Add at least one lesson or quiz before publishing."))
    if status == STATUS_PUBLISHED and course.status != STATUS_PUBLISHED:
        check_passable(course)
    if status == course.status:
        return
    course.status = status
    if status == STATUS_PUBLISHED and course.published_dt is None:
        course.published_dt = utcnow()
    course.updated_dt = utcnow()
    db.session.flush()
    audit.record(
        f"courses.course.{ {'draft': 'unpublished'}.get(status, status) }",
        subject_type="course",
        subject_id=course.slug,
    )


def check_passable(course: Course) -> None:
    """Refuse to let ``course`` go live with a required quiz that has no questions.

    Such a quiz scores 0 at every attempt, so no learner could ever finish the
    course (the same reason the last question of a live quiz cannot be deleted).

    :raises CourseError: naming the first such quiz.
    """
    for item in course.items:
        if item.kind == KIND_QUIZ and item.required and not item.questions:
            raise CourseError(
                _("“%(title)s” has no questions yet: learners could not pass it. Add its "
                  "questions, or make it optional, before publishing.", title=item.title)
            )


def revise(course: Course) -> None:
    """Note a change to what learners must do: a published course gets a new version.

    Progress rows point at items, which keep their ids, so learners keep every
    lesson that still exists; a completion belongs to the version it was for.
    """
    if course.status != STATUS_DRAFT or course.published_dt is not None:
        course.version += 1
    course.updated_dt = utcnow()


def _next_position(rows) -> int:
    return max((r.position for r in rows), default=-1) + 1


def _unique_key(existing: set[str], wanted: str) -> str:
    key, n = wanted, 2
    while key in existing:
        key, n = f"{wanted}-{n}", n + 1
    return key


def add_module(course: Course, title: str, key: str) -> Module:
    key = _unique_key({m.key for m in course.modules}, key)
    module = Module(key=key, title=title, position=_next_position(course.modules))
    course.modules.append(module)
    db.session.flush()
    return module


def add_item(module: Module, kind: str, key: str, **fields) -> Item:
    course = module.course
    key = _unique_key({i.key for i in course.items}, key)
    item = Item(
        course=course, module=module, kind=kind, key=key,
        position=_next_position(module.items), **fields,
    )
    if kind == KIND_LESSON:
        item.body_html = _render_lesson(item, course.slug)
    module.items.append(item)
    if item.required:
        revise(course)
    db.session.flush()
    return item


def save_item(item: Item, required_before: bool) -> None:
    """After a form populated ``item``: re-render the lesson and revise the course if needed."""
    if item.kind == KIND_LESSON:
        item.body_html = _render_lesson(item, item.course.slug)
    if item.required != required_before:
        revise(item.course)
    item.course.updated_dt = utcnow()
    db.session.flush()


def _renumber(rows) -> None:
    for n, row in enumerate(rows):
        row.position = n


def save_module(module: Module) -> None:
    """After a form populated ``module`` (title, opening day): store it.

    Neither changes what learners must do, so the course keeps its version.
    """
    module.course.updated_dt = utcnow()
    db.session.flush()
    audit.record(
        "courses.module.saved",
        subject_type="course",
        subject_id=module.course.slug,
        data={
            "module": module.key,
            "title": module.title,
            "unlock_after_days": module.unlock_after_days,
        },
    )


def delete_module(module: Module) -> None:
    """Delete an empty module. A module with lessons or quizzes is refused, never emptied.

    :raises CourseError: the module still holds lessons or quizzes.
    """
    if module.items:
        from flask_babel import ngettext

        raise CourseError(
            ngettext(
                "This module still has %(num)d lesson or quiz. Move it to another module "
                "or delete it first; then you can delete the module.",
                "This module still has %(num)d lessons or quizzes. Move them to another module "
                "or delete them first; then you can delete the module.",
                len(module.items),
            )
        )
    course = module.course
    course.modules.remove(module)
    _renumber(course.modules)
    course.updated_dt = utcnow()
    db.session.flush()
    audit.record(
        "courses.module.deleted",
        subject_type="course",
        subject_id=course.slug,
        data={"module": module.key, "title": module.title},
    )


def move_item_to_module(item: Item, target: Module) -> None:
    """Move a lesson or quiz to the end of another module of its course.

    The item keeps its id and key, so learners keep their progress on it; what
    learners must do is unchanged, so the course keeps its version (as when
    items are reordered).

    :raises CourseError: the module belongs to another course, or already holds the item.
    """
    if target.course_id != item.course_id:
        raise CourseError(_("That module belongs to another course."))
    if target.id == item.module_id:
        raise CourseError(_("It is already in that module. Choose another module."))
    source = item.module
    remaining = [i for i in source.items if i is not item]
    item.position = _next_position(target.items)
    item.module = target
    _renumber(remaining)
    item.course.updated_dt = utcnow()
    db.session.flush()
    audit.record(
        "courses.item.moved",
        subject_type="course",
        subject_id=item.course.slug,
        data={"item": item.key, "from_module": source.key, "to_module": target.key},
    )


def item_usage(item: Item) -> tuple[int, int]:
    """How many learners have progress on ``item``, and how many quiz attempts it has."""
    learners = db.session.scalar(
        select(func.count(func.distinct(Progress.enrolment_id))).where(Progress.item_id == item.id)
    )
    attempts = db.session.scalar(
        select(func.count(QuizAttempt.id)).where(QuizAttempt.item_id == item.id)
    )
    return learners or 0, attempts or 0


def has_submitted_work(item: Item) -> bool:
    """Tell whether a learner has started or submitted work for ``item`` (an assignment)."""
    from .assignments.models import Submission

    return db.session.scalar(
        select(Submission.id).where(Submission.item_id == item.id).limit(1)
    ) is not None


def delete_item(item: Item) -> None:
    """Delete a lesson or quiz; learners' progress and attempts on it go with it.

    Deleting a required item changes what learners must do: a new version.
    """
    course = item.course
    module = item.module
    learners, attempts = item_usage(item)
    data = {
        "item": item.key,
        "kind": item.kind,
        "title": item.title,
        "module": module.key,
        "learners_with_progress": learners,
        "attempts": attempts,
    }
    if item.required:
        revise(course)
    course.updated_dt = utcnow()
    _renumber([i for i in module.items if i is not item])
    db.session.delete(item)
    db.session.flush()
    db.session.expire(module, ["items"])
    db.session.expire(course, ["items"])
    audit.record("courses.item.deleted", subject_type="course", subject_id=course.slug, data=data)


def move(rows: list, target, direction: int) -> bool:
    """Swap ``target`` with its neighbour in ``rows`` (ordered by position); renumber all."""
    rows = list(rows)
    at = rows.index(target)
    other = at + direction
    if not 0 <= other < len(rows):
        return False
    rows[at], rows[other] = rows[other], rows[at]
    for n, row in enumerate(rows):
        row.position = n
    db.session.flush()
    return True
