"""The plugin interface and loader.

A plugin is a :class:`Plugin` object published under the entry-point group
``lms.plugins``. ``LMS_PLUGINS`` (a comma list; empty means every installed
plugin) chooses which load; each plugin's ``requires`` orders them. Anything
wrong (an unknown name, a duplicate, an entry point that fails to import, a
missing requirement, a name that does not carry the plugin's prefix) stops
start-up with a :class:`PluginError` naming the plugin.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, Flask

from .contracts import (
    CohortDirectory,
    CohortSeating,
    CurriculumAuthority,
    DecisionKind,
    EnrolmentRules,
    NotificationKind,
)
from .menu import MenuItem

GROUP = "lms.plugins"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class PluginError(RuntimeError):
    """A plugin cannot be loaded; the message names it and says why."""


@dataclass
class Plugin:
    """Everything one plugin contributes, each piece carrying the plugin's name.

    :param name: the plugin's name; also its blueprint name, URL prefix
        (``/<name>``), table prefix (``<name>_``), permission prefix
        (``<name>:``), CLI group and Alembic branch label.
    :param version: shown by ``flask lms plugins``.
    :param requires: names of plugins that must load first.
    :param blueprints: blueprints to register.
    :param models: a module to import so its models join the metadata.
    :param migrations: the folder holding this plugin's Alembic revisions.
    :param permissions: permission name -> roles it is granted to.
    :param menu: main-menu items.
    :param slots: slot name -> templates included in that slot.
    :param cli: a click group named after the plugin.
    :param setup: called with the app to connect signal receivers and register
        decision kinds (see :func:`connect`).
    :param seed: called by ``flask lms init`` (inside its transaction) with the
        app and the ``demo`` flag; must be safe to run twice.
    :param tasks: background tasks (:class:`lms.jobs.Task`), each named
        ``<name>.<what>``; anyone enqueues them by name (:func:`lms.jobs.enqueue`).
    :param notification_kinds: the kinds of notification the plugin publishes
        (:class:`lms.contracts.NotificationKind`), each keyed ``<name>.<what>``.
    """

    name: str
    version: str = "0"
    requires: Sequence[str] = ()
    blueprints: Sequence[Blueprint] = ()
    models: str | None = None
    migrations: str | Path | None = None
    permissions: Mapping[str, Iterable[str]] = field(default_factory=dict)
    menu: Sequence[MenuItem] = ()
    slots: Mapping[str, Sequence[str]] = field(default_factory=dict)
    cli: click.Group | None = None
    setup: Callable[[Flask], None] | None = None
    seed: Callable[[Flask, bool], None] | None = None
    description: str = ""
    tasks: Sequence[Any] = ()
    notification_kinds: Sequence[NotificationKind] = ()


def available() -> dict[str, EntryPoint]:
    """Return the installed plugin entry points by name.

    :raises PluginError: two installed entry points share a name.
    """
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=GROUP):
        if ep.name in found and found[ep.name].value != ep.value:
            raise PluginError(
                f"plugin {ep.name!r} is installed twice ({found[ep.name].value} and {ep.value})"
            )
        found[ep.name] = ep
    return found


def _wanted(setting: str, installed: Mapping[str, EntryPoint]) -> list[str]:
    if not setting.strip():
        return sorted(installed)
    names = [n.strip() for n in setting.split(",") if n.strip()]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise PluginError(f"plugin {name!r} is listed twice in LMS_PLUGINS")
        seen.add(name)
        if name not in installed:
            known = ", ".join(sorted(installed)) or "none"
            raise PluginError(f"unknown plugin {name!r} in LMS_PLUGINS (installed: {known})")
    return names


def _load_one(ep: EntryPoint) -> Plugin:
    try:
        obj = ep.load()
    except Exception as exc:
        raise PluginError(f"plugin {ep.name!r} failed to load: {exc!r}") from exc
    plugin = obj() if callable(obj) and not isinstance(obj, Plugin) else obj
    if not isinstance(plugin, Plugin):
        raise PluginError(f"plugin {ep.name!r} is not an lms.plugins.Plugin")
    if plugin.name != ep.name:
        raise PluginError(f"plugin {ep.name!r} calls itself {plugin.name!r}")
    if not _NAME.match(plugin.name) or plugin.name == "lms":
        raise PluginError(f"plugin name {plugin.name!r} is not allowed")
    return plugin


def _ordered(plugins: Mapping[str, Plugin]) -> list[Plugin]:
    """Order plugins so that each comes after what it requires."""
    done: list[Plugin] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise PluginError(f"plugins require each other in a cycle: {' -> '.join(chain)}")
        state[name] = "visiting"
        for req in plugins[name].requires:
            if req not in plugins:
                raise PluginError(f"plugin {name!r} requires {req!r}, which is not enabled")
            visit(req, (*chain, req))
        state[name] = "done"
        done.append(plugins[name])

    for name in plugins:
        visit(name, (name,))
    return done


def load_plugins(app: Flask, installed: Mapping[str, EntryPoint] | None = None) -> list[Plugin]:
    """Find, check, order and wire the enabled plugins into ``app``.

    :param installed: entry points to choose from; default :func:`available`.
    """
    installed = available() if installed is None else installed
    names = _wanted(app.config["LMS_PLUGINS"], installed)
    plugins = {name: _load_one(installed[name]) for name in names}
    ordered = _ordered(plugins)
    for plugin in ordered:
        _wire(app, plugin)
    return ordered


def _check_prefix(plugin: Plugin, what: str, value: str, prefix: str) -> None:
    if value != prefix.rstrip("_/.:") and not value.startswith(prefix):
        raise PluginError(f"plugin {plugin.name!r}: {what} {value!r} must start with {prefix!r}")


def _wire(app: Flask, plugin: Plugin) -> None:
    state = app.extensions["lms"]
    name = plugin.name
    if plugin.models:
        try:
            importlib.import_module(plugin.models)
        except Exception as exc:
            raise PluginError(f"plugin {name!r}: models {plugin.models!r} failed: {exc!r}") from exc
        _check_tables(plugin)
    for bp in plugin.blueprints:
        _check_prefix(plugin, "blueprint", bp.name, f"{name}_")
        prefix = bp.url_prefix or ""
        _check_prefix(plugin, "URL prefix of blueprint " + bp.name, prefix, f"/{name}/")
        app.register_blueprint(bp)
    try:
        state.permissions.add(dict(plugin.permissions), owner=name)
    except ValueError as exc:
        raise PluginError(f"plugin {name!r}: {exc}") from exc
    if plugin.cli is not None:
        if plugin.cli.name != name:
            raise PluginError(f"plugin {name!r}: CLI group must be named {name!r}")
        app.cli.add_command(plugin.cli)
    if plugin.migrations is not None:
        state.migration_dirs.append(str(plugin.migrations))
    state.menu = sorted([*state.menu, *plugin.menu], key=lambda item: item.order)
    for slot, templates in plugin.slots.items():
        state.slots.setdefault(slot, []).extend(templates)
    from .jobs import JobError, register_task

    for task in plugin.tasks:
        try:
            register_task(app, task, owner=name)
        except JobError as exc:
            raise PluginError(f"plugin {name!r}: {exc}") from exc
    for kind in plugin.notification_kinds:
        register_notification_kind(app, kind, owner=name)
    state.plugins[name] = plugin
    if plugin.setup is not None:
        plugin.setup(app)


def _check_tables(plugin: Plugin) -> None:
    from .db import db

    package = plugin.models.split(".")[0]
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if cls.__module__.split(".")[0] != package:
            continue
        for table in mapper.tables:
            _check_prefix(plugin, "table", table.name, f"{plugin.name}_")


def connect(app: Flask, signal, receiver: Callable) -> None:
    """Connect ``receiver`` to ``signal`` for this application only."""
    signal.connect(receiver, sender=app, weak=False)


def _register(kinds: dict, key: str, value: Any, what: str, sep: str, owner: str) -> None:
    """Add ``value`` to ``kinds`` under ``key``: named ``<owner><sep><name>`` and new."""
    if not re.match(rf"^{re.escape(owner + sep)}[a-z][a-z0-9_.-]*$", key):
        raise PluginError(f"plugin {owner!r}: {what} {key!r} must be named {owner}{sep}<name>")
    if key in kinds:
        raise PluginError(f"{what} {key!r} is registered twice")
    kinds[key] = value


def register_decision_kind(app: Flask, kind: DecisionKind, *, owner: str) -> None:
    """Offer a decision kind to governance (a plugin calls this from its ``setup``)."""
    if not isinstance(kind, DecisionKind):
        raise PluginError(f"plugin {owner!r}: {kind!r} does not follow the DecisionKind contract")
    _register(app.extensions["lms"].decision_kinds, kind.key, kind, "decision kind", ":",
              owner)


def register_notification_kind(app: Flask, kind: NotificationKind, *, owner: str) -> None:
    """Declare a kind of notification ``owner`` publishes (see :mod:`lms.notifications`).

    :raises PluginError: the key is not ``<owner>.<what>`` or is taken.
    """
    if not isinstance(kind, NotificationKind):
        raise PluginError(f"plugin {owner!r}: {kind!r} is not a NotificationKind")
    _register(app.extensions["lms"].notification_kinds, kind.key, kind, "notification kind",
              ".", owner)


def _provide(app: Flask, slot: str, value: Any, contract: type, owner: str) -> None:
    """Fill the core's ``slot`` with ``value``, which must follow ``contract``; once only."""
    if not isinstance(value, contract):
        raise PluginError(f"plugin {owner!r}: {value!r} does not follow {contract.__name__}")
    state = app.extensions["lms"]
    if getattr(state, slot) is not None:
        raise PluginError(f"plugin {owner!r}: a {contract.__name__} is already provided")
    setattr(state, slot, value)


