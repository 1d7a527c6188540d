"""Locale selection: the account's choice, else the visitor's cookie, else the browser's.

Also what the layout needs to know about each language offered: its name in its
own script, its writing direction and whether its catalogue is still a draft.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header


def select_locale() -> str:
    """Choose the locale of the current request, once per request (Flask-Babel keeps it).

    With one language there is nothing to choose: no user is loaded and no
    header parsed for it. Without cookies nobody is signed in through the
    session, so the account's choice is looked for only when the request sent
    cookies or already has its user (an API token's owner, someone who just
    logged in): asking Flask-Login about a visitor without cookies cost the
    verification page a tenth of its time.
    """
    languages = current_app.config["LMS_LANGUAGE_LIST"]
    if len(languages) == 1 or not has_request_context():
        # The CLI and cron jobs (e.g. enacting decisions at close-due) have no request.
        # One language: the answer is known without loading anyone.
        return languages[0]
    environ = request.environ
    has_cookies = "HTTP_COOKIE" in environ
    if has_cookies or "_login_user" in g:  # where Flask-Login keeps the request's user
        # The user itself, not the proxy: each use of ``current_user`` looks them up again.
        chosen = getattr(current_user._get_current_object(), "locale", None)
        if chosen in languages:
            return chosen
    else:
        # The answer depends on cookies all the same (a chooser's cookie would change
        # it), as Flask-Login's look-up of the session would have said: Vary: Cookie.
        session.accessed = True
    if has_cookies:
        # A visitor's choice (the language chooser) is a cookie; an unknown code falls through.
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        if chosen in languages:
            return chosen
    header = environ.get("HTTP_ACCEPT_LANGUAGE")
    if not header:
        return languages[0]
    return browser_language(header, tuple(languages))


@lru_cache(maxsize=256)
def browser_language(header: str, languages: tuple[str, ...]) -> str:
    """The one of ``languages`` an ``Accept-Language`` header prefers, else the first.

    What ``request.accept_languages.best_match`` answers, worked out once per
    header and process: browsers send few distinct headers, and parsing one
    cost a public page about a tenth of its time.
    """
    return parse_accept_header(header, LanguageAccept).best_match(languages) or languages[0]


def visitor_language() -> str | None:
    """The language a visitor chose with the language chooser (its cookie), if it is offered.

    Registration keeps it in the new account, so mail and certificates follow the
    choice; a language only the browser asked for is not a choice and is not kept.
    """
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in current_app.config["LMS_LANGUAGE_LIST"] else None


def recipient_language(locale: str | None) -> str:
    """The language to write to someone in, decided from them, not from the request.

    Mail is composed in one person's request (a tutor's upload, an admin's
    issue) or in a job long after it, for someone else: it follows the
    recipient's own choice (their account's ``locale``) when it is offered,
    else the site's first language; never the language of whoever triggered it.
    """
    languages = current_app.config["LMS_LANGUAGE_LIST"]
    return locale if locale in languages else languages[0]


@contextmanager
def in_language_of(locale: str | None) -> Iterator[str]:
    """Translate, format and render templates in :func:`recipient_language` inside the block.

    ``with in_language_of(user.locale): subject = _("...")``: a mail's subject
    and body are written in its recipient's language (Flask-Babel's
    ``force_locale``); yields the language code.
    """
    from flask_babel import force_locale

    lang = recipient_language(locale)
    with force_locale(lang):
        yield lang


#: The cookie that remembers a visitor's language (signed-in people keep it in their account).
LANGUAGE_COOKIE = "lms_language"

#: The line of a catalogue's header comment that says whether the advisory group reviewed it.
#: A comment, not a header field: ``pybabel update`` keeps comments and drops unknown fields.
STATE_MARK = "# Translation-State:"


@dataclass(frozen=True)
class Language:
    """One language offered: its code, its name in its own script and its state."""

    code: str
    #: The language's own name for itself ("اردو", "polski").
    name: str
    #: ``"rtl"`` or ``"ltr"``.
    direction: str
    #: ``"source"`` (English, the original), ``"draft"``, ``"reviewed"`` or ``"missing"``.
    state: str

    @property
    def is_draft(self) -> bool:
        return self.state in ("draft", "missing")


#: The language of the originals: always servable, it needs no catalogue.
SOURCE_LANGUAGE = "en"


def translation_directories(value: str) -> list[str]:
    """The folders of ``BABEL_TRANSLATION_DIRECTORIES`` (``;``-separated, as Flask-Babel has it)."""
    return [part for part in value.split(";") if part]


def catalogue_dir(code: str, directories: str) -> str | None:
    """The first translations folder with a catalogue (``.po``) for ``code``, else ``None``."""
    for directory in translation_directories(directories):
        if os.path.exists(os.path.join(directory, code, "LC_MESSAGES", "messages.po")):
            return directory
    return None


@cache
def describe_language(code: str, translations_dir: str) -> Language:
    """The :class:`Language` for ``code``; its catalogue header is read once per process."""
    from babel import Locale

    locale = Locale.parse(code)
    direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    name = (locale.get_display_name(code) or code)
    name = name[:1].upper() + name[1:]
    if code == SOURCE_LANGUAGE:
        state = "source"
    else:
        directory = catalogue_dir(code, translations_dir) or translation_directories(
            translations_dir)[0]
        state = catalogue_state(os.path.join(directory, code, "LC_MESSAGES", "messages.po"))
    return Language(code, name, direction, state)


def catalogue_state(po_path: str) -> str:
    """The review state a ``.po`` file's header comment declares; ``"missing"`` without a file.

    A catalogue without the mark is taken as reviewed: the mark is what makes a draft.
    """
    if not os.path.exists(po_path):
        return "missing"
    with open(po_path, encoding="utf-8") as po:
        for line in po:
            if line.startswith(STATE_MARK):
                return line[len(STATE_MARK):].strip().lower() or "draft"
            if not line.startswith("#"):  # past the header comment
                break
    return "reviewed"


@dataclass(frozen=True)
class CatalogueProgress:
    """How far one catalogue is translated, against the template (``messages.pot``)."""

    total: int
    translated: int
    fuzzy: int
    #: Strings of the template the catalogue does not have (``make catalogues`` adds them).
    stale: int
    #: Strings of the catalogue the template no longer has (``make catalogues`` drops them).
    obsolete: int = 0

    @property
    def untranslated(self) -> int:
        """Strings of the template with no translation (fuzzy ones not counted here)."""
        return self.total - self.translated - self.fuzzy

    @property
    def in_step(self) -> bool:
        """Whether the catalogue has exactly the template's strings."""
        return not self.stale and not self.obsolete

    @property
    def complete(self) -> bool:
        return self.in_step and self.translated == self.total

    @property
    def percent(self) -> int:
        return int(100 * self.translated / self.total) if self.total else 100


