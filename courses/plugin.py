"""The courses plugin: wiring only."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from flask import Flask
from flask_babel import lazy_gettext as _l

from lms.menu import MenuItem
from lms.personal_data import register_personal_data
from lms.plugins import (
    Plugin,
    provide_cohort_directory,
    provide_cohort_seating,
    provide_enrolment_rules,
    register_decision_kind,
)

from . import item_hashes  # noqa: F401  (its session listener keeps Item.source_hash)
from .assignments.operations import NOTIFICATION_KINDS as ASSIGNMENT_KINDS
from .assignments.views import bp as assign_bp
from .cli import cli
from .cohorts.views import bp as cohorts_bp
from .discussions.operations import NOTIFICATION_KINDS as DISCUSSION_KINDS
from .discussions.views import bp as discuss_bp
from .importing import seed
from .permissions import COURSES_ASSIGNMENT_MARK, COURSES_AUTHOR, COURSES_COHORT_TEACH, GRANTS
from .views import author_bp, bp

HOME_COURSES = 12
#: The course a newcomer is pointed to first (its slug); also first on the visitors' home page.
FIRST_COURSE = "what-is-a-co-operative"
#: Limits of a cohort enrolment upload (a clear message beyond them).

UPLOAD_DEFAULTS = {
    "COURSES_COHORT_UPLOAD_MAX_ROWS": 2000,
    "COURSES_COHORT_UPLOAD_MAX_BYTES": 512 * 1024,
}


class FeaturedCourse(NamedTuple):
    """A course on the visitors' home page, in the page's language where translated.

    ``title_lang`` and ``summary_lang`` are the course's language for a text
    shown untranslated on a page in another language, else ``""``.
    """

    slug: str
    title: str
    summary: str
    title_lang: str = ""
    summary_lang: str = ""


def _featured() -> list[FeaturedCourse]:
    """The courses for the home page of visitors: the first course first, then introductory
    ones, then the rest (up to :data:`HOME_COURSES`; the page links to the catalogue).

    As the catalogue shows them: translated into the page's language where a
    translation exists (one query more, only for courses in another language),
    else in their own language and marked so.
    """
    from flask import current_app
    from sqlalchemy import case

    from lms.db import db

    from .models import Course
    from .shown import page_language
    from .translations import course_texts
    from .views.catalogue import listed_courses

    first = current_app.config.get("COURSES_FIRST_COURSE", "")
    query = listed_courses().order_by(
        case((Course.slug == first, 0), (Course.level == "introductory", 1), else_=2),
        Course.title,
    ).limit(HOME_COURSES)
    courses = db.session.scalars(query).all()
    language = page_language()
    texts = course_texts([c.id for c in courses if c.language != language], language)
    featured = []
    for course in courses:
        if course.language == language:
            featured.append(FeaturedCourse(course.slug, course.title, course.summary))
            continue
        title, summary = texts.get(course.id, (None, None))
        featured.append(FeaturedCourse(
            course.slug, title or course.title, summary or course.summary,
            "" if title else course.language, "" if summary else course.language,
        ))
    return featured


def _link_targets() -> list[tuple[str, str]]:
    """The published courses a learning platform's teacher may link to (LTI Deep Linking)."""
    from lms.db import db

    from .models import Course
    from .views.catalogue import listed_courses

    rows = db.session.scalars(listed_courses().order_by(Course.title, Course.id)).all()
    return [(c.title, f"/courses/{c.slug}") for c in rows]


def setup(app: Flask) -> None:
    """Give the slot templates their data functions; offer the curriculum decision kinds."""
    from .cohorts import group_figures
    from .cohorts.dashboard import cohort_dashboard
    from .cohorts.directory import CourseCohorts
    from .cohorts.invitations import my_open_invitations
    from .cohorts.seating import CourseCohortSeating
    from .cohorts.tutor_dashboard import tutor_groups
    from .decisions import KINDS
    from .outline import outline
    from .personal_data import PROVIDER as PERSONAL_DATA
    from .prerequisites import CourseEnrolmentRules
    from .shown import lang_attributes
    from .titles import course_title, item_title, module_title, original_text
    from .views.dashboard import dashboard_data

    for key, value in UPLOAD_DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("COURSES_FIRST_COURSE", FIRST_COURSE)
    # Enrolment keys are short shared secrets: tries are limited per account so a key
    # cannot be guessed by sending one after another.
    app.config.setdefault("COURSES_JOIN_LIMIT", "10 per minute; 30 per hour")

    group_figures.init_app(app)
    for kind in KINDS:
        register_decision_kind(app, kind, owner="courses")
    register_personal_data(app, PERSONAL_DATA)

    app.jinja_env.globals["courses_dashboard"] = dashboard_data
    app.jinja_env.globals["courses_featured"] = _featured
    app.jinja_env.globals["courses_cohort_dashboard"] = cohort_dashboard
    app.jinja_env.globals["courses_tutor_groups"] = tutor_groups
    app.jinja_env.globals["courses_open_invitations"] = my_open_invitations
    app.jinja_env.globals["courses_outline"] = outline
    app.jinja_env.globals["courses_title"] = course_title
    app.jinja_env.globals["courses_item_title"] = item_title
    app.jinja_env.globals["courses_module_title"] = module_title
    app.jinja_env.globals["courses_original"] = original_text
    app.jinja_env.globals["courses_lang"] = lang_attributes
    provide_cohort_directory(app, CourseCohorts(), owner="courses")
    provide_enrolment_rules(app, CourseEnrolmentRules(), owner="courses")
    provide_cohort_seating(app, CourseCohortSeating(), owner="courses")
    from lms import api

    from . import api as courses_api

    api.register(app, courses_api.bp, owner="courses", scopes=courses_api.SCOPES)
    from lms.lti import provide_link_targets

    provide_link_targets(app, _link_targets)


plugin = Plugin(
    name="courses",
    version="0.1.0",
    description="Catalogue, course content, quizzes, enrolment and progress.",
    blueprints=[bp, author_bp, cohorts_bp, discuss_bp, assign_bp],
    models="courses.models",
    migrations=Path(__file__).parent / "migrations" / "versions",
    permissions=GRANTS,
    menu=[
        MenuItem(_l("Courses"), "courses.catalogue", order=10),
        MenuItem(_l("My learning"), "courses.my_learning", signed_in=True, order=20),
        MenuItem(
            _l("Course authoring"), "courses_author.index", permission=COURSES_AUTHOR, order=30
        ),
        MenuItem(
            _l("Groups"), "courses_cohorts.index", permission=COURSES_COHORT_TEACH, order=35
        ),
        MenuItem(
            _l("Marking"), "courses_assign.queue", permission=COURSES_ASSIGNMENT_MARK, order=36
        ),
    ],
    slots={
        "dashboard": [
            "courses/_tutor_dashboard.html",
            "courses/_invitations_dashboard.html",
            "courses/_cohort_dashboard.html",
            "courses/_dashboard.html",
        ],
        "home": ["courses/_home.html"],
    },
    notification_kinds=[*DISCUSSION_KINDS, *ASSIGNMENT_KINDS],
    cli=cli,
    seed=seed,
    setup=setup,
)
