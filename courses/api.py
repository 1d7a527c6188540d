"""The courses plugin's API endpoints (``/api/v1/courses``), registered with the core's API.

Each endpoint makes the same checks as the matching page, through the same
functions: the catalogue's :func:`is_listed_clause`, the course page's
:func:`check_visible`, "My learning"'s :func:`progress_for`, and the cohort
pages' :func:`visible_cohorts` / :func:`cohort_or_404` (the one function that
decides a tutor's scope). Lists page by keyset, so a page costs the same
few queries whatever its position and size.
"""

from __future__ import annotations

import orjson
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import Text, bindparam, cast, select

from lms.api import json_page, listing, page_of, token_required
from lms.api.schemas import ID, cursor, page
from lms.db import UTCDateTime, db, utcnow
from lms.paging import DirectKeyset

from .cohorts.access import cohort_or_404, visible_cohorts
from .cohorts.models import Cohort, CohortMember
from .models import Completion, Course, Enrolment, Item, Module
from .operations import find_enrolment
from .progress import percent_done, progress_for, required_counts
from .views.catalogue import is_listed_clause
from .views.common import check_visible, course_by_slug

COURSES_CATALOGUE_READ = "courses:catalogue:read"
COURSES_PROGRESS_READ = "courses:progress:read"
COURSES_COHORT_READ = "courses:cohort:read"

SCOPES = {
    COURSES_CATALOGUE_READ: _l("Read the catalogue and the courses' structure"),
    COURSES_PROGRESS_READ: _l("Read my enrolments, progress and completions"),
    COURSES_COHORT_READ: _l("Read the groups I tutor and their members' progress"),
}

bp = Blueprint(
    "courses_api",
    __name__,
    url_prefix="/api/v1/courses",
    description="The catalogue, courses with their structure, your learning, your groups.",
)


class CourseSchema(Schema):
    class Meta:
        title = "Course"

    slug = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    topic = fields.String(required=True)
    level = fields.String(required=True)
    language = fields.String(required=True)
    estimated_hours = fields.Float(required=True)
    version = fields.Integer(required=True)
    outcomes = fields.List(fields.String(), required=True)


class ItemSchema(Schema):
    class Meta:
        title = "CourseItem"

    key = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "lesson or quiz"})
    title = fields.String(required=True)
    required = fields.Boolean(required=True)
    estimated_minutes = fields.Integer(required=True, allow_none=True)


class ModuleSchema(Schema):
    class Meta:
        title = "CourseModule"

    key = fields.String(required=True)
    title = fields.String(required=True)
    opens_after_days = fields.Integer(required=True, allow_none=True)
    items = fields.List(fields.Nested(ItemSchema), required=True)


class CourseDetailSchema(CourseSchema):
    class Meta:
        title = "CourseDetail"

    description = fields.String(required=True)
    modules = fields.List(fields.Nested(ModuleSchema), required=True)


class CourseRefSchema(Schema):
    class Meta:
        title = "CourseRef"

    slug = fields.String(required=True)
    title = fields.String(required=True)


class ProgressSchema(Schema):
    class Meta:
        title = "Progress"

    done = fields.Integer(required=True, metadata={"description": "Required items done."})
    total = fields.Integer(required=True, metadata={"description": "Required items."})
    percent = fields.Integer(required=True)
    completed = fields.Boolean(required=True)


class EnrolmentSchema(Schema):
    class Meta:
        title = "Enrolment"

    id = fields.Integer(required=True)
    course = fields.Nested(CourseRefSchema, required=True)
    enrolled_dt = fields.DateTime(required=True)
    last_activity_dt = fields.DateTime(required=True, allow_none=True)
    progress = fields.Nested(ProgressSchema, required=True)


class CompletionSchema(Schema):
    class Meta:
        title = "Completion"

    id = fields.Integer(required=True)
    course = fields.Nested(CourseRefSchema, required=True)
    course_version = fields.Integer(required=True)
    completed_dt = fields.DateTime(required=True)
    final_score = fields.Float(required=True, allow_none=True)


class CohortSchema(Schema):
    class Meta:
        title = "Group"

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    course = fields.Nested(CourseRefSchema, required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)


class MemberSchema(Schema):
    class Meta:
        title = "GroupMember"

    user_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    joined_dt = fields.DateTime(required=True)
    progress = fields.Nested(ProgressSchema, required=True)


def _ref(course: Course) -> dict:
    return {"slug": course.slug, "title": course.title}


def _progress(p) -> dict:
    return {"done": p.done, "total": p.total, "percent": p.percent, "completed": p.completed}


#: The catalogue's columns, read directly (:mod:`lms.directread`): the busiest list. The
#: outcomes come as the JSON text stored, and go out as they are (no decoding, encoding).
_CATALOGUE = DirectKeyset(
    select(
        Course.id, Course.slug, Course.title, Course.summary, Course.topic, Course.level,
        Course.language, Course.estimated_hours, Course.version,
        cast(Course.outcomes, Text).label("outcomes_json"),
    ).where(is_listed_clause(bindparam("now", type_=UTCDateTime()))),
    [Course.title, Course.id],
)


