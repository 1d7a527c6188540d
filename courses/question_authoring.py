"""Authoring a quiz's questions: add, change, delete and reorder them, and the fingerprint
an edit page carries to notice a save made since it opened. The rules of :mod:`.authoring`:
check, mutate, flush, audit; never commit.
"""

from __future__ import annotations

import hashlib
import json

from flask_babel import gettext as _

from lms import audit
from lms.db import db, utcnow

from .authoring import _next_position, _renumber, _unique_key, move, revise
from .models import STATUS_PUBLISHED, Item, Option, Question
from .operations import CourseError


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


def question_fingerprint(question: Question) -> str:
    """A short hash of what an author edits in ``question`` (its text and answers).

    Its edit page carries it, so a save from a page older than another save of
    the same question is noticed; other questions of the quiz do not count.
    """
    options = sorted(question.options, key=lambda o: o.position or 0)
    data = [question.type, question.prompt, question.explanation, question.accepted or [],
            [[o.text, o.correct, o.feedback] for o in options]]
    return hashlib.sha256(json.dumps(data).encode("utf-8")).hexdigest()[:16]


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
