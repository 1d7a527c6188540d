"""The shipped curriculum (issue 7): content checks, import, byte-for-byte round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from courses.content_format import CourseSource, find_course_folders, read_courses
from courses.importing import CONTENT_DIR, export_course, import_path, seed
from courses.models import Course


@pytest.fixture(scope="module")
def curriculum() -> list[CourseSource]:
    """Every shipped course, parsed and validated as one batch (links and prerequisites too)."""
    return read_courses(find_course_folders(CONTENT_DIR))


def courses_ids(courses):
    return [c.slug for c in courses]


def test_at_least_eight_courses(curriculum):
    assert len(curriculum) >= 8


def test_parses_without_warnings(curriculum):
    assert [str(w) for c in curriculum for w in c.warnings] == []


def test_course_shape(curriculum):
    for course in curriculum:
        assert course.summary.strip() and course.description.strip(), course.slug
        assert 3 <= len(course.outcomes) <= 6, course.slug
        assert course.estimated_hours > 0, course.slug
        assert 4 <= len(course.lessons()) <= 8, course.slug


def test_lesson_length(curriculum):
    wrong = [
        (course.slug, lesson.key, len(lesson.body.split()))
        for course in curriculum
        for lesson in course.lessons()
        if not 400 <= len(lesson.body.split()) <= 900
    ]
    assert wrong == []


def test_every_module_ends_with_a_knowledge_check(curriculum):
    for course in curriculum:
        for module in course.modules:
            assert module.items[-1].kind == "quiz", (course.slug, module.key)
            assert any(item.kind == "lesson" for item in module.items), (course.slug, module.key)


def test_final_quiz(curriculum):
    for course in curriculum:
        final = list(course.items())[-1]
        assert final.kind == "quiz", course.slug
        assert len(final.questions) >= 8, course.slug
        assert final.required, course.slug


def test_every_question_answerable_and_explained(curriculum):
    for course in curriculum:
        for quiz in course.quizzes():
            for question in quiz.questions:
                where = (course.slug, quiz.key, question.key)
                assert question.prompt.strip() and question.explanation.strip(), where
                if question.type == "short":
                    assert question.accepted, where
                else:
                    assert any(option.correct for option in question.options), where
                    for option in question.options:
                        assert option.feedback.strip(), (*where, option.key)


def test_every_lesson_reachable(curriculum):
    # Every lesson file is used by exactly one module (the reader enforces it), and the
    # lessons are in modules that the course outline lists: nothing is orphaned.
    for course in curriculum:
        folder = CONTENT_DIR / course.slug
        files = {p.stem for p in (folder / "lessons").glob("*.md")}
        assert files == {lesson.key for lesson in course.lessons()}, course.slug
        quizzes = {p.stem for p in (folder / "quizzes").glob("*.yaml")}
        assert quizzes == {quiz.key for quiz in course.quizzes()}, course.slug


def test_internal_links_resolve(curriculum):
    # read_courses reports any lesson: or course: link that does not resolve; here we also
    # check that the batch has no dangling prerequisite.
    slugs = set(courses_ids(curriculum))
    for course in curriculum:
        assert set(course.prerequisites) <= slugs, course.slug
        for ref in course.references:
            assert ref.slug in slugs, (course.slug, ref)


def test_further_reading_lesson(curriculum):
    # The lesson lists real public sources by name (the writers give names rather than
    # web addresses that may change); it is the course's last lesson.
    for course in curriculum:
        last = course.lessons()[-1]
        assert last.title.lower().startswith("further reading"), course.slug


def test_imports_without_warnings_and_round_trips_byte_for_byte(db, tmp_path):
    results = import_path(CONTENT_DIR)
    db.session.commit()
    assert all(r.outcome == "new" and r.warnings == [] for r in results)
    for result in results:
        export_course(result.slug, tmp_path)
    for folder in find_course_folders(CONTENT_DIR):
        source = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
        exported_dir = tmp_path / folder.name
        exported = {
            p.relative_to(exported_dir).as_posix(): p
            for p in exported_dir.rglob("*")
            if p.is_file()
        }
        assert sorted(exported) == sorted(source), folder.name
        for rel, path in source.items():
            assert exported[rel].read_bytes() == path.read_bytes(), f"{folder.name}/{rel}"


def test_seed_imports_the_curriculum_once(app, db):
    seed(app, False)
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(Course))
    assert count == len(find_course_folders(CONTENT_DIR))
    seed(app, True)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Course)) == count
    assert set(db.session.scalars(select(Course.version))) == {1}
    assert set(db.session.scalars(select(Course.status))) == {"published"}


def test_every_table_header_names_its_column():
    """No shipped lesson (nor its translations) has an empty header cell (axe's
    ``empty-table-header``): the renderer would make it a ``<td>``, but the corner of a
    comparison reads better named."""
    from courses.markdown import parse

    empty = []
    for path in sorted(CONTENT_DIR.rglob("*.md")):
        tokens = parse(path.read_text(encoding="utf-8"))
        empty += [
            (path.relative_to(CONTENT_DIR).as_posix(), token.map[0] + 1 if token.map else None)
            for n, token in enumerate(tokens[:-1])
            if token.type == "th_open" and not tokens[n + 1].content.strip()
        ]
    assert empty == []
