"""Course translations as files beside the originals (``translations/<lang>/``)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from courses.content_format import (
    ContentProblems,
    course_files,
    read_course,
    source_hash,
    stamp,
    write_course,
)

from .content_helpers import INTRO, course_folder
from .content_helpers import course_files as demo_files
from .translation_helpers import CHECK_PL, INTRO_PL, polish_files

PL = "demo-course/translations/pl"


def translated_folder(tmp_path, changes=None):
    files: dict = polish_files()
    files.update(changes or {})
    return course_folder(tmp_path, changes=files)


def problems_of(folder) -> list[str]:
    with pytest.raises(ContentProblems) as info:
        read_course(folder)
    return [str(p) for p in info.value.problems]


def test_a_translation_reads_against_the_original(tmp_path):
    course = read_course(translated_folder(tmp_path))
    (pl,) = course.translations
    assert pl.language == "pl"
    assert pl.course.title == "Kurs demonstracyjny"
    assert pl.course.modules == {"first": "Pierwszy moduł", "last": "Ostatni moduł"}
    assert len(pl.course.outcomes) == 2
    intro, check = pl.items
    assert (intro.kind, intro.key, intro.title) == ("lesson", "intro", "Wstęp: początek")
    assert intro.body.startswith("# Cześć\n")
    assert [q.key for q in check.questions] == ["pick-one", "pick-some", "is-it", "name-it"]
    assert [o.key for o in check.questions[2].options] == ["true", "false"]
    assert check.questions[3].accepted == ["Rochdale", "Rochdalu"]
    assert course.warnings == []


def test_the_folder_round_trips_byte_for_byte_with_its_translations(tmp_path):
    course = read_course(translated_folder(tmp_path / "in"))
    write_course(course, tmp_path / "out" / course.slug)
    expected = {**demo_files(), **polish_files()}
    assert course_files(course) == expected
    for rel, text in expected.items():
        assert (tmp_path / "out" / course.slug / rel).read_bytes() == text.encode()
    assert read_course(tmp_path / "out" / course.slug) == course


def test_a_translation_of_an_older_original_is_a_warning(tmp_path):
    stale = INTRO_PL.format(source="0123456789ab")
    course = read_course(translated_folder(tmp_path, {"translations/pl/lessons/intro.md": stale}))
    (warning,) = course.warnings
    assert str(warning).startswith(f"{PL}/lessons/intro.md:2: made from an older lessons/intro.md")
    assert course.translations[0].items[0].source == "0123456789ab"


def _quiz(old: str, new: str) -> dict[str, str]:
    text = polish_files()["translations/pl/quizzes/check.yaml"]
    assert old in text
    return {"translations/pl/quizzes/check.yaml": text.replace(old, new, 1)}


@pytest.mark.parametrize(
    "changes, message",
    [
        (_quiz("  - id: b\n    text: B\n    feedback: Nie.",
               "  - id: z\n    text: Z\n    feedback: Nie."),
         f"{PL}/quizzes/check.yaml:10: question 'pick-one': option 'z' is not an option of the "
         "original (its options are 'a', 'b')"),
        (_quiz("- id: is-it\n", "- id: is-it-not\n"),
         f"{PL}/quizzes/check.yaml:30: question 'is-it-not': the original quiz has no such "
         "question"),
        (_quiz("  prompt: Wybierz kilka.", "  prompt: Wybierz kilka.\n  accepted:\n  - A"),
         f"{PL}/quizzes/check.yaml:16: question 'pick-some' is a choice question in the "
         "original: translate its 'options', it has no 'accepted'"),
        (_quiz("  accepted:\n  - Rochdale\n  - Rochdalu\n",
               "  options:\n  - id: a\n    text: A\n    feedback: ''\n"),
         f"{PL}/quizzes/check.yaml:42: question 'name-it' is a short question in the original: "
         "give 'accepted' (the answers in this language), not 'options'"),
        (_quiz("title: Sprawdzian\n", "title: Sprawdzian\nstray: 1\n"),
         f"{PL}/quizzes/check.yaml:3: the translated quiz has an unknown key 'stray'"),
        ({"translations/pl/lessons/nope.md": INTRO_PL.format(source=source_hash(INTRO))},
         f"{PL}/lessons/nope.md: the course has no lesson 'nope' to translate "
         "(no lessons/nope.md)"),
        ({"translations/pl/notes.txt": "x\n"},
         f"{PL}/notes.txt: unexpected file: a translation holds only course.yaml, "
         "lessons/<id>.md and quizzes/<id>.yaml"),
        ({"translations/en/lessons/intro.md": INTRO_PL.format(source=source_hash(INTRO))},
         "demo-course/translations/en: the course is written in 'en': a translation is into "
         "another language"),
        ({"translations/Polish/lessons/intro.md": INTRO_PL.format(source=source_hash(INTRO))},
         "demo-course/translations/Polish: 'Polish' is not a language tag (such as 'pl' or "
         "'ur')"),
        ({"translations/pl/lessons/intro.md": INTRO_PL.format(source="abc")},
         f"{PL}/lessons/intro.md:2: source must be the first 12 hex digits of the SHA-256 of "
         "the original file; run flask --app wsgi courses translations stamp SLUG LANG"),
        ({"translations/pl/lessons/intro.md":
          INTRO_PL.format(source=source_hash(INTRO)) + "Zob.[^ica]\n"},
         f"{PL}/lessons/intro.md:8: citation [^ica]: the lesson has no source 'ica' (add it "
         "to 'sources' in the front matter)"),
        ({"translations/pl/lessons/intro.md":
          INTRO_PL.format(source=source_hash(INTRO)).replace("lesson:second", "lesson:third")},
         f"{PL}/lessons/intro.md:7: link 'lesson:third': no lesson or quiz 'third'"),
    ],
)
def test_a_translation_problem_is_reported_with_file_and_line(tmp_path, changes, message):
    assert message in problems_of(translated_folder(tmp_path, changes))


def test_missing_questions_options_outcomes_and_unknown_modules(tmp_path):
    quiz = CHECK_PL.format(source="0123456789ab")
    head, _, rest = quiz.partition("- id: pick-some\n")
    rest = rest[rest.index("- id: is-it\n"):].replace("  - id: 'false'\n    text: Fałsz\n"
                                                      "    feedback: Źle.\n", "")
    course_pl = polish_files()["translations/pl/course.yaml"]
    course_pl = course_pl.replace("- Zrobić jedną rzecz.\n", "").replace(
        "  last: Ostatni moduł\n", "  later: Później\n")
    problems = problems_of(translated_folder(tmp_path, {
        "translations/pl/quizzes/check.yaml": head + rest,
        "translations/pl/course.yaml": course_pl,
    }))
    assert f"{PL}/quizzes/check.yaml:4: question 'pick-some' of the original is missing" \
        in problems
    assert f"{PL}/quizzes/check.yaml:17: question 'is-it': option 'false' of the original is " \
        "missing" in problems
    assert f"{PL}/course.yaml:8: outcomes: the original has 2, this has 1 (translate each, " \
        "in the same order)" in problems
    assert f"{PL}/course.yaml:12: modules: the course has no module 'later' (its modules are " \
        "'first', 'last')" in problems


def test_a_course_yaml_translation_may_hold_only_title_and_summary(tmp_path):
    text = "source: {}\ntitle: Kurs\nsummary: Krótko.\n".format(
        source_hash(demo_files()["course.yaml"]))
    course = read_course(translated_folder(tmp_path, {"translations/pl/course.yaml": text}))
    pl = course.translations[0].course
    assert (pl.title, pl.description, pl.outcomes, pl.modules) == ("Kurs", None, None, {})
    assert course_files(course)["translations/pl/course.yaml"] == text


def test_stamp_writes_the_source_of_new_files_and_restamps_only_named_ones(tmp_path, app):
    unstamped = INTRO_PL.replace("source: {source}\n", "")
    folder = course_folder(tmp_path, changes={
        "translations/pl/lessons/intro.md": unstamped,
        "translations/pl/quizzes/check.yaml": CHECK_PL.format(source="0123456789ab"),
    })
    assert stamp(folder, "pl") == [f"lessons/intro.md {source_hash(INTRO)}"]
    intro = (folder / "translations/pl/lessons/intro.md").read_text()
    assert intro == INTRO_PL.format(source=source_hash(INTRO))
    quiz = folder / "translations/pl/quizzes/check.yaml"
    assert "0123456789ab" in quiz.read_text()  # not named: kept, still out of date
    result = CliRunner().invoke(
        app.cli, ["courses", "translations", "stamp", "demo-course", "pl",
                  "quizzes/check.yaml", "--content", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert quiz.read_text() == polish_files()["translations/pl/quizzes/check.yaml"]
    assert read_course(folder).warnings == []
