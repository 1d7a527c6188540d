"""Quizzes: answers checked against the quiz, graded and stored as attempts; a pass
records the learner's progress. Check, mutate, flush, send signals; never commit
(the rules of :mod:`.operations`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import signals
from lms.db import db, insert_unless_exists, utcnow

from .models import (
    KIND_QUIZ,
    Enrolment,
    Item,
    Option,
    Progress,
    Question,
    QuizAttempt,
)
from .operations import (
    CourseError,
    check_completion,
    enrolment_snapshot,
    lock_enrolment,
    send_signal,
    touch_enrolment,
)

DEFAULT_PASS_MARK = 70


class AnswerError(CourseError):
    """Quiz answers do not fit the quiz; ``errors`` maps question ids to messages."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(_("Please answer every question."))
        self.errors = errors


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
    lock_enrolment(enrolment)
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
    touch_enrolment(enrolment, item)
    send_signal(
        signals.quiz_attempted,
        enrolment=enrolment_snapshot(enrolment, enrolment.course),
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