def catalogue_progress(translations_dir: str, code: str) -> CatalogueProgress | None:
    """Count ``code``'s catalogue against the template; ``None`` when it has no catalogue."""
    from babel.messages.pofile import read_po

    po_path = os.path.join(translations_dir, code, "LC_MESSAGES", "messages.po")
    if not os.path.exists(po_path):
        return None
    with open(os.path.join(translations_dir, "messages.pot"), "rb") as pot:
        template = {m.id for m in read_po(pot) if m.id}
    with open(po_path, "rb") as po:
        catalogue = read_po(po, locale=code)
    done = fuzzy = 0
    present = set()
    obsolete = 0
    for message in catalogue:
        if not message.id:
            continue
        if message.id not in template:
            obsolete += 1
            continue
        present.add(message.id)
        if message.fuzzy:
            fuzzy += 1
        elif all(message.string) if isinstance(message.string, tuple) else message.string:
            done += 1
    return CatalogueProgress(len(template), done, fuzzy, len(template - present), obsolete)


def _file_version(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@cache
def _progress_of_version(directory: str, code: str, _po, _pot) -> CatalogueProgress | None:
    return catalogue_progress(directory, code)


def servable(code: str, directories: str, minimum: int) -> str | None:
    """Why ``code`` cannot be served (a sentence), or ``None`` when its catalogue can serve it.

    A language is served only when its pages are in it: the compiled catalogue
    (``.mo``, what Flask-Babel reads) exists, is not older than its ``.po``,
    and the ``.po`` translates at least ``minimum`` percent of the template
    (fuzzy entries are not translations: ``pybabel compile`` leaves them out).
    Otherwise ``<html lang="ur">`` would be wrapped round English text. Read at
    start-up (the factory); a catalogue is parsed once per process and version.
    """
    if code == SOURCE_LANGUAGE:
        return None
    directory = catalogue_dir(code, directories)
    if directory is None:
        return "no catalogue"
    po = os.path.join(directory, code, "LC_MESSAGES", "messages.po")
    mo = po[:-3] + ".mo"
    po_version, mo_version = _file_version(po), _file_version(mo)
    if mo_version is None:
        return "not compiled: make translations"
    if mo_version[0] < po_version[0]:
        return "compiled before its last change: make translations"
    pot = os.path.join(directory, "messages.pot")
    progress = _progress_of_version(directory, code, po_version, _file_version(pot))
    if progress is None or progress.percent < minimum:
        percent = progress.percent if progress else 0
        return f"{percent}% translated, {minimum}% needed (LMS_LANGUAGE_MIN_TRANSLATED)"
    return None


def servable_languages(codes: list[str], directories: str, minimum: int
                       ) -> tuple[list[str], dict[str, str]]:
    """Split the configured ``codes`` into those offered and those held back (with why).

    When none can be served the site is offered in English, the language of its text.
    """
    offered, withheld = [], {}
    for code in codes:
        reason = servable(code, directories, minimum)
        if reason is None:
            offered.append(code)
        else:
            withheld[code] = reason
    return offered or [SOURCE_LANGUAGE], withheld


def languages_offered() -> list[Language]:
    """Every language of ``LMS_LANGUAGES``, in the configured order."""
    directory = current_app.config["BABEL_TRANSLATION_DIRECTORIES"]
    return [describe_language(code, directory) for code in current_app.config["LMS_LANGUAGE_LIST"]]


@cache
def _language_name(code: str, in_locale: str) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code).get_display_name(in_locale)
    except (ValueError, UnknownLocaleError):
        return code
    return (name[:1].upper() + name[1:]) if name else code


