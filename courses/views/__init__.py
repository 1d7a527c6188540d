"""The courses plugin's pages, in two blueprints.

``courses`` (``/courses``): catalogue, course pages, learning, My learning.
``courses_author`` (``/courses/author``): authoring, for tutors and admins.
"""

from flask import Blueprint

bp = Blueprint(
    "courses",
    "courses",
    url_prefix="/courses",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
author_bp = Blueprint(
    "courses_author", "courses", url_prefix="/courses/author", template_folder="templates"
)

from . import (  # noqa: E402, F401  (routes register)
    authoring_courses,
    authoring_guard,
    authoring_items,
    authoring_modules,
    authoring_questions,
    catalogue,
    completion,
    dashboard,
    learn,
    review,
    revisions,
)
