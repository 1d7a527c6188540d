"""Translations imported into the database and exported back (issue 22)."""

from __future__ import annotations

import shutil

from sqlalchemy import func, select

from courses.content_format import source_hash
from courses.importing import export_course, import_course
from courses.models import Correction, Course, Enrolment, Item, Progress
from courses.translation_models import CourseTranslation

from .content_helpers import INTRO, course_folder
from .content_helpers import course_files as demo_files
from .translation_helpers import INTRO_PL, polish_files


def _course(db) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == "demo-course"))


def _rows(db) -> int:
    return db.session.scalar(select(func.count()).select_from(CourseTranslation))


def test_import_export_round_trips_translations_byte_for_byte(db, tmp_path):
    result = import_course(course_folder(tmp_path / "in", changes=polish_files()))
    db.session.commit()
    assert result.outcome == "new" and result.warnings == []
    assert _rows(db) == 3
    intro = db.session.scalar(
        select(CourseTranslation).join(Item, Item.id == CourseTranslation.item_id)
        .where(Item.key == "intro")
    )
    assert intro.language == "pl" and intro.title == "Wstęp: początek"
    assert '<a href="/courses/demo-course/learn/second">drugą lekcję</a>' in intro.body_html
    folder = export_course("demo-course", tmp_path / "out")
    expected = {**demo_files(), **polish_files()}
    written = {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*")
               if p.is_file()}
    assert written == expected


def test_a_translation_changes_no_version_and_is_a_recorded_correction(db, tmp_path, client):
    folder = course_folder(tmp_path, changes=polish_files())
    import_course(folder)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Correction)) == 0  # new course
    newer = INTRO_PL.format(source=source_hash(INTRO)).replace("# Cześć", "# Dzień dobry")
    (folder / "translations/pl/lessons/intro.md").write_text(newer)
    result = import_course(folder)
    db.session.commit()
    assert (result.version, result.outcome) == (1, "updated")
    (correction,) = db.session.scalars(select(Correction)).all()
    assert (correction.kind, correction.note) == ("translation", "Polish (pl): lessons/intro.md")
    assert import_course(folder).outcome == "unchanged"
    # Listed publicly on the course's "decisions and changes" page, made by an import.
    page = client.get("/courses/demo-course/changes").get_data(as_text=True)
    assert ('<td role="cell" data-label="Kind">Translation</td>'
            '<td role="cell" data-label="What was corrected">Polish (pl): lessons/intro.md</td>'
            '<td role="cell" data-label="By">an import of the content files</td>') in page


def test_reimport_without_a_language_removes_it_and_progress_stays(db, tmp_path, make_user):
    folder = course_folder(tmp_path, changes=polish_files())
    import_course(folder)
    db.session.commit()
    course = _course(db)
    learner = make_user("learner@example.org")
    enrolment = Enrolment(user_id=learner.id, course_id=course.id)
    db.session.add(enrolment)
    db.session.flush()
    intro = next(i for i in course.items if i.key == "intro")
    db.session.add(Progress(enrolment_id=enrolment.id, item_id=intro.id))
    db.session.commit()
    shutil.rmtree(folder / "translations")
    result = import_course(folder)
    db.session.commit()
    assert (result.version, result.outcome, _rows(db)) == (1, "updated", 0)
    assert db.session.scalar(select(func.count()).select_from(Progress)) == 1


def test_removing_a_lesson_removes_its_translations(db, tmp_path):
    folder = course_folder(tmp_path, changes=polish_files())
    import_course(folder)
    db.session.commit()
    text = (folder / "course.yaml").read_text().replace("  - lesson: intro\n", "")
    (folder / "course.yaml").write_text(text)
    (folder / "lessons/intro.md").unlink()
    (folder / "translations/pl/lessons/intro.md").unlink()
    (folder / "lessons/second.md").write_text(
        (folder / "lessons/second.md").read_text().replace("A table:", "A table.")
    )
    result = import_course(folder)
    db.session.commit()
    assert result.version == 2
    # The lesson's translation went with it; course.yaml's is kept, out of date now.
    assert _rows(db) == 2
    (warning,) = result.warnings
    assert str(warning).startswith(
        "demo-course/translations/pl/course.yaml:1: made from an older course.yaml")


def test_the_report_lists_missing_and_out_of_date_files(db, app, tmp_path):
    folder = course_folder(tmp_path, changes=polish_files())
    intro = folder / "lessons/intro.md"
    intro.write_text(intro.read_text().replace("# Hello", "# Hello there"))
    import_course(folder)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "translations", "report", "demo-course"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "demo-course (written in en)"
    pl = lines.index("  pl: 2 of 5 up to date")
    assert lines[pl + 1] == ("    missing (2): lessons/second.md, lessons/further-reading.md")
    assert lines[pl + 2] == "    out of date (1): lessons/intro.md"
    # Urdu (configured) has nothing yet.
    assert "  ur: 0 of 5 up to date" in lines
    data = runner.invoke(args=["courses", "translations", "report", "--json"]).output
    assert '"out_of_date": [\n' in data and '"lessons/intro.md"' in data
