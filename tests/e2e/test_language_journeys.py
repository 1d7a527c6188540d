"""The introductory course from start to certificate in Urdu, and in Polish on a 320 px phone.

The shipped course "What is a co-operative?" (with its Urdu and Polish
translations) is imported. A visitor picks the language with the footer's
language chooser (a plain form button), registers, joins the course, reads
every lesson in that language, passes each quiz (the right options found by
their ids as the quiz files define them, their labels in the translation) and
reaches the completion page, from which the certificate's PDF is downloaded.
axe-core checks every page visited. In Urdu each page is ``lang="ur"
dir="rtl"`` and is kept as screenshots at 1,280 px and 320 px (the browser
tests' artefacts); in Polish the viewport is 320 px and no page is wider.

The journeys use the real catalogues (``.mo``, compiled by ``make test``): a
language is only offered when its catalogue is complete.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2
import pytest
import yaml
from playwright.sync_api import Page, expect

from courses.importing import CONTENT_DIR, import_path
from courses.models import Course, Item, Question
from lms.db import db

from .a11y import check_a11y

pytestmark = pytest.mark.e2e

SLUG = "what-is-a-co-operative"
FOLDER = CONTENT_DIR / SLUG
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"
PASSWORD = "a long enough passphrase"
#: How each language is named on the chooser (in itself) and its direction.
LANGUAGES = {"ur": ("اردو", "rtl"), "pl": ("Polski", "ltr")}
#: Text of the language on its certificate. Urdu's Nastaliq is extracted from the PDF as shaped
#: glyphs, not words: its letters are enough; Polish reads as written.
CERTIFICATE_TEXT = {"ur": "[\u0600-\u06ff]{2}", "pl": "ukończ"}
#: Markdown that cannot be compared with the rendered text as it is.
_MARKUP = re.compile(r"[*_`\[\]<>|#]|^\s*(?:[-+>]|\d+\.)\s")


def _front_matter(path: Path) -> tuple[dict, str]:
    _, head, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(head), body


def _plain_sentence(body: str) -> str:
    """The first sentence of the lesson's first paragraph written without markup."""
    for line in body.splitlines():
        if line.strip() and not _MARKUP.search(line):
            return re.split(r"(?<=[.۔?!])\s", line.strip())[0]
    raise AssertionError("the lesson has no plain paragraph to look for")


def _items() -> list[tuple[str, str]]:
    """The course's items in order, as (kind, key), from its ``course.yaml``."""
    course = yaml.safe_load((FOLDER / "course.yaml").read_text(encoding="utf-8"))
    return [(kind, key) for module in course["modules"] for item in module["items"]
            for kind, key in item.items()]


def _answers(lang: str, course_id: int, key: str) -> list[tuple[str | int, list | str]]:
    """For each question of a quiz: the right options (their ids and their translated labels),
    or, for a short answer, one the translation accepts."""
    original = yaml.safe_load((FOLDER / "quizzes" / f"{key}.yaml").read_text(encoding="utf-8"))
    translated = yaml.safe_load(
        (FOLDER / "translations" / lang / "quizzes" / f"{key}.yaml").read_text(encoding="utf-8"))
    labels = {(q["id"], o["id"]): o["text"] for q in translated["questions"]
              for o in q.get("options", []) if "text" in o}
    accepted = {q["id"]: q["accepted"] for q in translated["questions"] if "accepted" in q}
    item = db.session.query(Item).filter_by(course_id=course_id, key=key).one()
    questions = {q.key: q for q in db.session.query(Question).filter_by(item_id=item.id)}
    answers = []
    for q in original["questions"]:
        if q["type"] == "short":
            # The translation's own wording; the form's fieldset is named by the question's id.
            answers.append((questions[q["id"]].id, accepted[q["id"]][-1]))
            continue
        options = {o.key: o.id for o in questions[q["id"]].options}
        answers.append((q["id"], [(options[o["id"]], labels.get((q["id"], o["id"]), o["text"]))
                                  for o in q["options"] if o["correct"]]))
    return answers


@pytest.fixture()
def course(app) -> dict:
    """Import the shipped course with its translations; the quizzes' answers per language."""
    import_path(CONTENT_DIR)  # the whole curriculum: the last lesson links to the other courses
    db.session.commit()
    course_id = db.session.query(Course).filter_by(slug=SLUG).one().id
    world = {lang: {key: _answers(lang, course_id, key) for kind, key in _items() if kind == "quiz"}
             for lang in LANGUAGES}
    db.session.remove()  # nothing of the test's session stays open while the server runs
    return world


