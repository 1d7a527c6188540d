"""What the authoring views share: a course's modules and items by id, and the way back.

Each lookup answers 404 for an id that is not part of the course in the address.
"""

from __future__ import annotations

from flask import abort, redirect, url_for

from lms.db import db

from ..models import Course, Item, Module


def to_structure(course: Course):
    """Back to the course's structure page (after a change, as a 303)."""
    return redirect(url_for("courses_author.course", slug=course.slug), 303)


def course_module(course: Course, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or module.course_id != course.id:
        abort(404)
    return module


def course_item(course: Course, item_id: int) -> Item:
    item = db.session.get(Item, item_id)
    if item is None or item.course_id != course.id:
        abort(404)
    return item
