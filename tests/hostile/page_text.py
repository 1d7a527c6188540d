"""What a page shows outside the catalogue's markers, and whether it is content.

:mod:`.test_unmarked_text` reads each page with :func:`read_page` (its text nodes, its
title and readable attributes, and the elements in another language not isolated on a
right-to-left page), then tells content (:func:`is_content`, :class:`CourseText`) from
interface text that missed the catalogue.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from typing import NamedTuple

from sqlalchemy import select

from lms.db import db
from lms.testing import PSEUDO_CLOSE, PSEUDO_OPEN

#: Where people and authors write, read or copy text that is no interface string.
_NOT_INTERFACE = {"script", "style", "template", "code", "kbd", "samp", "pre", "textarea"}
_READABLE = ("alt", "title", "placeholder", "aria-label", "aria-description")
_MARKED = re.compile(
    re.escape(PSEUDO_OPEN) + "[^" + PSEUDO_OPEN + PSEUDO_CLOSE + "]*" + re.escape(PSEUDO_CLOSE)
)
_LATIN = re.compile(r"[A-Za-z]")
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


def _interface_codes() -> frozenset[str]:
    """What the database may hold that is still interface text: the rules' keys and the
    labels the rules ship with (shown in the reader's language, never as stored)."""
    from governance.rules import RULE_LABELS, SHIPPED_LABELS

    return frozenset(RULE_LABELS) | frozenset(SHIPPED_LABELS)


def unmarked(text: str) -> list[str]:
    """The pieces of ``text`` (text nodes joined by new lines) outside every marker."""
    previous = None
    while previous != text:  # a translation may hold another (a label in a sentence)
        previous, text = text, _MARKED.sub("\n", text)
    return [piece.strip() for piece in text.split("\n") if _LATIN.search(piece)]


class VisibleText(HTMLParser):
    """A page's text nodes and readable attributes, without what is not interface text.

    ``text`` holds the body's text nodes, ``title`` the document's title (which no
    element can mark: a title shown in it is not held to its language), and
    ``unisolated`` the elements of a right-to-left page marked with another language
    that do not set their own direction (``dir``, or ``<bdi>``): their text would be laid
    out right to left, its punctuation and numbers moved.
    """

    def __init__(self, page_lang: str, rtl: bool = False):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.rtl = rtl
        self.stack: list[bool] = []  # per open element: is it (or an ancestor) left out?
        self.text: list[str] = []
        self.title: list[str] = []
        self.attributes: list[str] = []
        self.unisolated: list[str] = []
        self.in_title = False

    @property
    def skipping(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        lang = values.get("lang")
        other_language = tag != "html" and lang is not None and lang != self.page_lang
        if (
            self.rtl
            and other_language
            and not self.skipping
            and tag != "bdi"
            and "dir" not in values
        ):
            self.unisolated.append(f'<{tag} lang="{lang}">')
        skip = (
            self.skipping
            or tag in _NOT_INTERFACE
            or values.get("translate") == "no"
            or (other_language)
        )
        if not skip:
            self.attributes += [values[a] for a in _READABLE if values.get(a)]
            if tag == "input" and values.get("type") in ("submit", "button", "reset"):
                self.attributes.append(values.get("value") or "")
        self.in_title = tag == "title"
        if tag not in _VOID:
            self.stack.append(skip)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        self.in_title = False
        if tag not in _VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.skipping:
            (self.title if self.in_title else self.text).append(data)


class PageText(NamedTuple):
    """What a page shows outside the catalogue's markers (:func:`read_page`)."""

    #: Pieces of the body's text nodes.
    body: list[str]
    #: Pieces of the title and of readable attributes, which no element can mark.
    unmarkable: list[str]
    #: Elements in another language than the page's, on a right-to-left page, not isolated.
    unisolated: list[str]


def read_page(html: str) -> PageText:
    lang = re.search(r'<html lang="([^"]+)"(?: dir="(rtl|ltr)")?', html)
    parser = VisibleText(lang.group(1) if lang else "", rtl=bool(lang) and lang.group(2) == "rtl")
    parser.feed(html)
    parser.close()
    return PageText(
        unmarked("\n".join(parser.text)),
        unmarked("\n".join(parser.title))
        + [piece for value in parser.attributes for piece in unmarked(value)],
        parser.unisolated,
    )


def interface_text_outside_markers(html: str) -> list[str]:
    page = read_page(html)
    return page.body + page.unmarkable


#: Latin letters in Babel's Urdu data (times are "9:20 PM" in it).
_LOCALE_WORDS = re.compile(r"\b(AM|PM)\b")


def _is_code(text: str) -> bool:
    """A code people read as it is: an IANA time zone (the profile's list), an address."""
    return (
        text.replace(" ", "_") in _zones()
        or "@" in text
        or text.startswith(("http://", "https://", "/"))
    )


@cache
def _zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones() | {"UTC"})


#: Where content pieces meet in a line: "Title · Site", "Name, date", "1. Title", "Publisher (x)".
_PARTS = re.compile(r"\s*[·›»|–—]\s*|[.,;:،]\s|\s\(|\)|^\d+\.\s")


def _cores(piece: str) -> list[str]:
    """The parts of ``piece`` that hold Latin letters, without the punctuation around them."""
    parts = (
        part.strip(" \t.,:;!?()[]\"'·–—-•|/#*→←↑↓›»")
        for part in _PARTS.split(_LOCALE_WORDS.sub("", piece))
    )
    return [core for core in parts if _LATIN.search(core)]


def is_content(piece: str, content: str, markdown: str) -> bool:
    """Whether ``piece`` is content (from the database or settings), a code, or no words."""
    codes = _interface_codes()
    if any(part in codes for part in (piece.strip(" .,:;·"), *_cores(piece))):
        return False
    return all(core in content or core in markdown or _is_code(core) for core in _cores(piece))


class CourseText(NamedTuple):
    """What the courses' authors wrote, in their course's language (recorded with it)."""

    #: Titles, summaries, prompts, options, rubric criteria and levels: shown whole.
    short: frozenset[str]
    #: Descriptions, lessons, explanations, feedback: shown in parts (a paragraph, a cell).
    long: str

    def holds(self, piece: str) -> bool:
        """Whether ``piece`` (text left unmarked on a page) shows some of it (a course's
        address, ``co-operative-finance``, is a code, wherever a lesson names it)."""
        return any(
            core in self.short
            or (len(core) >= 20 and core in self.long and not _SLUG.fullmatch(core))
            for core in [piece.strip(), *_cores(piece)]
        )


_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")


def course_text() -> CourseText:
    from courses.models import Course, Item, Module, Option, Question

    short, long = set(), []
    for column in (
        Course.title,
        Course.summary,
        Module.title,
        Item.title,
        Question.prompt,
        Option.text,
    ):
        short.update(db.session.scalars(select(column)))
    for column in (Course.description, Item.body_md, Question.explanation, Option.feedback):
        long.extend(db.session.scalars(select(column)))
    for outcomes in db.session.scalars(select(Course.outcomes)):
        short.update(outcomes or ())
    for assignment in db.session.scalars(select(Item.assignment)):
        for criterion in (assignment or {}).get("rubric", ()):
            short.add(criterion["title"])
            for level in criterion.get("levels", ()):
                short.add(level["title"])
                long.append(level.get("description", ""))
    return CourseText(frozenset(t for t in short if _LATIN.search(t)), "\n".join(long))
