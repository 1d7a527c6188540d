"""The catalogues match the code: the template is current, each catalogue has exactly its strings,
every one translated (none fuzzy), and a translation keeps the placeholders, tags and plural
forms of its English.

``make messages catalogues`` fixes the first two; a translator the others
(``flask --app wsgi lms translations`` shows how far each language is).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "lms" / "translations"
LANGUAGES = sorted(po.parent.parent.name for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
#: Plural forms each language has (CLDR, as Babel knows them): the header must say as many.
NPLURALS = {"ur": 2, "pl": 3, "gu": 2}

#: ``%(name)s``, ``%s``, ``%d``, ``%%`` (printf style) and ``{name}`` (str.format style).
_PLACEHOLDER = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]"
    r"|\{[^{}\s]*\}"
)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def _key(message) -> str:
    """A message's id as a line of a report (the singular for plural entries)."""
    ident = message.id[0] if isinstance(message.id, tuple) else message.id
    return f"[{message.context}] {ident}" if message.context else ident


@cache
def _template_from_code() -> Catalog:
    """The template as ``make messages`` would write it from the code today."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "messages.pot"
        result = subprocess.run(
            [str(Path(sys.executable).with_name("pybabel")), "extract", "-F", "babel.cfg",
             "-k", "_l", "-k", "lazy_gettext", "--no-location", "--project", "coop-lms",
             "-o", str(out), "."],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )
        assert result.returncode == 0, result.stderr
        with out.open("rb") as pot:
            return read_po(pot)


@cache
def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def _ids(catalogue: Catalog) -> dict[object, str]:
    return {(m.id, m.context): _key(m) for m in catalogue if m.id}


def _difference(expected: Catalog, actual: Catalog) -> tuple[list[str], list[str]]:
    want, have = _ids(expected), _ids(actual)
    return (sorted(want[k] for k in want.keys() - have.keys()),
            sorted(have[k] for k in have.keys() - want.keys()))


def test_the_template_is_up_to_date_with_the_code():
    new, removed = _difference(_template_from_code(), _read(TRANSLATIONS / "messages.pot"))
    assert (new, removed) == ([], []), (
        "messages.pot is out of date with the code: run `make messages catalogues`.\n"
        f"New strings ({len(new)}): {new}\nRemoved strings ({len(removed)}): {removed}"
    )


def test_there_are_catalogues():
    assert set(NPLURALS) <= set(LANGUAGES)


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_catalogue_has_exactly_the_templates_strings(code):
    po = TRANSLATIONS / code / "LC_MESSAGES" / "messages.po"
    missing, extra = _difference(_read(TRANSLATIONS / "messages.pot"), _read(po, code))
    assert (missing, extra) == ([], []), (
        f"{code}: run `make catalogues`.\nMissing ({len(missing)}): {missing}\n"
        f"Not in the template ({len(extra)}): {extra}"
    )


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_string_is_translated_and_none_is_fuzzy(code):
    catalogue = _read(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", code)
    untranslated, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            fuzzy.append(_key(message))
        elif not all(forms):
            untranslated.append(_key(message))
    assert (untranslated, fuzzy) == ([], []), (
        f"{code}: {len(untranslated)} untranslated: {untranslated}\n"
        f"{len(fuzzy)} fuzzy (check the translation, then drop the flag): {fuzzy}"
    )


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def tags(text: str) -> list[str]:
    return sorted(_TAG.findall(text))


def translation_problems(message, nplurals: int) -> list[str]:
    """What a translated entry changed that it must keep, as lines of a report."""
    if isinstance(message.id, tuple):
        singular, plural = message.id
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if not any(forms):
            return []
        problems = []
        if len(forms) != nplurals:
            problems.append(f"{len(forms)} plural forms, the language has {nplurals}")
        allowed = set(placeholders(singular)) | set(placeholders(plural))
        for index, form in enumerate(forms):
            if not form:
                continue
            found = placeholders(form)
            # The first form may name "one" in words ("jeden plik"); the others count.
            if (not set(found) <= allowed) if index == 0 else found != placeholders(plural):
                problems.append(f"form {index} has placeholders {found}, "
                                f"the English {placeholders(plural)}")
            if tags(form) != tags(plural):
                problems.append(f"form {index} has tags {tags(form)}, the English {tags(plural)}")
        return problems
    if not message.string:
        return []
    problems = []
    if placeholders(message.string) != placeholders(message.id):
        problems.append(f"placeholders {placeholders(message.string)}, "
                        f"the English {placeholders(message.id)}")
    if tags(message.string) != tags(message.id):
        problems.append(f"tags {tags(message.string)}, the English {tags(message.id)}")
    return problems


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_placeholders_tags_and_plural_forms(code):
    catalogue = _read(TRANSLATIONS / code / "LC_MESSAGES" / "messages.po", code)
    assert catalogue.num_plurals == NPLURALS.get(code, catalogue.num_plurals), (
        f"{code}: the Plural-Forms header says {catalogue.plural_forms!r}")
    # A fuzzy entry is no translation (never compiled); the completeness check counts it.
    found = [f"{_key(m)!r}: {problem}" for m in catalogue if m.id and not m.fuzzy
             for problem in translation_problems(m, catalogue.num_plurals)]
    assert found == [], f"{code}: {len(found)} entries to fix:\n" + "\n".join(found)


def test_the_checks_catch_what_they_should():
    class Entry:
        def __init__(self, ident, string):
            self.id, self.string, self.context = ident, string, None

    assert translation_problems(Entry("Hello %(name)s", "Cześć %(imie)s"), 2) == [
        "placeholders ['%(imie)s'], the English ['%(name)s']"]
    assert translation_problems(Entry("<b>%s</b> {x}", "{x} <b>%s</b>"), 2) == []
    assert translation_problems(Entry("Read <a href=x>it</a>", "Czytaj to"), 2) == [
        "tags [], the English ['</a>', '<a href=x>']"]
    plural = ("%(num)d file", "%(num)d files")
    assert translation_problems(Entry(plural, ("jeden plik", "%(num)d pliki")), 3) == [
        "2 plural forms, the language has 3"]
    assert translation_problems(Entry(plural, ("plik", "%(num)d pliki", "pliki")), 3) == [
        "form 2 has placeholders [], the English ['%(num)d']"]
    assert translation_problems(Entry("Nothing", ""), 2) == []
