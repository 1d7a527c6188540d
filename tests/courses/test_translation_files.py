"""Course translations as files beside the originals (``translations/<lang>/``)."""

from __future__ import annotations

from courses.content_format import read_course

from .content_helpers import course_folder


def test_a_translations_folder_is_not_an_unexpected_file(tmp_path):
    folder = course_folder(
        tmp_path, changes={"translations/pl/lessons/intro.md": "---\ntitle: Wstęp\n---\nTekst\n"}
    )
    assert [item.key for item in read_course(folder).lessons()][0] == "intro"
