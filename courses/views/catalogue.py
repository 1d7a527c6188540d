"""The catalogue and the course page: open to everyone."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import and_, func, or_, select

from lms.db import db, utcnow
from lms.i18n import language_name
from lms.paging import MAX_PAGE, int_arg
from lms.permissions import public

from ..cohorts.dashboard import course_group, takes_keys
from ..cohorts.forms import JoinForm
from ..decisions import decisions_for
from ..forms import LEVEL_LABELS, ActionForm, CatalogueFilterForm
from ..models import STATUS_PUBLISHED, Course, Module
from ..operations import enrol_refusal, missing_prerequisites
from ..progress import course_items, progress_for
from . import bp
from .common import visible_course

PAGE_SIZE = 20


def is_listed_clause(now):
    """The condition on a course the catalogue shows: published and not past its retire time.

    :param now: the time, or a bound parameter for statements built once.
    """
    return and_(
        Course.status == STATUS_PUBLISHED,
        or_(Course.retire_dt.is_(None), Course.retire_dt > now),
    )


def listed_courses():
    """A query for the courses the catalogue shows (:func:`is_listed_clause` now)."""
    return select(Course).where(is_listed_clause(utcnow()))


@bp.route("/")
@public
def catalogue():
    """Search and filter the published courses."""
    form = CatalogueFilterForm(request.args)
    listed = listed_courses().subquery()
    topics = db.session.scalars(
        select(listed.c.topic).where(listed.c.topic != "").distinct().order_by(listed.c.topic)
    ).all()
    languages = db.session.scalars(
        select(listed.c.language).distinct().order_by(listed.c.language)
    ).all()
    form.topic.choices = [("", _any_topic())] + [(t, t) for t in topics]
    # Named in the page's language ("Polish"), filtered by code.
    form.language.choices = [("", _any_language())] + [
        (lang, language_name(lang)) for lang in languages
    ]
    query = listed_courses().order_by(Course.title, Course.id)
    if form.validate():
        if form.q.data:
            like = f"%{form.q.data.strip().lower()}%"
            query = query.where(
                or_(
                    func.lower(Course.title).like(like),
                    func.lower(Course.summary).like(like),
                    func.lower(Course.topic).like(like),
                )
            )
        if form.topic.data:
            query = query.where(Course.topic == form.topic.data)
        if form.level.data:
            query = query.where(Course.level == form.level.data)
        if form.language.data:
            query = query.where(Course.language == form.language.data)
    page = int_arg("page", 1, maximum=MAX_PAGE)
    rows = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    filtered = any(request.args.get(k) for k in ("q", "topic", "level", "language"))
    return render_template(
        "courses/catalogue.html",
        form=form,
        pagination=rows,
        levels=LEVEL_LABELS,
        filtered=filtered,
    )


def _any_topic():
    from flask_babel import gettext as _

    return _("Any topic")


def _any_language():
    from flask_babel import gettext as _

    return _("Any language")


@bp.route("/<slug>")
@public
def course_page(slug: str):
    """A course's summary, outcomes, hours, outline and prerequisites, and the way in."""
    course, enrolment = visible_course(slug)
    modules = db.session.scalars(
        select(Module).where(Module.course_id == course.id).order_by(Module.position, Module.id)
    ).all()
    progress = progress_for([enrolment])[enrolment.id] if enrolment else None
    # Not ``items``: a name that generic is easily shadowed by the base template's own variables.
    outline_items = progress.items if progress else course_items([course.id]).get(course.id, [])
    refusal = missing = None
    if enrolment is None and current_user.is_authenticated:
        refusal = enrol_refusal(course, current_user.id)
        missing = missing_prerequisites(course, current_user.id)
    group = join_form = None
    if current_user.is_authenticated:
        group = course_group(current_user.id, course.id)
        if group is None and takes_keys(course.id):
            join_form = JoinForm()
    return render_template(
        "courses/course.html",
        course=course,
        modules=modules,
        outline_items=outline_items,
        enrolment=enrolment,
        progress=progress,
        refusal=refusal,
        missing=missing,
        decisions=decisions_for(course),
        levels=LEVEL_LABELS,
        form=ActionForm(),
        now=utcnow(),
        group=group,
        join_form=join_form,
    )
