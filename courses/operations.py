"""The courses plugin's writes: check, mutate, flush, send signals; never commit.

Every "only one" rule is a database constraint; the operations insert inside a
savepoint and treat a unique violation as "someone else did it first", so
parallel requests leave one row and send one signal.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import audit, signals
from lms.accounts.models import User
from lms.contracts import CompletionSnapshot, EnrolmentSnapshot
from lms.db import db, insert_unless_exists, lock_for_update, utcnow

from .models import (
    KIND_LESSON,
    KIND_QUIZ,
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    STATUS_RETIRED,
    Completion,
    Course,
    Enrolment,
    Item,
    Module,
    Option,
    Prerequisite,
    Progress,
    Question,
    QuizAttempt,
)
from .prerequisites import titles, unmet_prerequisites
from .progress import outline_for

DEFAULT_PASS_MARK = 70
#: Advisory-lock namespace for per-enrolment writers on PostgreSQL (SQLite needs none).
_ENROLMENT_LOCK = 0x43_0000_0000


class CourseError(Exception):
    """A learner or author action cannot be done; the message says why in plain words."""


class AnswerError(CourseError):
    """Quiz answers do not fit the quiz; ``errors`` maps question ids to messages."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(_("Please answer every question."))
        self.errors = errors


def _send(signal, **kwargs) -> None:
    signal.send(current_app._get_current_object(), **kwargs)


def _lock(enrolment: Enrolment) -> None:
    lock_for_update(_ENROLMENT_LOCK + enrolment.id)


# -- catalogue rules -------------------------------------------------------------------------


def is_listed(course: Course, now: dt.datetime | None = None) -> bool:
    """Tell whether the catalogue shows ``course``: published and not past its retire time."""
    now = now or utcnow()
    return course.status == STATUS_PUBLISHED and (
        course.retire_dt is None or course.retire_dt > now
    )


def completed_course_ids(user_id: int) -> set[int]:
    """Ids of the courses ``user_id`` has completed (any version)."""
    return set(
        db.session.scalars(
            select(Completion.course_id).where(Completion.user_id == user_id).distinct()
        )
    )


def missing_prerequisites(course: Course, user_id: int) -> list[Course]:
    """The prerequisite courses ``user_id`` has not completed yet (see :mod:`.prerequisites`)."""
    return unmet_prerequisites(course, [user_id]).get(user_id, [])


def enrol_refusal(course: Course, user_id: int) -> str | None:
    """Say why ``user_id`` may not enrol in ``course``, or ``None`` when they may."""
    if course.status == STATUS_DRAFT:
        return _("This course is not open yet.")
    if not is_listed(course) or not course.is_open:
        return _("This course is closed to new learners.")
    missing = missing_prerequisites(course, user_id)
    if missing:
        return _("First complete %(titles)s. Then you can join this course.",
                 titles=titles(missing))
    return None


# -- learning --------------------------------------------------------------------------------


def find_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )


def enrol(user: User, course: Course) -> tuple[Enrolment, bool]:
    """Enrol ``user`` in ``course`` after the server-side checks.

    :return: the enrolment and whether it is new (enrolling twice is harmless).
    :raises CourseError: with the reason the learner may not enrol.
    """
    existing = find_enrolment(user.id, course.id)
    if existing is not None:
        return existing, False
    reason = enrol_refusal(course, user.id)
    if reason:
        raise CourseError(reason)
    enrolment = Enrolment(user_id=user.id, course_id=course.id, enrolled_dt=utcnow())
    if not insert_unless_exists(enrolment):
        return find_enrolment(user.id, course.id), False
    audit.record(
        "courses.enrolment.created",
        subject_type="course",
        subject_id=course.slug,
        data={"user_id": user.id, "version": course.version},
    )
    _send(signals.enrolment_created, enrolment=_enrolment_snapshot(enrolment, course))
    return enrolment, True


def _enrolment_snapshot(enrolment: Enrolment, course: Course) -> EnrolmentSnapshot:
    return EnrolmentSnapshot(enrolment.id, enrolment.user_id, course.slug, course.version)


def _touch(enrolment: Enrolment, item: Item) -> None:
    enrolment.last_item_id = item.id
    enrolment.last_activity_dt = utcnow()


def complete_lesson(enrolment: Enrolment, item: Item) -> bool:
    """Mark a lesson done. Idempotent: return whether this call recorded it.

    Completes the course in the same request when it was the last required item.
    """
    if item.course_id != enrolment.course_id or item.kind != KIND_LESSON:
        raise CourseError(_("This is not a lesson of your course."))
    _lock(enrolment)
    _touch(enrolment, item)
    exists = db.session.scalar(
        select(Progress.id).where(
            Progress.enrolment_id == enrolment.id, Progress.item_id == item.id
        )
    )
    created = exists is None and insert_unless_exists(
        Progress(enrolment_id=enrolment.id, item_id=item.id, completed_dt=utcnow())
    )
    if created:
        _send(
            signals.lesson_completed,
            enrolment=_enrolment_snapshot(enrolment, enrolment.course),
            lesson_key=item.key,
            completed_dt=utcnow(),
        )
    check_completion(enrolment)
    return created


