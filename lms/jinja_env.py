"""The platform's Jinja environment: Flask's, with one cost of Jinja's imports removed."""

from __future__ import annotations

from collections import ChainMap

from flask.templating import Environment


class _TemplateGlobals(ChainMap):
    """A template's globals (its own over the environment's), with keys as a real set.

    Jinja checks at every ``{% from ... import ... %}`` whether the importing
    context has globals the imported template lacks
    (``ctx.globals_keys - template.globals.keys()``). A ``ChainMap``'s keys view
    answers that one Python-level lookup per global, a few dozen here, which
    cost a dashboard with its plugins' imports more than its queries; the union
    of two key views is one C-level operation.
    """

    def keys(self):
        return set().union(*self.maps)


class LmsEnvironment(Environment):
    """Flask's Jinja environment, giving templates :class:`_TemplateGlobals`."""

    def make_globals(self, d):
        return _TemplateGlobals({} if d is None else d, self.globals)
