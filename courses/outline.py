"""The course outline as the pages show it: what each line says, worked out once per page.

Every learning page and the course page show the outline. Done in the
template, each item cost a dozen lookups, a filter, a link and a translated
string; here each label is translated once per page and each link is the
items' common prefix plus the key, so the template only prints the lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import quote

from flask import url_for
from flask_babel import get_translations
from markupsafe import Markup

from lms.templating import format_day

from .models import KIND_ASSIGNMENT, KIND_QUIZ
from .shown import NO_LANG, lang_attributes


class OutlineItem(NamedTuple):
    """One line of the outline."""

    title: str
    #: The item's page ('' when the outline does not link).
    href: str
    #: The page shows this item (``aria-current``).
    current: bool
    #: Its kind, length and whether it is optional: "Lesson, 15 min, optional".
    about: str
    done: bool
    #: `` lang="en" dir="ltr"`` when the title is the original in another language.
    lang: Markup = NO_LANG


class OutlineModule(NamedTuple):
    """A module of the outline, with its items."""

    title: str
    #: When it opens or is due, for a learner in a group with a schedule; else ''.
    dates: str
    items: list[OutlineItem]
    #: As :attr:`OutlineItem.lang`, for the module's title.
    lang: Markup = NO_LANG


class Outline(NamedTuple):
    """The outline's modules, and the words it repeats."""

    modules: list[OutlineModule]
    #: The name of the outline's ``nav`` landmark.
    label: str
    #: The status tag of a finished item.
    done: str


def outline(
    course, modules: Iterable, items: Iterable, current_id=None, link=True, schedule=None
) -> Outline:
    """The outline's modules and lines, and its labels.

    :param modules: the course's modules in order (``id``, ``title``).
    :param items: the items in outline order: the learner's
        :class:`~courses.progress.ItemState` rows, or plain item rows (no
        ``done``) for a visitor.
    :param current_id: the id of the item the page shows.
    :param link: link each item to its page (learners only).
    :param schedule: the learner's :class:`~courses.cohorts.schedule.LearnerSchedule`, if any.
    """
    # One lookup of the request's translations instead of one per string.
    _ = get_translations().ugettext
    kinds = {KIND_QUIZ: _("Quiz"), KIND_ASSIGNMENT: _("Assignment")}
    lesson, optional = _("Lesson"), _("optional")
    minutes = _("%(n)d min")
    # Keys are slugs: every item's address is the same prefix and its key.
    prefix = url_for("courses.item", slug=course.slug, key="-")[:-1] if link else ""
    # A course shown in another language says which titles are still its own language's
    # (:meth:`courses.shown.Translated.course`); in its own language nothing is marked.
    item_lang = getattr(course, "item_lang", None)
    module_lang = getattr(course, "module_lang", None)
    by_module: dict[int, list[OutlineItem]] = {}
    for it in items:
        about = kinds.get(it.kind, lesson)
        if it.estimated_minutes:
            about = f"{about}, {minutes % {'n': it.estimated_minutes}}"
        if not it.required:
            about = f"{about}, {optional}"
        line = OutlineItem(
            it.title,
            prefix + quote(it.key) if link else "",
            it.id == current_id,
            about,
            getattr(it, "done", False),
            lang_attributes(item_lang(it.id)) if item_lang else NO_LANG,
        )
        by_module.setdefault(it.module_id, []).append(line)
    lines = [
        OutlineModule(m.title, _dates(m.id, schedule, _), by_module.get(m.id, []),
                      lang_attributes(module_lang(m.key)) if module_lang else NO_LANG)
        for m in modules
    ]
    return Outline(
        lines,
        _("Course outline"),
        _("Done"),
    )


def _dates(module_id: int, schedule, _) -> str:
    """When a module opens (still closed) or is due (open), for a learner in a group."""
    dates = schedule.modules.get(module_id) if schedule is not None else None
    if dates is None:
        return ""
    if dates.is_open():
        return _("Due by %(date)s") % {"date": format_day(dates.due_on)}
    return _("Opens on %(date)s") % {"date": format_day(dates.opens_on)}