def check_completion(enrolment: Enrolment) -> Completion | None:
    """Record the completion of the course's current version, once, if every required item is done.

    Only the request that inserts the :class:`Completion` row sends
    ``course_completed``, so the signal fires once per learner and version.
    """
    course = enrolment.course
    if enrolment.completed_version == course.version:
        return None
    state = outline_for(enrolment)[0]
    if not state.completed:
        return None
    now = utcnow()
    completion = Completion(
        enrolment_id=enrolment.id,
        user_id=enrolment.user_id,
        course_id=course.id,
        course_version=course.version,
        completed_dt=now,
        final_score=state.final_score,
    )
    if not insert_unless_exists(completion):
        return None
    enrolment.completed_dt = now
    enrolment.completed_version = course.version
    user = db.session.get(User, enrolment.user_id)
    audit.record(
        "courses.course.completed",
        subject_type="course",
        subject_id=course.slug,
        data={"user_id": user.id, "version": course.version, "score": state.final_score},
    )
    _send(
        signals.course_completed,
        completion=CompletionSnapshot(
            enrolment_id=enrolment.id,
            user_id=user.id,
            display_name=user.display_name,
            email=user.email,
            course_slug=course.slug,
            course_title=course.title,
            course_version=course.version,
            completed_dt=now,
            final_score=state.final_score,
            outcomes=tuple(course.outcomes or ()),
            estimated_hours=course.estimated_hours,
            language=user.locale,
        ),
    )
    return completion


# -- quizzes ---------------------------------------------------------------------------------


def pass_mark(item: Item) -> int:
    return DEFAULT_PASS_MARK if item.pass_mark is None else item.pass_mark


def attempts_used(enrolment: Enrolment, item: Item) -> int:
    return db.session.scalar(
        select(func.coalesce(func.max(QuizAttempt.attempt_no), 0)).where(
            QuizAttempt.enrolment_id == enrolment.id, QuizAttempt.item_id == item.id
        )
    )


def attempts_left(enrolment: Enrolment, item: Item) -> int | None:
    """How many attempts remain; ``None`` means no limit."""
    if not item.max_attempts:
        return None
    return max(item.max_attempts - attempts_used(enrolment, item), 0)


def parse_answers(item: Item, form: Mapping) -> dict[str, list[str] | str]:
    """Check submitted answers against the quiz; return question key -> option keys or text.

    The form holds ``q<question id>`` fields whose values are option ids (text
    for short-answer questions).

    :raises AnswerError: an answer is missing, duplicated, or names an option
        of another question.
    """
    errors: dict[int, str] = {}
    answers: dict[str, list[str] | str] = {}
    known = {f"q{q.id}" for q in item.questions}
    if any(name.startswith("q") and name[1:].isdigit() and name not in known for name in form):
        errors[0] = _("The answers do not belong to this quiz. Please reload the page.")
    getlist = form.getlist if hasattr(form, "getlist") else lambda k: form.get(k, [])
    for question in item.questions:
        values = [v.strip() for v in getlist(f"q{question.id}")]
        values = [v for v in values if v]
        if question.type == "short":
            if len(values) != 1:
                errors[question.id] = _("Type your answer.")
            else:
                answers[question.key] = values[0][:500]
            continue
        options = {str(o.id): o.key for o in question.options}
        if not values:
            errors[question.id] = _("Choose an answer.")
        elif len(set(values)) != len(values):
            errors[question.id] = _("Choose each answer only once.")
        elif any(v not in options for v in values):
            errors[question.id] = _("That answer is not one of this question's choices.")
        elif question.type != "multiple" and len(values) > 1:
            errors[question.id] = _("Choose only one answer.")
        else:
            answers[question.key] = [options[v] for v in values]
    if errors:
        raise AnswerError(errors)
    return answers


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    correct: bool
    chosen: tuple[Option, ...]
    text: str


def grade(
    item: Item, answers: Mapping[str, list[str] | str],
    also_accepted: Mapping[str, list[str]] | None = None,
) -> tuple[float, list[QuestionResult]]:
    """Grade answers (question key -> option keys or text); return the percent score and details.

    :param also_accepted: question key -> more accepted answers of short questions
        (its translations'; see :func:`courses.shown.also_accepted`).
    """
    results = []
    also_accepted = also_accepted or {}
    for question in item.questions:
        given = answers.get(question.key)
        if question.type == "short":
            text = given if isinstance(given, str) else ""
            accepted = [*(question.accepted or ()), *also_accepted.get(question.key, ())]
            ok = bool(text) and _normal(text) in {_normal(a) for a in accepted}
            results.append(QuestionResult(question, ok, (), text))
            continue
        keys = set(given or ()) if not isinstance(given, str) else set()
        chosen = tuple(o for o in question.options if o.key in keys)
        correct = {o.key for o in question.options if o.correct}
        results.append(QuestionResult(question, keys == correct and bool(keys), chosen, ""))
    score = round(100 * sum(r.correct for r in results) / len(results), 1) if results else 0.0
    return score, results


