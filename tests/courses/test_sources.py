"""Lesson sources (issue 23): front matter, citations, rendering, the lesson page, authoring."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from courses.content_format import ContentProblems, course_files, read_course
from courses.importing import export_course, import_course
from courses.markdown import render_lesson, render_markdown
from courses.models import STATUS_DRAFT, Course, Item

from .conftest import token
from .content_helpers import CHECK, INTRO, course_folder

SOURCED = """\
---
title: 'Intro: the start'
estimated_minutes: 10
required: true
reviewed: 2026-11-20
review_every: 12
sources:
- id: ica-1995
  title: Statement on the Co-operative Identity
  publisher: International Co-operative Alliance
  year: 1995
  url: https://ica.coop/en/cooperatives/cooperative-identity
  accessed: 2026-11-20
- id: holyoake
  title: The History of the Rochdale Pioneers
  publisher: Swan Sonnenschein
  year: 1893
---
# Hello

Co-ops follow seven principles.[^ica-1995] The Pioneers opened in 1844.[^holyoake][^ica-1995]

Read [the second lesson](lesson:second) next.
"""


def sourced_folder(tmp_path, text: str = SOURCED, **changes):
    return course_folder(tmp_path, changes={"lessons/intro.md": text, **changes})


def problems_of(folder) -> list[str]:
    with pytest.raises(ContentProblems) as info:
        read_course(folder)
    return [str(p) for p in info.value.problems]


def test_sources_and_review_dates_are_read_and_written_back_byte_for_byte(tmp_path):
    course = read_course(sourced_folder(tmp_path))
    intro = course.lessons()[0]
    assert [s.key for s in intro.sources] == ["ica-1995", "holyoake"]
    first, second = intro.sources
    assert (first.publisher, first.year, first.accessed) == (
        "International Co-operative Alliance", 1995, dt.date(2026, 11, 20)
    )
    assert (second.url, second.accessed) == ("", None)
    assert (intro.reviewed, intro.review_every) == (dt.date(2026, 11, 20), 12)
    assert course_files(course)["lessons/intro.md"] == SOURCED


def test_import_stores_sources_and_export_round_trips(db, tmp_path):
    import_course(sourced_folder(tmp_path / "in"))
    db.session.commit()
    lesson = db.session.scalar(select(Item).where(Item.key == "intro"))
    assert lesson.reviewed_on == dt.date(2026, 11, 20)
    assert lesson.review_every_months == 12
    assert lesson.sources[0] == {
        "id": "ica-1995",
        "title": "Statement on the Co-operative Identity",
        "publisher": "International Co-operative Alliance",
        "year": 1995,
        "url": "https://ica.coop/en/cooperatives/cooperative-identity",
        "accessed": "2026-11-20",
    }
    assert '<a href="#source-1" title="Statement on the Co-operative Identity">[1]</a>' in (
        lesson.body_html
    )
    export_course("demo-course", tmp_path / "out")
    assert (tmp_path / "out/demo-course/lessons/intro.md").read_text() == SOURCED
    # Importing the same folder again changes nothing, not even the version.
    assert import_course(sourced_folder(tmp_path / "in")).outcome == "unchanged"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("three principles.[^ica-1995]", "three principles.[^ica-2001]"),
            "intro.md:21: citation [^ica-2001]: the lesson has no source 'ica-2001'",
        ),
        (("- id: holyoake", "- id: ica-1995"), "intro.md:14: source id 'ica-1995' is used twice"),
        (
            ("  accessed: 2026-11-20\n", ""),
            "intro.md:8: source 'ica-1995' has a url, so it needs 'accessed'",
        ),
        (("reviewed: 2026-11-20", "reviewed: 2026-13-01"), "intro.md:5: not a valid date"),
        (
            ("reviewed: 2026-11-20", "reviewed: last year"),
            "intro.md:5: reviewed must be a date written as YYYY-MM-DD (got 'last year')",
        ),
        (("review_every: 12", "review_every: 0"), "intro.md:6: review_every must be from 1 to"),
        (
            ("url: https://ica.coop", "url: ftp://ica.coop"),
            "intro.md:12: source 'ica-1995': url 'ftp://ica.coop/en/cooperatives/cooperative-"
            "identity' must be a web address starting with https://",
        ),
        (("  year: 1893\n", "  year: 1893\n  pages: 12\n"), "intro.md:18: source 'holyoake' has "
         "an unknown key 'pages'"),
    ],
)
def test_source_problems_are_refused_with_file_and_line(tmp_path, change, message):
    text = SOURCED.replace("seven principles.[^ica-1995]", "three principles.[^ica-1995]")
    found = problems_of(sourced_folder(tmp_path, text.replace(*change)))
    assert any(p.startswith(f"demo-course/lessons/{message}") for p in found), found


def test_a_citation_in_a_lesson_without_sources_is_refused(tmp_path):
    found = problems_of(sourced_folder(tmp_path, INTRO.replace("next.", "next.[^x]")))
    assert found == [
        "demo-course/lessons/intro.md:8: citation [^x]: the lesson has no source 'x' (add it "
        "to 'sources' in the front matter)"
    ]


def test_the_course_description_cannot_cite(tmp_path):
    from .content_helpers import COURSE_YAML

    course_yaml = COURSE_YAML.format(slug="demo-course", prerequisites="[]").replace(
        "Second paragraph.", "Second paragraph.[^ica]"
    )
    found = problems_of(course_folder(tmp_path, changes={"course.yaml": course_yaml}))
    assert any("citation [^ica]: only lessons have sources to cite" in p for p in found), found


def test_a_question_giving_its_answer_away_is_a_warning(tmp_path):
    check = CHECK.replace("prompt: Pick one.", "prompt: Pick one, for example A.")
    check = check.replace("prompt: Name it.", "prompt: Name it (Rochdale).")
    course = read_course(course_folder(tmp_path, changes={"quizzes/check.yaml": check}))
    # 'A' is too short to tell (it matches the article); 'Rochdale' gives the answer away.
    assert [str(w) for w in course.warnings] == [
        "demo-course/quizzes/check.yaml:54: question 'name-it': the right answer "
        "'Rochdale' is in the question itself, so the question tests nothing"
    ]


def test_citations_render_as_numbered_links_to_the_source_list():
    html = render_lesson(
        "A claim.[^b] Another.[^a][^b] `[^a]` and [^unknown].",
        "demo",
        [{"id": "a", "title": 'The "A" <report>'}, {"id": "b", "title": "B"}],
    )
    assert html == (
        '<p>A claim.<sup class="citation"><a href="#source-2" title="B">[2]</a></sup> '
        'Another.<sup class="citation"><a href="#source-1" title="The &quot;A&quot; '
        '&lt;report&gt;">[1]</a></sup><sup class="citation"><a href="#source-2" title="B">'
        "[2]</a></sup> <code>[^a]</code> and [^unknown].</p>\n"
    )
    # Authors cannot bring their own classes or ids through the sanitiser.
    assert render_markdown("<sup class='citation x' id='y'>1</sup>") == (
        "<p>&lt;sup class='citation x' id='y'&gt;1&lt;/sup&gt;</p>\n"
    )


def test_the_lesson_page_shows_its_sources_and_review_date(db, tmp_path, make_user, enrol,
                                                          login):
    import_course(sourced_folder(tmp_path))
    db.session.commit()
    from courses.models import Course

    course = db.session.scalar(select(Course))
    user = make_user()
    enrol(user, course)
    html = login(user).get("/courses/demo-course/learn/intro").get_data(as_text=True)
    assert '<h2 id="sources-title">Sources</h2>' in html
    assert (
        '<li id="source-1"><cite><a href="https://ica.coop/en/cooperatives/cooperative-identity" '
        'rel="noopener noreferrer">Statement on the Co-operative Identity</a></cite>. '
        "International Co-operative Alliance, 1995."
    ) in html
    assert "Read on Nov 20, 2026." in html
    assert (
        '<li id="source-2"><cite>The History of the Rochdale Pioneers</cite>. '
        "Swan Sonnenschein, 1893.</li>"
    ) in html
    assert "Last reviewed on Nov 20, 2026." in html
    assert html.count('href="#source-1"') == 2


def _lesson_form(client, url: str) -> dict[str, str]:
    html = client.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', html))
    for name, value in re.findall(r'<textarea[^>]*name="([a-z_]+)"[^>]*>\r?\n?(.*?)</textarea>',
                                  html, re.S):
        fields[name] = value.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')
    fields.pop("required", None)
    fields["required"] = "y"
    fields["save"] = "1"
    return fields


def test_a_lesson_edited_in_the_browser_keeps_its_sources(db, tmp_path, make_user, login):
    import_course(sourced_folder(tmp_path / "in"))
    db.session.commit()
    lesson = db.session.scalar(select(Item).where(Item.key == "intro"))
    tutor = login(make_user(roles=("learner", "tutor")))
    url = f"/courses/author/demo-course/items/{lesson.id}"
    data = _lesson_form(tutor, url)
    assert data["sources"].startswith("- id: ica-1995\n  title: Statement on the")
    assert data["reviewed_on"] == "2026-11-20"
    data["body_md"] = data["body_md"].replace("seven principles", "7 principles")
    # The imported course is live: the edit goes in as one of the rulebook's minor corrections.
    data["fix-correction"], data["fix-correction_note"] = "spelling", "Numerals"
    response = tutor.post(url, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    export_course("demo-course", tmp_path / "out")
    assert (tmp_path / "out/demo-course/lessons/intro.md").read_text() == SOURCED.replace(
        "seven principles", "7 principles"
    )


def _editing_draft_lesson(db, tmp_path, make_user, login):
    """A tutor, the imported demo course's "intro" lesson and its edit page's address.

    The course is made a draft, which its authors edit freely (a live course changes by
    decision).
    """
    import_course(sourced_folder(tmp_path / "in"))
    db.session.scalar(select(Course).where(Course.slug == "demo-course")).status = STATUS_DRAFT
    db.session.commit()
    lesson = db.session.scalar(select(Item).where(Item.key == "intro"))
    tutor = login(make_user(roles=("learner", "tutor")))
    return tutor, lesson, f"/courses/author/demo-course/items/{lesson.id}"


def test_the_authoring_form_refuses_unknown_citations_and_bad_sources(
    db, tmp_path, make_user, login
):
    tutor, lesson, url = _editing_draft_lesson(db, tmp_path, make_user, login)
    data = _lesson_form(tutor, url)
    data["body_md"] += "\nA new claim.[^cles-2019]\n"
    html = tutor.post(url, data=data).get_data(as_text=True)
    assert (
        "The text cites [^cles-2019], but the lesson has no source with that id. Add it under "
        "Sources, or remove the citation."
    ) in html
    data["sources"] += "- id: cles-2019\n  title: How we built community wealth\n  url: x\n"
    html = tutor.post(url, data=data).get_data(as_text=True)
    assert "Line 13: source &#39;cles-2019&#39;: url &#39;x&#39; must be a web address" in html
    assert "Line 11: source &#39;cles-2019&#39; has a url, so it needs" in html
    assert "The text cites" not in html
    data["sources"] = data["sources"].replace("  url: x\n", "  year: 2019\n")
    assert tutor.post(url, data=data).status_code == 303
    data["body_md"] += "\nAnd <b>[^<i>x</i>]</b>\n"
    html = tutor.post(url, data=data).get_data(as_text=True)
    assert "The text cites [^&lt;i&gt;x&lt;/i&gt;], but" in html
    db.session.expire_all()
    lesson = db.session.get(Item, lesson.id)
    assert [s["id"] for s in lesson.sources] == ["ica-1995", "holyoake", "cles-2019"]
    assert '<a href="#source-3" title="How we built community wealth">[3]</a>' in (
        lesson.body_html
    )


def test_a_new_lesson_can_carry_sources(db, make_course, make_user, login):
    course = make_course(lessons=1, status=STATUS_DRAFT)
    tutor = login(make_user(roles=("learner", "tutor")))
    module = course.modules[0]
    url = f"/courses/author/{course.slug}/modules/{module.id}/new/lesson"
    data = {
        "csrf_token": token(tutor, url),
        "title": "Sourced",
        "body_md": "Seven principles.[^ica]",
        "estimated_minutes": "5",
        "required": "y",
        "sources": "- id: ica\n  title: The Statement\n",
        "reviewed_on": "2026-12-01",
        "review_every_months": "6",
        "save": "1",
    }
    assert tutor.post(url, data=data).status_code == 303
    lesson = db.session.scalar(select(Item).where(Item.title == "Sourced"))
    assert lesson.sources == [{"id": "ica", "title": "The Statement"}]
    assert (lesson.reviewed_on, lesson.review_every_months) == (dt.date(2026, 12, 1), 6)
    assert 'href="#source-1"' in lesson.body_html


def _days_from_now(days: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)).isoformat()


REVIEW_NOT_YET = "A lesson cannot have been reviewed on a day that has not come yet."


def test_the_authoring_form_refuses_a_review_date_in_the_future(db, tmp_path, make_user, login):
    tutor, lesson, url = _editing_draft_lesson(db, tmp_path, make_user, login)
    data = _lesson_form(tutor, url)
    data["title"] = "Changed"
    data["reviewed_on"] = _days_from_now(2)
    response = tutor.post(url, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    field_error = re.search(r'<p class="error-message" id="reviewed_on-error">(.*?)</p>', html,
                            re.S)
    assert field_error and REVIEW_NOT_YET in field_error.group(1)
    db.session.expire_all()
    lesson = db.session.get(Item, lesson.id)
    assert (lesson.title, lesson.reviewed_on) == ("Intro: the start", dt.date(2026, 11, 20))
    data["reviewed_on"] = _days_from_now(0)
    assert tutor.post(url, data=data).status_code == 303


def test_a_new_lesson_with_a_review_date_in_the_future_is_not_added(
    db, make_course, make_user, login
):
    course = make_course(lessons=1, status=STATUS_DRAFT)
    tutor = login(make_user(roles=("learner", "tutor")))
    url = f"/courses/author/{course.slug}/modules/{course.modules[0].id}/new/lesson"
    data = {"csrf_token": token(tutor, url), "title": "Early", "body_md": "Text.",
            "required": "y", "reviewed_on": "2999-01-01", "save": "1"}
    response = tutor.post(url, data=data)
    assert response.status_code == 400
    assert REVIEW_NOT_YET in response.get_data(as_text=True)
    assert db.session.scalar(select(Item).where(Item.title == "Early")) is None


def test_a_lesson_file_reviewed_in_the_future_is_refused(tmp_path):
    text = SOURCED.replace("reviewed: 2026-11-20", f"reviewed: {_days_from_now(2)}")
    found = problems_of(sourced_folder(tmp_path, text))
    assert f"demo-course/lessons/intro.md:5: reviewed {_days_from_now(2)} is a day that has not" \
           " come yet: give the day the lesson was last reviewed" in found
    text = SOURCED.replace("reviewed: 2026-11-20", f"reviewed: {_days_from_now(0)}")
    read_course(sourced_folder(tmp_path / "today", text))


def test_a_date_used_twice_is_written_twice_not_as_a_yaml_alias():
    from courses.content_format import ItemSource, SourceEntry, lesson_text

    day = dt.date(2026, 12, 6)
    lesson = ItemSource(
        key="intro", kind="lesson", title="Intro", estimated_minutes=5, body="Text.[^a]\n",
        reviewed=day, review_every=12,
        sources=[SourceEntry("a", "A", url="https://example.org/a", accessed=day)],
    )
    text = lesson_text(lesson)
    assert "&" not in text and "*" not in text
    assert text.count("2026-12-06") == 2
