"""Assignments in course files: read, checked, imported and exported losslessly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from courses.importing import ImportProblems, export_course, import_course
from courses.models import KIND_ASSIGNMENT, Item

from .content_helpers import course_files

DOC = Path(__file__).parents[2] / "docs" / "content-format.md"


def _documented_example() -> str:
    """The assignment file shown in docs/content-format.md (the docs and the code agree)."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Assignments"):]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def _folder(tmp_path: Path, assignment: str) -> Path:
    files = course_files()
    files["course.yaml"] = files["course.yaml"].replace(
        "  - lesson: further-reading\n",
        "  - lesson: further-reading\n  - assignment: membership-policy\n",
    )
    files["assignments/membership-policy.yaml"] = assignment
    folder = tmp_path / "demo-course"
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


def test_the_documented_assignment_imports_and_exports_byte_for_byte(db, tmp_path):
    example = _documented_example()
    import_course(_folder(tmp_path / "src", example))
    db.session.commit()
    item = db.session.scalar(select(Item).where(Item.kind == KIND_ASSIGNMENT))
    assert item.title == "Draft your membership policy" and item.required
    assert "<strong>membership policy</strong>" in item.body_html
    assert item.assignment["due_after_days"] == 14
    assert item.assignment["files"] == {
        "types": ["pdf", "docx", "odt"], "max_kb": 2048, "max_count": 2, "archives": False,
    }
    assert [c["id"] for c in item.assignment["rubric"]] == ["who-may-join", "length"]
    folder = export_course("demo-course", tmp_path / "out")
    assert (folder / "assignments" / "membership-policy.yaml").read_text() == example
    # An identical re-import changes nothing.
    assert not import_course(folder).changed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    - odt\n", "    - zip\n"), "zip is an archive: allow it with 'archives: true'"),
        (("- id: length\n", "- id: who-may-join\n"), "criterion id 'who-may-join' is used twice"),
        (("  text: true\n  files:", "  text: false\n  nofiles:"), "files"),
        (("    points: 1\n", "    points: -1\n"), "points"),
        (("rubric:\n", "rubric: []\nx:\n"), "rubric"),
    ],
)
def test_bad_assignments_are_refused_with_the_file_and_line(db, tmp_path, change, message):
    bad = _documented_example().replace(*change)
    with pytest.raises(ImportProblems) as caught:
        import_course(_folder(tmp_path, bad))
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "assignments/membership-policy.yaml:" in text and message in text, text
    assert db.session.scalar(select(Item.id)) is None


def test_an_assignment_with_submitted_work_is_never_removed(db, tmp_path, make_user, login):
    from courses.assignments.models import Submission
    from courses.models import Enrolment

    from .assignment_helpers import answer

    example = _documented_example()
    import_course(_folder(tmp_path / "src", example))
    db.session.commit()
    learner = make_user()
    course_id = db.session.scalar(select(Item.course_id).where(Item.kind == KIND_ASSIGNMENT))
    db.session.add(Enrolment(user_id=learner.id, course_id=course_id))
    db.session.commit()
    answer(login(learner), "demo-course", "membership-policy", "Mine", action="submit")
    # Removed from course.yaml: refused, nothing written.
    folder = _folder(tmp_path / "again", example)
    (folder / "course.yaml").write_text(
        (folder / "course.yaml").read_text().replace("  - assignment: membership-policy\n", "")
    )
    (folder / "assignments" / "membership-policy.yaml").unlink()
    (folder / "assignments").rmdir()
    with pytest.raises(ImportProblems) as caught:
        import_course(folder)
    assert "holds learners' work" in str(caught.value)
    db.session.rollback()
    assert db.session.scalar(select(Submission.version_count)) == 1
    # Nor deleted from the authoring pages.
    author = login(make_user(roles=("tutor",)))
    item_id = db.session.scalar(select(Item.id).where(Item.kind == KIND_ASSIGNMENT))
    response = author.get(f"/courses/author/demo-course/items/{item_id}/delete")
    assert response.status_code == 303
    assert db.session.get(Item, item_id) is not None