def submit_quiz(
    enrolment: Enrolment, item: Item, form: Mapping,
    also_accepted: Mapping[str, list[str]] | None = None,
) -> QuizAttempt:
    """Validate, grade and store one attempt; record the pass and complete the course if due.

    :param also_accepted: see :func:`grade`.

    :raises AnswerError: answers do not fit the quiz (nothing is stored).
    :raises CourseError: no attempts left, or the quiz is not part of the course.
    """
    if item.course_id != enrolment.course_id or item.kind != KIND_QUIZ:
        raise CourseError(_("This is not a quiz of your course."))
    answers = parse_answers(item, form)
    _lock(enrolment)
    used = attempts_used(enrolment, item)
    if item.max_attempts and used >= item.max_attempts:
        raise CourseError(_("You have used all your attempts at this quiz."))
    score, _results = grade(item, answers, also_accepted)
    passed = score >= pass_mark(item)
    attempt = QuizAttempt(
        enrolment_id=enrolment.id,
        item_id=item.id,
        attempt_no=used + 1,
        score=score,
        passed=passed,
        answers=answers,
        submitted_dt=utcnow(),
    )
    if not insert_unless_exists(attempt):
        raise CourseError(_("This attempt was already sent. Please reload the page."))
    _touch(enrolment, item)
    _send(
        signals.quiz_attempted,
        enrolment=_enrolment_snapshot(enrolment, enrolment.course),
        quiz_key=item.key,
        attempt_no=attempt.attempt_no,
        score=score,
        passed=passed,
        submitted_dt=attempt.submitted_dt,
    )
    if passed:
        progress = db.session.scalar(
            select(Progress).where(
                Progress.enrolment_id == enrolment.id, Progress.item_id == item.id
            )
        )
        if progress is None:
            insert_unless_exists(
                Progress(
                    enrolment_id=enrolment.id, item_id=item.id, completed_dt=utcnow(), score=score
                )
            )
        elif (progress.score or 0) < score:
            progress.score = score
    db.session.flush()
    check_completion(enrolment)
    return attempt


# -- authoring -------------------------------------------------------------------------------


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


def save_question(item: Item, question: Question, options: list[dict]) -> Question:
    """Add or update a question; ``options`` are dicts with text, correct and feedback."""
    if question.id is None:
        question.key = _unique_key({q.key for q in item.questions}, question.key)
        question.position = _next_position(item.questions)
        item.questions.append(question)
    keep = [o for o in options if o["text"].strip()]
    by_pos = list(question.options)
    for n, data in enumerate(keep):
        option = by_pos[n] if n < len(by_pos) else Option(key=f"o{n + 1}")
        if option not in question.options:
            option.key = _unique_key({o.key for o in question.options}, option.key)
            question.options.append(option)
        option.text, option.correct, option.feedback = (
            data["text"].strip(), bool(data["correct"]), data.get("feedback", "").strip()
        )
        option.position = n
    for option in by_pos[len(keep) :]:
        question.options.remove(option)
    revise(item.course)
    db.session.flush()
    return question


def delete_question(question: Question) -> None:
    """Delete a quiz question (a new version: what learners must answer changed).

    :raises CourseError: it is the only question of a quiz learners can take (a
        quiz without questions could never be passed).
    """
    item = question.item
    course = item.course
    if len(item.questions) == 1 and course.status == STATUS_PUBLISHED:
        raise CourseError(
            _(
                "This is the quiz's only question and the course is published: learners could "
                "not pass an empty quiz. Add another question first, or delete the quiz."
            )
        )
    item.questions.remove(question)
    _renumber(item.questions)
    revise(course)
    db.session.flush()
    audit.record(
        "courses.question.deleted",
        subject_type="course",
        subject_id=course.slug,
        data={"item": item.key, "question": question.key},
    )


def move_question(question: Question, step: int) -> bool:
    """Move a question one place up (-1) or down (1) in its quiz; return whether it moved.

    Answers are graded by question, not by place, so the course keeps its version.
    """
    item = question.item
    moved = move(item.questions, question, step)
    if moved:
        item.course.updated_dt = utcnow()
        db.session.flush()
        audit.record(
            "courses.question.moved",
            subject_type="course",
            subject_id=item.course.slug,
            data={"item": item.key, "question": question.key, "position": question.position},
        )
    return moved


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
