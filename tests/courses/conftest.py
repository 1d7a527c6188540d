"""Builders for courses tests: courses made straight in the database, tokens, signal catchers."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from courses.models import (
    KIND_LESSON,
    KIND_QUIZ,
    STATUS_PUBLISHED,
    Course,
    Enrolment,
    Item,
    Module,
    Option,
    Prerequisite,
    Question,
)
from lms import signals
from lms.db import db as _db


def plugins_without(*names: str) -> str:
    """An ``LMS_PLUGINS`` value: every installed plugin but ``names``."""
    from lms.plugins import available

    return ",".join(sorted(set(available()) - set(names)))


@pytest.fixture()
def make_course(app) -> Callable[..., Course]:
    """``make_course(slug, lessons=3, quiz=True, status="published", modules=1)``.

    Lessons are keyed ``l1``..``lN`` spread over the modules; the quiz
    (``final``) comes last with one single-choice question (right option
    ``yes``) and one short-answer question (accepting "rochdale").
    """

    def factory(
        slug: str = "co-op-basics",
        lessons: int = 3,
        quiz: bool = True,
        status: str = STATUS_PUBLISHED,
        modules: int = 1,
        max_attempts: int = 0,
        requires: tuple[Course, ...] = (),
        title: str | None = None,
        **fields,
    ) -> Course:
        course = Course(
            slug=slug,
            title=title or slug.replace("-", " ").title(),
            summary="A summary.",
            status=status,
            outcomes=["Know things"],
            **{"topic": "basics", **fields},
        )
        mods = [Module(key=f"m{n}", title=f"Module {n}", position=n) for n in range(modules)]
        course.modules = mods
        for n in range(lessons):
            module = mods[n * modules // max(lessons, 1)]
            module.items.append(
                Item(
                    course=course,
                    key=f"l{n + 1}",
                    kind=KIND_LESSON,
                    title=f"Lesson {n + 1}",
                    position=n,
                    body_md="Text",
                    body_html="<p>Text</p>",
                    estimated_minutes=5,
                )
            )
        if quiz:
            q = Item(
                course=course,
                key="final",
                kind=KIND_QUIZ,
                title="Final quiz",
                position=lessons + 1,
                pass_mark=100,
                max_attempts=max_attempts,
            )
            q.questions = [
                Question(
                    key="q1",
                    type="single",
                    prompt="Is it?",
                    explanation="Because.",
                    position=0,
                    options=[
                        Option(key="yes", text="Yes", correct=True, feedback="Right.", position=0),
                        Option(key="no", text="No", correct=False, feedback="No.", position=1),
                    ],
                ),
                Question(
                    key="q2", type="short", prompt="Where?", accepted=["Rochdale"], position=1
                ),
            ]
            mods[-1].items.append(q)
        course.prerequisites = [Prerequisite(required_course=r) for r in requires]
        _db.session.add(course)
        _db.session.commit()
        return course

    return factory


@pytest.fixture()
def enrol(app):
    def factory(user, course) -> Enrolment:
        enrolment = Enrolment(user_id=user.id, course_id=course.id)
        _db.session.add(enrolment)
        _db.session.commit()
        return enrolment

    return factory


def token(client, path: str = "/courses/my") -> str:
    """The CSRF token of the client's session (the same for every form)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="(?:[a-z]+-)?csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def quiz_form(quiz: Item, right: bool = True) -> dict[str, str]:
    """Form data answering the test quiz (all right, or the choice wrong)."""
    q1, q2 = quiz.questions
    choice = next(o for o in q1.options if o.correct == right)
    return {f"q{q1.id}": str(choice.id), f"q{q2.id}": " ROCHDALE "}


@pytest.fixture()
def completions(app) -> list:
    """Collect every ``course_completed`` snapshot sent by this app."""
    caught: list = []

    def receiver(sender, completion, **kwargs):
        caught.append(completion)

    signals.course_completed.connect(receiver, sender=app, weak=False)
    yield caught
    signals.course_completed.disconnect(receiver, sender=app)


@pytest.fixture()
def request_ctx(app):
    """A request context, for operations that translate messages outside a view.

    A POST's, as the operations run in writing requests (a GET's may not write).
    """
    with app.test_request_context(method="POST"):
        yield