class Visit:
    """What is checked on each page: its language, axe-core, its width, and screenshots."""

    def __init__(self, page: Page, lang: str, *, screenshots: bool):
        self.page, self.lang, self.screenshots = page, lang, screenshots
        self.count = 0

    def __call__(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        html = page.locator("html")
        expect(html).to_have_attribute("lang", self.lang)
        expect(html).to_have_attribute("dir", LANGUAGES[self.lang][1])
        check_a11y(page)
        width = page.viewport_size["width"]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, (
            f"{page.url} is wider than the {width}px viewport")
        if self.screenshots:
            self.count += 1
            size = page.viewport_size
            for shot_width in (1280, 320):
                page.set_viewport_size({"width": shot_width, "height": size["height"]})
                assert page.evaluate("() => document.documentElement.scrollWidth") <= shot_width, (
                    f"{page.url} is wider than a {shot_width}px viewport")
                page.screenshot(full_page=True, path=str(
                    ARTEFACTS / f"{self.lang}-{self.count:02d}-{name}-{shot_width}.png"))
            page.set_viewport_size(size)


def _choose_language(page: Page, lang: str) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("group", name="Language").get_by_role(
        "button", name=LANGUAGES[lang][0], exact=True).click()


def _register(page: Page, lang: str, visit: Visit) -> None:
    page.locator('a[href="/account/register"]').first.click()
    expect(page).to_have_url(re.compile(r"/account/register$"))
    visit("register")
    page.locator("#display_name").fill(f"Learner in {lang}")
    page.locator("#email").fill(f"learner.{lang}@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    expect(page.locator('form[action="/account/logout"]')).to_have_count(1)  # signed in
    # A new learner is pointed to the introductory course, in their language.
    expect(page.locator(".first-steps")).to_contain_text(_course_text(lang)["title"])
    visit("dashboard")


def _course_text(lang: str) -> dict:
    return yaml.safe_load(
        (FOLDER / "translations" / lang / "course.yaml").read_text(encoding="utf-8"))


def _join(page: Page, lang: str, visit: Visit) -> None:
    translated = _course_text(lang)
    page.goto(f"/courses/{SLUG}")
    expect(page.get_by_role("heading", level=1)).to_have_text(translated["title"])
    # The topic is not translated: it says which language it is in (for screen readers, bidi).
    original = yaml.safe_load((FOLDER / "course.yaml").read_text(encoding="utf-8"))
    expect(page.locator('dd[lang="en"]')).to_have_text(original["topic"])
    visit("course")
    page.locator(f'form[action="/courses/{SLUG}/enrol"] button').click()


def _lesson(page: Page, lang: str, key: str, visit: Visit) -> None:
    meta, body = _front_matter(FOLDER / "translations" / lang / "lessons" / f"{key}.md")
    expect(page).to_have_url(re.compile(rf"/learn/{key}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(meta["title"])
    expect(page.get_by_role("main")).to_contain_text(_plain_sentence(body))
    expect(page.locator(".language-note")).to_have_count(0)  # not "shown in English"
    visit(key)
    page.locator(".complete-box form button").click()


def _quiz(page: Page, lang: str, key: str, answers, visit: Visit) -> None:
    translated = yaml.safe_load(
        (FOLDER / "translations" / lang / "quizzes" / f"{key}.yaml").read_text(encoding="utf-8"))
    expect(page).to_have_url(re.compile(rf"/learn/{key}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(translated["title"])
    visit(key)
    for question, answer in answers:
        if isinstance(answer, str):
            page.locator(f"#question-{question} input[type=text]").fill(answer)
            continue
        for option_id, label in answer:
            expect(page.locator(f'label[for="o{option_id}"]')).to_have_text(label)
            page.locator(f"#o{option_id}").check()
    page.locator(".quiz-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"100"))
    expect(page.locator(".result.wrong")).to_have_count(0)
    expect(page.locator(".result-box.passed")).to_have_count(1)
    visit(f"{key}-result")


def _complete_and_download(page: Page, lang: str, visit: Visit, tmp_path: Path) -> None:
    page.locator(f'a[href="/courses/{SLUG}/completed"]').first.click()
    expect(page).to_have_url(re.compile(rf"/courses/{SLUG}/completed$"))
    translated = _course_text(lang)
    expect(page.get_by_role("heading", level=1)).to_contain_text(translated["title"])
    expect(page.get_by_role("main")).to_contain_text(translated["outcomes"][0])
    visit("completed")
    pdf = page.locator('.completion-certificate a[href$="/certificate.pdf"]')
    with page.expect_download() as info:
        pdf.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-"), "the certificate is not a PDF"
    document = pypdfium2.PdfDocument(data)
    try:
        text = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    assert f"Learner in {lang}" in text, "the learner's name is not on the certificate"
    # In the language chosen before registering (kept in the account), not in English.
    assert "Certificate of completion" not in text, "the certificate is in English"
    assert re.search(CERTIFICATE_TEXT[lang], text), f"the certificate is not in {lang}"


def journey(page: Page, lang: str, answers: dict, tmp_path: Path, *, screenshots: bool) -> None:
    visit = Visit(page, lang, screenshots=screenshots)
    _choose_language(page, lang)
    visit("home")
    _register(page, lang, visit)
    _join(page, lang, visit)
    items = _items()
    for (kind, key), following in zip(items, [*items[1:], None], strict=True):
        if kind == "lesson":
            _lesson(page, lang, key, visit)
        else:
            _quiz(page, lang, key, answers[key], visit)
            if following:  # the result page goes on to the next item
                page.locator(f'.actions a[href$="/learn/{following[1]}"]').click()
    _complete_and_download(page, lang, visit, tmp_path)


def test_urdu_journey(new_page, course, tmp_path):
    ARTEFACTS.mkdir(exist_ok=True)
    page = new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    journey(page, "ur", course["ur"], tmp_path, screenshots=True)


def test_polish_journey_at_320px(new_page, course, tmp_path):
    page = new_page(viewport={"width": 320, "height": 640}, locale="en-GB")
    journey(page, "pl", course["pl"], tmp_path, screenshots=False)
