"""Template globals and filters shared by every page.

Every page renders the layout, so the layout's helpers are made cheap here:
the menu is built once per kind of visitor (:func:`lms.menu.main_menu`), the
CSRF fields render without building a form, and ``_()`` in templates is one
call instead of three nested ones.
"""

from __future__ import annotations

import re

from flask import Flask, current_app, g
from flask_babel import format_date, format_datetime, get_locale, get_timezone, get_translations
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context, pass_eval_context
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup, escape

from . import fragments
from .accounts.forms import LogoutForm
from .i18n import chooser_return_path, language_name, languages_offered
from .menu import current_endpoint, main_menu, menu_items, slot_templates
from .permissions import has_permission
from .tables import reflow_table


def csrf_field(prefix: str = "") -> Markup:
    """The hidden CSRF field of a Flask-WTF form, without building the form.

    The same field as ``form.csrf_token`` of a form made with ``prefix``
    (WTForms joins a prefix with a hyphen); the form that receives the POST
    validates it as usual. For pages whose form has nothing else to render
    (log out, mark a lesson complete). Without WTForms' ``id``: nothing
    refers to a hidden field, and a page with several such forms (a list of
    notices, each with its button) would repeat the id.
    """
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    name = escape(f"{prefix}-{name}" if prefix else name)
    # Built with an f-string of escaped parts: ``Markup.format`` costs several times more,
    # and the layout renders two of these on every signed-in page.
    return Markup(  # noqa: S704 (both parts are escaped)
        f'<input name="{name}" type="hidden" value="{escape(generate_csrf())}">'
    )


# Jinja's i18n extension reaches Flask-Babel through three calls per string
# (``_`` resolves ``gettext``, whose newstyle wrapper calls Flask-Babel's
# lambda); a page of the layout and an outline translates a few dozen strings.
# These do the same work in one call, with the same newstyle rules: the
# translation is marked safe when autoescaping and always used as a format string.


def _translations():
    """Flask-Babel's translations for the current locale, looked up once per request.

    Kept with the locale object they are for: ``force_locale`` (mail in the
    site's language) sets another locale object, so it gets its own.
    """
    locale = get_locale()
    cached = g.get("_lms_translations")
    if cached is None or cached[0] is not locale:
        cached = (locale, get_translations())
        g._lms_translations = cached
    return cached[1]


@pass_context
def _gettext(context: Context, string: str, /, **variables) -> str:
    return _translated(context.eval_ctx, _translations().ugettext(string), variables)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    rv = _translations().ungettext(singular, plural, num)
    return _translated(context.eval_ctx, rv, variables)


def _translated(eval_ctx: EvalContext, rv: str, variables: dict) -> str:
    if eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704 (a translation is markup-safe, as in Jinja's own)
    if not variables and "%" not in rv:
        # Formatting with nothing to put in changes nothing ("%%" aside), and Markup's
        # ``%`` costs more than the lookup of most strings on a page.
        return rv
    return rv % variables


def _render_translations() -> dict:
    """``_``, ``gettext`` and ``ngettext`` bound to the locale of the template being rendered.

    A context processor: it runs once per ``render_template``, inside any
    ``force_locale`` around it, so the page's few dozen strings skip the
    per-string locale lookup of :func:`_translations`. Macros imported
    without context keep the global functions above, which give the same text.
    """
    translations = _translations()

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, string: str, /, **variables) -> str:
        return _translated(eval_ctx, translations.ugettext(string), variables)

    @pass_eval_context
    def ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables):
        variables.setdefault("num", num)
        return _translated(eval_ctx, translations.ungettext(singular, plural, num), variables)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def register(app: Flask) -> None:
    # Flask-Babel installed Jinja's i18n extension (newstyle) before this runs.
    app.jinja_env.globals.update(
        {
            "_": _gettext,
            "gettext": _gettext,
            "ngettext": _ngettext,
            "main_menu": main_menu,
            "menu_items": menu_items,
            "current_menu_endpoint": current_endpoint,
            "slot_templates": slot_templates,
            "has_permission": has_permission,
            "logout_form": LogoutForm,
            "csrf_field": csrf_field,
            "get_locale": get_locale,
            "languages_offered": languages_offered,
            "chooser_return_path": chooser_return_path,
            "Markup": Markup,
            "fragment": fragments.fragment,
        }
    )
    fragments.init_app(app)
    app.extensions["lms_dates"] = {}

    @app.context_processor
    def _globals():
        return {"site_name": current_app.config["LMS_SITE_NAME"]}

    app.context_processor(_render_translations)

    app.jinja_env.filters["date"] = format_day
    app.jinja_env.filters["datetime"] = format_moment
    app.jinja_env.filters["hours_as_days"] = hours_as_days
    app.jinja_env.filters["bdi"] = bidi_isolate
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.filters["table_regions"] = table_regions
    app.jinja_env.filters["reflow_table"] = reflow_table
    app.jinja_env.filters["and_list"] = and_list
    app.jinja_env.filters["hours"] = format_hours
    app.jinja_env.filters["decimal"] = format_one_decimal