def provide_cohort_directory(app: Flask, directory: CohortDirectory, *, owner: str) -> None:
    """Offer the cohort directory (who is in which cohort, who tutors it) to other plugins."""
    _provide(app, "cohort_directory", directory, CohortDirectory, owner)


def cohort_directory(app: Flask) -> CohortDirectory | None:
    """The cohort directory, or ``None`` when no loaded plugin provides cohorts."""
    return app.extensions["lms"].cohort_directory


def provide_cohort_seating(app: Flask, seating: CohortSeating, *, owner: str) -> None:
    """Offer the one way other packages put people in a cohort (the LTI roster does)."""
    _provide(app, "cohort_seating", seating, CohortSeating, owner)


def cohort_seating(app: Flask) -> CohortSeating | None:
    """The cohort seating, or ``None`` when no loaded plugin provides cohorts."""
    return app.extensions["lms"].cohort_seating


def provide_curriculum_authority(app: Flask, authority: CurriculumAuthority, *, owner: str) -> None:
    """Take charge of changes to the curriculum (governance calls this from its ``setup``)."""
    _provide(app, "curriculum_authority", authority, CurriculumAuthority, owner)


def curriculum_authority(app: Flask) -> CurriculumAuthority | None:
    """The curriculum authority, or ``None``: then administrators publish directly."""
    return app.extensions["lms"].curriculum_authority


def provide_enrolment_rules(app: Flask, rules: EnrolmentRules, *, owner: str) -> None:
    """Offer the one prerequisite check (who may start which course) to other plugins."""
    _provide(app, "enrolment_rules", rules, EnrolmentRules, owner)


def enrolment_rules(app: Flask) -> EnrolmentRules | None:
    """The enrolment rules, or ``None`` when no loaded plugin provides courses."""
    return app.extensions["lms"].enrolment_rules