@bp.route("/")
@token_required(COURSES_CATALOGUE_READ)
@listing(bp, CourseSchema, "CoursePage")
def catalogue(after, limit):
    """The catalogue: published courses still listed, by title."""
    result = _CATALOGUE.page(cursor(after, (str, int)), limit, now=utcnow())
    return json_page([
        {"slug": c.slug, "title": c.title, "summary": c.summary, "topic": c.topic,
         "level": c.level, "language": c.language, "estimated_hours": float(c.estimated_hours),
         "version": c.version, "outcomes": orjson.Fragment(c.outcomes_json)}
        for c in result.items
    ], result.next_cursor)


@bp.route("/<slug>")
@token_required(COURSES_CATALOGUE_READ)
@bp.response(200, CourseDetailSchema)
def course(slug):
    """A course with its modules and items, in order (drafts only for their authors)."""
    found = course_by_slug(slug)
    enrolment = find_enrolment(current_user.id, found.id)
    check_visible(found, enrolment)
    modules = db.session.scalars(
        select(Module).where(Module.course_id == found.id).order_by(Module.position, Module.id)
    ).all()
    items = db.session.scalars(
        select(Item).where(Item.course_id == found.id).order_by(Item.position, Item.id)
    ).all()
    by_module: dict[int, list] = {m.id: [] for m in modules}
    for item in items:
        by_module.setdefault(item.module_id, []).append(item)
    return {
        **CourseSchema().dump(found),
        "description": found.description,
        "modules": [
            {
                "key": m.key,
                "title": m.title,
                "opens_after_days": m.unlock_after_days,
                "items": by_module[m.id],
            }
            for m in modules
        ],
    }


#: The token owner's enrolments with their required items done and in all, counted in the
#: statement (:func:`courses.progress.required_counts`): one statement read directly,
#: whatever the page's size.
_MY_ENROLMENTS = DirectKeyset(
    select(Enrolment.id, Enrolment.enrolled_dt, Enrolment.last_activity_dt, Course.slug,
           Course.title, *required_counts(Enrolment.id, Enrolment.course_id))
    .join(Course, Course.id == Enrolment.course_id)
    .where(Enrolment.user_id == bindparam("user_id")),
    [Enrolment.id],
)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


@bp.route("/my/enrolments")
@token_required(COURSES_PROGRESS_READ)
@listing(bp, EnrolmentSchema, "EnrolmentPage")
def my_enrolments(after, limit):
    """The token owner's enrolments with their progress, oldest first."""
    result = _MY_ENROLMENTS.page(cursor(after, (int,)), limit, user_id=current_user.id)
    return json_page([
        {
            "id": e.id,
            "course": {"slug": e.slug, "title": e.title},
            "enrolled_dt": _iso(e.enrolled_dt),
            "last_activity_dt": _iso(e.last_activity_dt),
            "progress": {"done": e.done, "total": e.total,
                         "percent": percent_done(e.done, e.total),
                         "completed": e.total > 0 and e.done == e.total},
        }
        for e in result.items
    ], result.next_cursor)


@bp.route("/my/completions")
@token_required(COURSES_PROGRESS_READ)
@listing(bp, CompletionSchema, "CompletionPage")
def my_completions(after, limit):
    """The course versions the token owner has completed, oldest first."""
    query = select(Completion, Course).join(Course, Course.id == Completion.course_id).where(
        Completion.user_id == current_user.id
    )
    result = page_of(query, [Completion.id], (int,), lambda r: (r[0].id,), after, limit)
    items = [
        {
            "id": done.id,
            "course": _ref(c),
            "course_version": done.course_version,
            "completed_dt": done.completed_dt,
            "final_score": done.final_score,
        }
        for done, c in result.items
    ]
    return page(items, result.next_cursor)


@bp.route("/cohorts/")
@token_required(COURSES_COHORT_READ)
@listing(bp, CohortSchema, "GroupPage")
def cohorts(after, limit):
    """The groups the token owner may see: the ones they tutor (every group for admins)."""
    visible = visible_cohorts().subquery()
    query = select(Cohort, Course).join(Course, Course.id == Cohort.course_id).where(
        Cohort.id.in_(select(visible.c.id))
    )
    result = page_of(query, [Cohort.id], (int,), lambda r: (r[0].id,), after, limit)
    items = [
        {
            "id": g.id,
            "name": g.name,
            "course": _ref(c),
            "start_date": g.start_date,
            "end_date": g.end_date,
        }
        for g, c in result.items
    ]
    return page(items, result.next_cursor)


@bp.route(f"/cohorts/<{ID}:cohort_id>/members")
@token_required(COURSES_COHORT_READ)
@listing(bp, MemberSchema, "GroupMemberPage")
def cohort_members(after, limit, cohort_id):
    """A group's learners with their progress (404 for a group the owner does not tutor)."""
    from lms.accounts.models import User

    group = cohort_or_404(cohort_id)
    query = (
        select(CohortMember, User, Enrolment)
        .join(User, User.id == CohortMember.user_id)
        .join(Enrolment, Enrolment.id == CohortMember.enrolment_id)
        .where(CohortMember.cohort_id == group.id)
    )
    result = page_of(query, [CohortMember.id], (int,), lambda r: (r[0].id,), after, limit)
    progress = progress_for([e for _, _, e in result.items])
    items = [
        {
            "user_id": u.id,
            "display_name": u.display_name,
            "joined_dt": m.joined_dt,
            "progress": _progress(progress[e.id]),
        }
        for m, u, e in result.items
    ]
    return page(items, result.next_cursor)
