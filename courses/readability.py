"""How easy each lesson is to read: Flesch-Kincaid grade, long words, long sentences.

textstat is pinned to 0.7.3: later releases load NLTK's pronunciation
dictionary on first use and try to download it, which cannot work offline (here,
or on a learner's server); 0.7.3 counts syllables with pyphen's bundled data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Introductory courses aim at a UK reading age of about 12, a US grade of about 7
#: (the Flesch-Kincaid grade is a US school grade; reading age = grade + 5).
PLAIN_GRADE = 7.0
#: Words of this many syllables or more are flagged (plain-language guides' "long words").
LONG_WORD_SYLLABLES = 4
#: Sentences of more words than this are flagged.
LONG_SENTENCE_WORDS = 25

_CODE = re.compile(r"```.*?```|`[^`]*`", re.DOTALL)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_CITATION = re.compile(r"\[\^[^\]]*\]")
_MARKUP = re.compile(r"^\s{0,3}(#{1,6}|[-*+]|\d+\.|>)\s+|[*_|]+|^\s*:?-{3,}:?.*$", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n{2,}")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


@dataclass
class LessonReading:
    """One lesson's reading level and what makes it harder."""

    key: str
    title: str
    grade: float
    long_words: list[str] = field(default_factory=list)
    long_sentences: list[str] = field(default_factory=list)

    @property
    def reading_age(self) -> int:
        return round(self.grade + 5)

    @property
    def is_plain(self) -> bool:
        return self.grade <= PLAIN_GRADE


def plain_text(markdown: str) -> str:
    """The words of a lesson's Markdown, without code, link targets or markup."""
    # A table's rows are not one long sentence: each row (and each list item) stands alone.
    lines = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and set(stripped) <= set("|:- "):
            continue  # a table's separator row
        lines.append(line + ("\n" if stripped.startswith(("|", "-", "*", "+")) else ""))
    text = _CODE.sub(" ", "\n".join(lines))
    text = _CITATION.sub("", _LINK.sub(r"\1", text))
    return _MARKUP.sub(" ", text)


def measure(key: str, title: str, markdown: str) -> LessonReading:
    """Measure one lesson's text (its Markdown source)."""
    import textstat

    text = plain_text(markdown)
    reading = LessonReading(key, title, round(textstat.flesch_kincaid_grade(text), 1))
    seen = set()
    for word in _WORD.findall(text):
        lower = word.lower().strip("'’-")
        if lower in seen:
            continue
        seen.add(lower)
        if textstat.syllable_count(lower) >= LONG_WORD_SYLLABLES:
            reading.long_words.append(lower)
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        if len(words) > LONG_SENTENCE_WORDS:
            reading.long_sentences.append(" ".join(words[:8]) + " …")
    return reading