def and_list(items) -> str:
    """The templates' ``and_list`` filter: "Learner, Tutor and Administrator", in the page's
    language (Babel's list patterns: "،" and "اور" in Urdu, "i" in Polish)."""
    from babel.lists import format_list

    return format_list([str(item) for item in items], locale=get_locale() or "en")


def bidi_isolate(value) -> Markup:
    """The templates' ``bdi`` filter: a name or title someone typed, isolated for bidi.

    A name in Urdu inside an English sentence (or the reverse) cannot then
    reorder the words around it. For element content only, not attributes or
    ``<title>``.
    """
    return Markup("<bdi>{}</bdi>").format(value)


_TABLE_START = re.compile(r"<table\b")


def table_regions(html, name: str) -> Markup:
    """The templates' ``table_regions`` filter: each table of sanitised HTML in a scroll region.

    A wide table (a lesson's) then scrolls inside its own focusable region,
    named for the keyboard and screen readers ("Table 1 in <name>"), instead of
    widening the page. ``html`` must already be safe (sanitised lesson HTML).
    """
    from flask_babel import gettext

    html = str(html)
    if "<table" not in html:
        return Markup(html)  # noqa: S704 (sanitised when the lesson was saved)
    numbers = iter(range(1, html.count("<table") + 1))
    region = Markup('<div class="table-wrap" role="region" tabindex="0" aria-label="{}"><table')

    def opening(_match):
        return str(region.format(gettext("Table %(n)d in %(name)s", n=next(numbers), name=name)))

    wrapped = _TABLE_START.sub(opening, html).replace("</table>", "</table></div>")
    return Markup(wrapped)  # noqa: S704 (sanitised when saved; the labels are escaped above)


def format_day(value, fmt: str = "medium") -> str:
    """The templates' ``date`` filter: a date in the page's language, or '' for none."""
    return _formatted(format_date, value, fmt) if value else ""


def format_moment(value, fmt: str = "medium") -> str:
    """The templates' ``datetime`` filter: a date and time in the page's language, or ''."""
    return _formatted(format_datetime, value, fmt) if value else ""


def _formatted(format_, value, fmt: str) -> str:
    """``format_(value, fmt)``, kept per app for the page's locale and time zone.

    Babel takes 10 to 35 µs a date; a page lists the same dates request after
    request (a learner's notices, a course's decisions). The text depends only
    on the value, the format, the locale and the time zone, which are the key.
    """
    formats = current_app.extensions["lms_dates"]
    key = (format_, value, fmt, get_locale(), get_timezone())
    text = formats.get(key)
    if text is None:
        if len(formats) >= _DATES_KEPT:
            formats.clear()  # simpler than an LRU, and rare: a few thousand distinct dates
        text = formats[key] = format_(value, fmt)
    return text


#: Formatted dates kept per app (see :func:`_formatted`).
_DATES_KEPT = 4096


def format_hours(hours) -> str:
    """The templates' ``hours`` filter: a duration in hours in the page's language.

    Babel's unit patterns choose the plural form for the number, fractions
    included ("1 hour", "1.5 hours", "1,5 godziny", "3 گھنٹے"), which
    ``ngettext`` cannot for 1.5. At most one decimal.
    """
    from babel.units import format_unit

    return format_unit(float(hours or 0), "duration-hour", length="long", format="#,##0.#",
                       locale=get_locale() or "en")


def format_one_decimal(value) -> str:
    """The templates' ``decimal`` filter: a number with at most one decimal, in the page's
    language ("1,234.5"; "1 234,5" in Polish)."""
    from flask_babel import format_decimal

    return format_decimal(value or 0, format="#,##0.#")


def hours_as_days(hours: int) -> str:
    """A duration stored in hours, as people say it: "14 days", "1 day", "36 hours"."""
    from flask_babel import ngettext

    hours = int(hours or 0)
    if hours and hours % 24 == 0:
        return ngettext("%(num)d day", "%(num)d days", hours // 24)
    return ngettext("%(num)d hour", "%(num)d hours", hours)
