"""Reading, validating and writing course folders (courses.content_format)."""

from __future__ import annotations

import pytest

from courses.content_format import (
    ContentProblems,
    course_files,
    read_course,
    read_courses,
    write_course,
)

from .content_helpers import CHECK, COURSE_YAML, INTRO, course_folder
from .content_helpers import course_files as demo_files


def _without_correct_options(question: str) -> str:
    head, tail = CHECK.split(f"- id: {question}\n")
    block, _, rest = tail.partition("\n- id: ")
    block = block.replace("correct: true", "correct: false")
    return f"{head}- id: {question}\n{block}\n- id: {rest}"


def problems_of(folder, **kwargs) -> list[str]:
    with pytest.raises(ContentProblems) as info:
        read_course(folder, **kwargs)
    return [str(p) for p in info.value.problems]


def test_valid_course_parses(tmp_path):
    course = read_course(course_folder(tmp_path))
    assert course.slug == "demo-course"
    assert course.estimated_hours == 1.5
    assert [m.key for m in course.modules] == ["first", "last"]
    assert [i.key for i in course.items()] == ["intro", "second", "check", "further-reading"]
    intro, second = course.lessons()[:2]
    assert intro.title == "Intro: the start" and intro.estimated_minutes == 10
    assert intro.body == "# Hello\n\nRead [the second lesson](lesson:second) next.\n"
    assert second.required is False
    (quiz,) = course.quizzes()
    assert (quiz.pass_mark, quiz.max_attempts, quiz.required) == (50, 0, True)
    assert [q.type for q in quiz.questions] == ["single", "multiple", "true_false", "short"]
    assert [o.key for o in quiz.questions[2].options] == ["true", "false"]
    assert quiz.questions[3].accepted == ["Rochdale"]
    assert course.warnings == []


def test_canonical_round_trip_is_byte_for_byte(tmp_path):
    course = read_course(course_folder(tmp_path / "in"))
    write_course(course, tmp_path / "out" / course.slug)
    for rel, text in demo_files().items():
        assert (tmp_path / "out" / course.slug / rel).read_bytes() == text.encode()
    assert course_files(read_course(tmp_path / "out" / course.slug)) == demo_files()


def test_writer_uses_literal_blocks_and_keeps_unicode(tmp_path):
    course = read_course(course_folder(tmp_path))
    text = course_files(course)["quizzes/check.yaml"]
    assert "  explanation: |\n    A and B.\n\n    Not C.\n" in text
    assert "“curly quotes” and an é" in course_files(course)["course.yaml"]


def test_every_problem_is_reported_with_file_and_line(tmp_path):
    course_yaml = (
        COURSE_YAML.format(slug="other-slug", prerequisites="[]")
        .replace("level: introductory", "level: expert")
        .replace("topic: testing", "topic: testing\ncolour: blue")
        .replace("  - quiz: check\n", "  - quiz: check\n  - lesson: missing\n  - lesson: intro\n")
    )
    intro = INTRO.replace("required: true", "required: true\nauthor: me").replace(
        "lesson:second", "lesson:nowhere"
    )
    check = (
        CHECK.replace(
            "    correct: false\n    feedback: No.\n  explanation: A is right.",
            "    correct: true\n    feedback: No.\n  explanation: A is right.",
        )
        .replace("  accepted:\n  - Rochdale\n", "")
        .replace("  - id: 'false'", "  - id: 'no'")
    )
    folder = course_folder(
        tmp_path,
        changes={
            "course.yaml": course_yaml,
            "lessons/intro.md": intro,
            "quizzes/check.yaml": check,
            "lessons/orphan.md": INTRO,
            "lessons/crlf.md": INTRO.replace("\n", "\r\n"),
            "lessons/latin.md": INTRO.encode() + "caf\xe9\n".encode("latin-1"),
            "notes.txt": "hello\n",
        },
    )
    found = problems_of(folder)
    expected = [
        "demo-course/course.yaml:1: slug 'other-slug' must equal the folder name 'demo-course'",
        "demo-course/course.yaml:12: the course has an unknown key 'colour'",
        "demo-course/course.yaml:13: level must be one of",
        "demo-course/course.yaml:24: lesson 'missing': there is no file lessons/missing.md",
        "demo-course/course.yaml:25: lesson 'intro' is used more than once (first on line 21)",
        "demo-course/lessons/intro.md:5: the front matter has an unknown key 'author'",
        "demo-course/lessons/intro.md:9: link 'lesson:nowhere': no lesson or quiz 'nowhere'",
        "demo-course/lessons/orphan.md: lesson 'orphan' is not used by any module",
        "demo-course/lessons/crlf.md:1: has Windows or old Mac line endings",
        "demo-course/lessons/latin.md:9: is not valid UTF-8",
        "demo-course/notes.txt: unexpected file",
        "demo-course/quizzes/check.yaml:9: question 'pick-one' of type single needs exactly one "
        "correct option",
        "demo-course/quizzes/check.yaml:42: question 'is-it' of type true_false needs exactly "
        "the options 'true' and 'false'",
        "demo-course/quizzes/check.yaml:52: question 'name-it' is missing 'accepted'",
    ]
    for message in expected:
        assert any(p.startswith(message) for p in found), (message, "\n".join(found))


