"""Parts of pages that are the same for everyone who sees them, rendered once per process.

A lesson's text, its sources and its links to the items around it read the
same for every learner who opens it in one language; only the learner's own
state (done or not, the progress panel) differs. :func:`fragment` renders
such a part from the values it is given and keeps the result, so the next
learner's page prints it instead of rendering it again.

The values are the cache key: a fragment template sees nothing else (no
``request``, ``session``, ``current_user``, context processors or other
per-request globals: see :data:`ALLOWED_GLOBALS`), so what it prints cannot
depend on anything the key leaves out. Macros it imports (without context)
must keep to the same globals. A change to the
text (a correction, a translation) is a new key and shows at once; the old
entry ages out of the bounded cache. The page's language and time zone and
the application's root path join the key, since translated strings, dates,
times and links depend on them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Flask, current_app, request
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

#: Fragments kept per process: every lesson of the shipped courses in a few languages.
CACHE_SIZE = 1024

#: The template globals a fragment may use: translation and links, which depend only on
#: the language and the root path in the key. The others (``request``, ``session``,
#: ``current_user``, ``csrf_field``, the menu...) are undefined in a fragment.
ALLOWED_GLOBALS = frozenset(
    {"_", "gettext", "ngettext", "url_for", "range", "dict", "namespace", "cycler", "joiner"}
)


def init_app(app: Flask) -> None:
    """Give ``app`` its own cache (tests build many applications in one process)."""

    @lru_cache(maxsize=CACHE_SIZE)
    def render(template_name: str, locale, zone, root: str, values: tuple) -> Markup:
        template = app.jinja_env.get_template(template_name)
        hidden = set(app.jinja_env.globals).union(("current_user",)) - ALLOWED_GLOBALS
        context = {name: app.jinja_env.undefined(name=name) for name in hidden}
        context.update(values)
        return Markup(template.render(context))  # noqa: S704 (an autoescaped template)

    app.extensions["lms_fragments"] = render


def fragment(template_name: str, **values: Any) -> Markup:
    """``template_name`` rendered with ``values`` only, from the cache when seen before.

    :param values: everything the template prints; each must be hashable
        (strings, numbers, dates, tuples, frozen dataclasses).
    """
    render = current_app.extensions["lms_fragments"]
    if current_app.jinja_env.auto_reload:
        # Templates reload when edited (debug): so must what was rendered from them.
        render = render.__wrapped__
    return render(
        template_name,
        # The objects, not their names: they hash and compare as their names do, cheaper.
        get_locale(),
        get_timezone(),
        request.script_root,
        tuple(sorted(values.items())),
    )