def language_name(code: str | None) -> str:
    """A language's name in the page's language ("Polish", or "polski" on a Polish page).

    For courses' languages, stored as codes (``pl``); an unknown code is shown as it is.
    """
    if not code:
        return ""
    from flask_babel import get_locale

    return _language_name(code, str(get_locale() or "en"))


def chooser_return_path() -> str:
    """The page the language chooser is on (its path, without the query), to return to.

    Without the query: a page would otherwise echo whatever its query string
    held into the chooser's form. A function rather than ``request.path`` in the
    layout: some pages pass their own ``request`` (a data request) to the template.
    """
    return request.path if has_request_context() else "/"


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA time zone this machine knows (``zoneinfo``), sorted; read once."""
    import zoneinfo

    return tuple(sorted(zoneinfo.available_timezones() | {"UTC"}))


def select_time_zone() -> str:
    """The signed-in person's time zone, else the site's (``LMS_TIME_ZONE``)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        chosen = getattr(current_user, "time_zone", None)
        if chosen:
            return chosen
    return current_app.config["LMS_TIME_ZONE"]


def zone_of(time_zone: str | None) -> str:
    """A person's stored time zone, or the site's when they have none (or it vanished)."""
    return time_zone if time_zone in time_zone_names() else current_app.config["LMS_TIME_ZONE"]


def format_in_zone(value, time_zone: str, locale: str) -> str:
    """``value`` (aware) as a long date and time in ``time_zone`` and ``locale``, zone named.

    For emails and notices written for someone else than the current visitor.
    """
    import zoneinfo

    from babel.dates import format_datetime

    zone = zoneinfo.ZoneInfo(time_zone)
    when = format_datetime(value, "EEEE d MMMM y, HH:mm", tzinfo=zone, locale=locale)
    return f"{when} ({time_zone.replace('_', ' ')})"


def escape_lazy_strings() -> None:
    """Make Flask-Babel's lazy strings escaped in templates, like any other string.

    ``LazyString`` defines ``__html__`` as ``str(self)``, which tells Jinja and
    MarkupSafe that it is already safe markup: ``{{ message }}``, ``|e``,
    ``escape()`` and ``Markup("...%s") % message`` all left it as it was. A lazy
    message interpolating what a user typed (``_l("%(name)s replied", name=...)``)
    would then put their HTML into the page, and the help text "Issued on <date>"
    of the certificate template page showed as "Issued on" (``<date>`` became a
    tag). No message of this project is markup, so a lazy string's ``__html__``
    escapes its text. Done once, by the factory; safe to repeat.
    """
    from flask_babel.speaklater import LazyString
    from markupsafe import escape

    def __html__(self) -> str:  # noqa: N807 (the protocol's name)
        return str(escape(str(self)))

    LazyString.__html__ = __html__
