"""The content schemas (courses.content_format.schemas) and the messages made from them."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from courses.content_format import ContentProblems, read_course, schemas

from .content_helpers import CHECK, COURSE_YAML, INTRO, course_folder


@pytest.mark.parametrize("schema", [schemas.COURSE, schemas.LESSON_FRONT_MATTER, schemas.QUIZ])
def test_schemas_are_valid_json_schema(schema):
    Draft202012Validator.check_schema(schema)


def problems_of(tmp_path, changes) -> list[str]:
    with pytest.raises(ContentProblems) as info:
        read_course(course_folder(tmp_path, changes=changes))
    return [str(p) for p in info.value.problems]


def test_missing_keys_are_reported_once_each(tmp_path):
    found = problems_of(tmp_path, {"quizzes/check.yaml": "title: Check\n"})
    assert found == [
        "demo-course/quizzes/check.yaml:1: the quiz is missing 'pass_mark', 'max_attempts', "
        "'required', 'questions'"
    ]


def test_nested_messages_name_their_question(tmp_path):
    check = CHECK.replace("    text: A\n    correct: true\n    feedback: Yes.\n", "", 1)
    check = check.replace("  type: true_false\n", "")
    found = problems_of(tmp_path, {"quizzes/check.yaml": check})
    assert "demo-course/quizzes/check.yaml:10: question 'pick-one': an option is missing " \
        "'text', 'correct', 'feedback'" in found
    assert "demo-course/quizzes/check.yaml:36: question 'is-it' is missing 'type'" in found


def test_whole_numbers_and_booleans_are_strict(tmp_path):
    intro = INTRO.replace("estimated_minutes: 10", "estimated_minutes: 10.0")
    course_yaml = COURSE_YAML.format(slug="demo-course", prerequisites="[]").replace(
        "estimated_hours: 1.5", "estimated_hours: true"
    )
    found = problems_of(tmp_path, {"lessons/intro.md": intro, "course.yaml": course_yaml})
    assert "demo-course/lessons/intro.md:3: estimated_minutes must be a whole number " \
        "(got the number 10.0)" in found
    assert "demo-course/course.yaml:14: estimated_hours must be a number, 0 or more" in found


def test_problems_are_ordered_by_file_and_line(tmp_path):
    intro = INTRO.replace("required: true", "required: maybe")
    intro = intro.replace("title: 'Intro: the start'", "title: ' '")
    found = problems_of(tmp_path, {"lessons/intro.md": intro})
    assert found == [
        "demo-course/lessons/intro.md:2: title must not be empty",
        "demo-course/lessons/intro.md:4: required must be true or false (got text)",
    ]
