"""Importing course folders into the database, exporting them, and the ``flask courses`` CLI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from courses.importing import ImportProblems, export_course, import_course, import_courses
from courses.models import (
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    Course,
    Enrolment,
    Item,
    Option,
    Prerequisite,
    Progress,
    Question,
)
from lms.audit import AuditEvent

from .content_helpers import COURSE_YAML, INTRO, course_files, course_folder


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def get_course(db, slug="demo-course") -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def test_new_course_is_published_version_one(db, tmp_path):
    result = import_course(course_folder(tmp_path))
    db.session.commit()
    assert (result.slug, result.version, result.outcome) == ("demo-course", 1, "new")
    course = get_course(db)
    assert (course.status, course.version, course.estimated_hours) == (STATUS_PUBLISHED, 1, 1.5)
    assert course.published_dt is not None
    assert [m.key for m in course.modules] == ["first", "last"]
    assert [i.key for i in course.modules[0].items] == ["intro", "second", "check"]
    intro = course.modules[0].items[0]
    assert '<a href="/courses/demo-course/learn/second">' in intro.body_html
    assert 'rel="noopener noreferrer"' in course.description_html
    quiz = course.modules[0].items[2]
    assert [q.key for q in quiz.questions] == ["pick-one", "pick-some", "is-it", "name-it"]
    assert quiz.questions[3].accepted == ["Rochdale"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("courses.%")))
    assert event.action == "courses.course.imported"
    assert event.data == {"slug": "demo-course", "version": 1, "created": True}


def test_identical_reimport_changes_nothing(db, tmp_path):
    folder = course_folder(tmp_path)
    import_course(folder)
    db.session.commit()
    events = count(db, AuditEvent)
    result = import_course(folder)
    db.session.commit()
    assert (result.version, result.outcome) == (1, "unchanged")
    assert get_course(db).version == 1
    assert count(db, AuditEvent) == events


def test_changed_reimport_bumps_version_and_keeps_progress(db, tmp_path, make_user):
    folder = course_folder(tmp_path)
    import_course(folder)
    db.session.commit()
    course = get_course(db)
    items = {item.key: item for item in course.items}
    question_ids = {q.key: q.id for q in items["check"].questions}
    learner = make_user()
    enrolment = Enrolment(user_id=learner.id, course_id=course.id)
    db.session.add(enrolment)
    db.session.flush()
    for key in ("intro", "second", "check"):
        db.session.add(Progress(enrolment_id=enrolment.id, item_id=items[key].id))
    course.status = STATUS_DRAFT
    db.session.commit()
    kept_ids = {key: items[key].id for key in ("intro", "check", "further-reading")}

    # Drop lesson "second", retitle "intro", add lesson "new-lesson", drop a question.
    course_yaml = COURSE_YAML.format(slug="demo-course", prerequisites="[]").replace(
        "  - lesson: second\n", "  - lesson: new-lesson\n"
    )
    check = (tmp_path / "demo-course/quizzes/check.yaml").read_text()
    head, _, rest = check.partition("- id: name-it")
    course_folder(
        tmp_path,
        changes={
            "course.yaml": course_yaml,
            "lessons/second.md": None,
            "lessons/new-lesson.md": INTRO.replace("lesson:second", "lesson:intro"),
            "lessons/intro.md": INTRO.replace("Intro: the start", "A new title").replace(
                "lesson:second", "lesson:new-lesson"
            ),
            "quizzes/check.yaml": head.rstrip("\n") + "\n",
        },
    )
    (tmp_path / "demo-course/lessons/second.md").unlink()
    result = import_course(folder)
    db.session.commit()
    db.session.expire_all()

    assert (result.version, result.outcome) == (2, "updated")
    course = get_course(db)
    assert course.version == 2
    assert course.status == STATUS_DRAFT  # a re-import keeps the status
    items = {item.key: item for item in course.items}
    assert set(items) == {"intro", "new-lesson", "check", "further-reading"}
    assert {key: items[key].id for key in kept_ids} == kept_ids
    assert items["intro"].title == "A new title"
    assert [i.key for i in course.modules[0].items] == ["intro", "new-lesson", "check"]
    progress = db.session.scalars(
        select(Progress.item_id).where(Progress.enrolment_id == enrolment.id)
    ).all()
    assert sorted(progress) == sorted([kept_ids["intro"], kept_ids["check"]])
    assert {q.key: q.id for q in items["check"].questions} == {
        k: v for k, v in question_ids.items() if k != "name-it"
    }
    assert count(db, Question) == 3
    assert count(db, Option) == 2 + 3 + 2


def test_import_is_all_or_nothing(db, tmp_path):
    good = course_folder(tmp_path, "good-course")
    bad = course_folder(
        tmp_path, "bad-course", changes={"lessons/intro.md": INTRO.replace("lesson:", "lesson:x")}
    )
    with pytest.raises(ImportProblems) as info:
        import_courses([good, bad])
    assert [str(p) for p in info.value.problems] == [
        "bad-course/lessons/intro.md:8: link 'lesson:xsecond': no lesson or quiz 'xsecond'"
    ]
    db.session.rollback()
    assert count(db, Course) == 0
    assert count(db, Item) == 0


def test_prerequisites_in_one_batch_and_from_the_database(db, tmp_path):
    advanced = course_folder(tmp_path / "a", "advanced", prerequisites="\n- basics")
    basics = course_folder(tmp_path / "a", "basics")
    results = import_courses([advanced, basics])
    assert [r.slug for r in results] == ["basics", "advanced"]
    db.session.commit()
    prerequisite = db.session.scalar(select(Prerequisite))
    assert (prerequisite.course.slug, prerequisite.required_course.slug) == ("advanced", "basics")

    # Already in the database: a later import may require it.
    later = course_folder(tmp_path / "b", "later", prerequisites="\n- basics\n- advanced")
    import_course(later)
    db.session.commit()
    assert count(db, Prerequisite) == 3

    missing = course_folder(tmp_path / "c", "missing", prerequisites="\n- nowhere")
    with pytest.raises(ImportProblems) as info:
        import_course(missing)
    assert "missing/course.yaml:16: prerequisite: no course 'nowhere'" in [
        str(p) for p in info.value.problems
    ]


def test_export_round_trip_and_refusal(db, tmp_path):
    import_course(course_folder(tmp_path / "src"))
    db.session.commit()
    folder = export_course("demo-course", tmp_path / "out")
    assert folder == tmp_path / "out" / "demo-course"
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert written == sorted(course_files())
    for rel, text in course_files().items():
        assert (folder / rel).read_bytes() == text.encode()

    (folder / "lessons" / "stale.md").write_text("old\n")
    with pytest.raises(FileExistsError):
        export_course("demo-course", tmp_path / "out")
    export_course("demo-course", tmp_path / "out", force=True)
    assert not (folder / "lessons" / "stale.md").exists()
    with pytest.raises(LookupError):
        export_course("nope", tmp_path / "out")


def test_cli_import_export_list(app, db, tmp_path):
    runner = app.test_cli_runner()
    course_folder(tmp_path / "src", "first-course")
    course_folder(tmp_path / "src", "second-course")
    result = runner.invoke(args=["courses", "import", str(tmp_path / "src")])
    assert result.exit_code == 0, result.output
    assert "first-course: version 1 (new)" in result.output

    result = runner.invoke(args=["courses", "list", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {
            "slug": slug,
            "title": "Demo course",
            "status": "published",
            "version": 1,
            "lessons": 3,
        }
        for slug in ("first-course", "second-course")
    ]
    assert "first-course" in runner.invoke(args=["courses", "list"]).output

    out = tmp_path / "out"
    result = runner.invoke(args=["courses", "export", "first-course", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "first-course" / "course.yaml").read_text() == course_files("first-course")[
        "course.yaml"
    ]
    result = runner.invoke(args=["courses", "export", "first-course", str(out)])
    assert result.exit_code != 0 and "--force" in result.output
    result = runner.invoke(args=["courses", "export", "first-course", str(out), "--force"])
    assert result.exit_code == 0, result.output


def test_cli_import_with_problems_writes_nothing(app, db, tmp_path):
    course_folder(tmp_path, "fine-course")
    course_folder(
        tmp_path,
        "broken-course",
        changes={"quizzes/check.yaml": "title: [\n", "lessons/extra.md": INTRO},
    )
    result = app.test_cli_runner().invoke(args=["courses", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "broken-course/quizzes/check.yaml:2: not valid YAML" in result.output
    assert "broken-course/lessons/extra.md: lesson 'extra' is not used" in result.output
    assert "2 problems found; nothing was imported." in result.output
    db.session.expire_all()
    assert count(db, Course) == 0


def test_reimport_moves_items_between_modules_and_changes_kind(db, tmp_path):
    folder = course_folder(tmp_path)
    import_course(folder)
    db.session.commit()
    old_ids = {item.key: item.id for item in get_course(db).items}
    course_yaml = (
        COURSE_YAML.format(slug="demo-course", prerequisites="[]")
        .replace("- id: last\n  title: Last module", "- id: end\n  title: The end")
        .replace("  - lesson: further-reading\n", "  - lesson: second\n  - quiz: further-reading\n")
        .replace("  - lesson: second\n  - quiz: check\n", "  - quiz: check\n", 1)
    )
    check = (folder / "quizzes/check.yaml").read_text()
    course_folder(
        tmp_path,
        changes={
            "course.yaml": course_yaml,
            "lessons/further-reading.md": None,
            "quizzes/further-reading.yaml": check,
        },
    )
    (folder / "lessons/further-reading.md").unlink()
    assert import_course(folder).version == 2
    db.session.commit()
    db.session.expire_all()
    course = get_course(db)
    assert [(m.key, [i.key for i in m.items]) for m in course.modules] == [
        ("first", ["intro", "check"]),
        ("end", ["second", "further-reading"]),
    ]
    items = {item.key: item for item in course.items}
    assert items["second"].id == old_ids["second"]
    assert items["further-reading"].kind == "quiz"
    assert items["further-reading"].body_md == "" and len(items["further-reading"].questions) == 4
    assert export_course("demo-course", tmp_path / "out")
    assert (tmp_path / "out/demo-course/course.yaml").read_text() == course_yaml