@pytest.mark.parametrize(
    ("rel", "content", "message"),
    [
        ("course.yaml", "slug: demo-course\ntitle: [unclosed\n", "course.yaml:3: not valid YAML"),
        ("course.yaml", "slug: demo-course\nslug: again\n", "course.yaml:2: key 'slug' appears"),
        ("lessons/intro.md", "title: x\n", "intro.md:1: a lesson starts with front matter"),
        ("lessons/intro.md", "---\ntitle: x\n", "intro.md:1: the front matter has no closing"),
        ("lessons/intro.md", INTRO.rstrip("\n"), "intro.md:8: must end with a newline"),
        ("lessons/intro.md", INTRO + "\n", "intro.md:9: must end with exactly one newline"),
        (
            "lessons/intro.md",
            INTRO.replace("estimated_minutes: 10", "estimated_minutes: ten"),
            "intro.md:3: estimated_minutes must be a whole number",
        ),
        (
            "quizzes/check.yaml",
            CHECK.replace("pass_mark: 50", "pass_mark: 150"),
            "check.yaml:2: pass_mark must be from 0 to 100",
        ),
        (
            "quizzes/check.yaml",
            _without_correct_options("pick-some"),
            "check.yaml:22: question 'pick-some' of type multiple needs at least one correct",
        ),
        (
            "quizzes/check.yaml",
            CHECK.replace("id: pick-one", "id: Pick One"),
            "check.yaml:6: question id 'Pick One' is not a valid id",
        ),
        (
            "quizzes/check.yaml",
            CHECK.replace("id: 'true'", "id: true"),
            "check.yaml:43: question 'is-it': option id must be text (put it in quotes)",
        ),
        (
            "quizzes/check.yaml",
            CHECK.replace("id: pick-some", "id: pick-one"),
            "check.yaml:19: question id 'pick-one' is used twice",
        ),
    ],
)
def test_single_problem(tmp_path, rel, content, message):
    found = problems_of(course_folder(tmp_path, changes={rel: content}))
    assert any(message in p for p in found), found


def test_lesson_and_quiz_ids_must_differ(tmp_path):
    course_yaml = COURSE_YAML.format(slug="demo-course", prerequisites="[]").replace(
        "  - lesson: further-reading\n", "  - lesson: further-reading\n  - quiz: intro\n"
    )
    folder = course_folder(
        tmp_path, changes={"course.yaml": course_yaml, "quizzes/intro.yaml": CHECK}
    )
    assert any("has the same id as a lesson" in p for p in problems_of(folder))


def test_course_references_use_the_batch_and_the_hook(tmp_path):
    intro = INTRO.replace("lesson:second", "course:basics")
    folder = course_folder(
        tmp_path, "advanced", changes={"lessons/intro.md": intro}, prerequisites="\n- basics"
    )
    found = problems_of(folder)
    assert "advanced/course.yaml:16: prerequisite: no course 'basics'" in found
    assert "advanced/lessons/intro.md:8: link 'course:basics': no course 'basics'" in found

    assert read_course(folder, course_exists=lambda slug: slug == "basics").slug == "advanced"

    basics = course_folder(tmp_path, "basics")
    ordered = read_courses([folder, basics])
    assert [c.slug for c in ordered] == ["basics", "advanced"]


def test_prerequisite_loop(tmp_path):
    a = course_folder(tmp_path, "course-a", prerequisites="\n- course-b")
    b = course_folder(tmp_path, "course-b", prerequisites="\n- course-a")
    with pytest.raises(ContentProblems) as info:
        read_courses([a, b])
    assert any("prerequisites form a loop" in str(p) for p in info.value.problems)


def test_warnings_for_raw_html_and_odd_links(tmp_path):
    intro = INTRO + "\n<b>bold</b> and [x](ftp://example.org/file)\n"
    course = read_course(course_folder(tmp_path, changes={"lessons/intro.md": intro}))
    warnings = [str(w) for w in course.warnings]
    assert "demo-course/lessons/intro.md:10: raw HTML is shown as plain text" in warnings
    assert any("intro.md:10: link 'ftp://example.org/file' will be removed" in w for w in warnings)


def test_a_module_schedule_round_trips_and_is_checked(tmp_path):
    scheduled = COURSE_YAML.format(slug="demo-course", prerequisites="[]").replace(
        "  title: Last module\n", "  title: Last module\n  opens_after_days: 7\n"
    )
    course = read_course(course_folder(tmp_path / "in", changes={"course.yaml": scheduled}))
    assert [m.opens_after_days for m in course.modules] == [None, 7]
    assert course_files(course)["course.yaml"] == scheduled
    for bad, message in (("-1", "from 0 to 3650 (got -1)"), ("soon", "whole number (got text)")):
        folder = course_folder(
            tmp_path / bad,
            changes={"course.yaml": scheduled.replace("opens_after_days: 7",
                                                      f"opens_after_days: {bad}")},
        )
        assert any(message in p for p in problems_of(folder)), bad
