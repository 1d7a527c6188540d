"""The platform's Jinja environment: Flask's, with two costs of Jinja's imports removed."""

from __future__ import annotations

from collections import ChainMap

from flask.templating import Environment
from jinja2.runtime import Context


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


class _Context(Context):
    """Jinja's template context, with its globals' keys worked out when an import asks.

    Jinja copies them into a set for every context it makes (each page, each
    ``{% include %}``), only for the comparison above, and most contexts import
    nothing: a dashboard's panels are includes, a hundred globals each.
    """

    def __init__(self, environment, parent, name, blocks, globals=None):
        self._globals = globals
        super().__init__(environment, parent, name, blocks, globals=None)

    @property
    def globals_keys(self) -> set:
        return set() if self._globals is None else set(self._globals.keys())

    @globals_keys.setter
    def globals_keys(self, value) -> None:
        """Jinja's ``__init__`` sets the keys; they are read from the globals instead."""


class LmsEnvironment(Environment):
    """Flask's Jinja environment, giving templates :class:`_TemplateGlobals` and
    contexts that copy their globals' keys only for an import."""

    context_class = _Context

    def make_globals(self, d):
        return _TemplateGlobals({} if d is None else d, self.globals)
