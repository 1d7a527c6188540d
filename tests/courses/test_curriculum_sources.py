"""The shipped curriculum's sources and reviews (issue 23): every lesson sourced and dated,
the review report clear, the subject review's corrections kept."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest

from courses.content_format import CourseSource, find_course_folders, read_courses
from courses.importing import CONTENT_DIR, import_path
from courses.review import review_report


@pytest.fixture(scope="module")
def curriculum() -> list[CourseSource]:
    return read_courses(find_course_folders(CONTENT_DIR))


def lesson(curriculum, slug: str, key: str):
    course = next(c for c in curriculum if c.slug == slug)
    return next(item for item in course.lessons() if item.key == key)


def test_every_lesson_has_sources_and_a_review_date(curriculum):
    missing = [
        (course.slug, item.key)
        for course in curriculum
        for item in course.lessons()
        if not item.sources or item.reviewed is None or item.review_every is None
    ]
    assert missing == []


def test_review_dates_are_not_in_the_future_and_web_sources_were_read(curriculum):
    today = dt.datetime.now(dt.UTC).date()
    for course in curriculum:
        for item in course.lessons():
            assert item.reviewed <= today, (course.slug, item.key)
            for source in item.sources:
                if source.url:
                    assert source.accessed and source.accessed <= today, (item.key, source.key)


def test_every_lesson_cites_a_source_in_its_text(curriculum):
    uncited = [
        (course.slug, item.key)
        for course in curriculum
        for item in course.lessons()
        if not re.search(r"\[\^[a-z0-9-]+\]", item.body)
    ]
    assert uncited == []


# Words that place a law: a claim about law says which nation (or country) it covers.
PLACES = re.compile(
    r"Great Britain|England|Scotland|Scottish|Wales|Welsh|Northern Ireland|\bUK\b|"
    r"United Kingdom|Spain|Spanish|United States|Ital"
)
AN_ACT = re.compile(r"\b(Act|Regulations)( \([A-Za-z ]+\))? (1[89]|20)\d\d\b")


def test_claims_naming_a_law_say_where_it_applies(curriculum):
    unplaced = [
        (course.slug, item.key, line[:80])
        for course in curriculum
        for item in course.lessons()
        for line in re.split(r"\n\n|\n- ", item.body)
        if AN_ACT.search(line) and not PLACES.search(line)
    ]
    assert unplaced == []


def test_further_reading_lessons_are_specific_to_their_course(curriculum):
    def trigrams(text):
        words = re.findall(r"[a-z']+", text.lower())
        return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}

    readings = {course.slug: course.lessons()[-1] for course in curriculum}
    for slug, reading in readings.items():
        own = {item.key for item in next(c for c in curriculum if c.slug == slug).items()}
        linked = set(re.findall(r"\(lesson:([a-z0-9-]+)\)", reading.body))
        # It follows up the course's own lessons...
        assert len(linked & own) >= 2, slug
    # ...and is not the same list as another course's.
    for (a, ra), (b, rb) in itertools.combinations(readings.items(), 2):
        ta, tb = trigrams(ra.body), trigrams(rb.body)
        assert len(ta & tb) / len(ta | tb) < 0.1, (a, b)


def test_the_review_report_of_the_shipped_curriculum_is_clear(db):
    import_path(CONTENT_DIR)
    db.session.commit()
    report = review_report(on=dt.date(2026, 12, 6))
    assert report.due == []
    assert report.unsourced == []
    assert report.needs_source == []
    assert [(f.lesson.key, f.text) for f in report.unlisted_links] == []
    assert report.giveaways == []


def test_the_subject_reviews_corrections_stay_made(curriculum):
    def text(slug, key):
        return lesson(curriculum, slug, key).body

    history = text("what-is-a-co-operative", "rochdale-and-history")
    assert "Industrial and Provident Societies Partnership Act" in history
    assert "friendly societies" in history and "1862" in history
    assert "1761" in history and "1769" in history
    assert "flour, butter, sugar and oatmeal" in history

    preston = text("community-wealth-building", "cleveland-and-preston")
    assert "5%" in preston and "39%" in preston and "2011" in preston
    assert "October 2009" in preston
    cwb = text("community-wealth-building", "what-is-community-wealth-building")
    assert "third pillar" not in cwb
    assert "24 February 2025" in text("community-wealth-building", "anchor-institutions")

    shares = text("co-operative-finance", "member-share-capital")
    assert "£100,000" in shares and "£20,000 in Northern Ireland" in shares
    assert "withdrawable" in shares
    community = text("co-operative-finance", "community-shares")
    assert "Financial Ombudsman" in community and "exempt from most" not in community

    assert "founders" in text("platform-co-operatives", "what-is-a-platform-co-op")
    assert "United States and Canada" in text("the-mondragon-experience", "learning-from-mondragon")

    for course in curriculum:
        for item in course.lessons():
            assert "around 2013" not in item.body, (course.slug, item.key)
            assert "Co-operative Economy* report" not in item.body, (course.slug, item.key)


def test_the_cincinnati_question_tests_understanding(curriculum):
    course = next(c for c in curriculum if c.slug == "union-co-operatives")
    final = next(q for q in course.quizzes() if q.key == "final-quiz")
    question = next(q for q in final.questions if q.key == "cincinnati")
    assert question.type == "single"
    right = [o.text for o in question.options if o.correct]
    assert right and all(answer.lower() not in question.prompt.lower() for answer in right)
