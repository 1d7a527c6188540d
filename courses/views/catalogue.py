"""The catalogue and the course page: open to everyone."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from flask import abort, flash, render_template, request
from flask_login import current_user
from sqlalchemy import and_, bindparam, exists, func, or_, select
from wtforms import SelectChoice

from lms.db import db, utcnow
from lms.directread import DirectRead
from lms.i18n import language_name
from lms.paging import MAX_PAGE, int_arg
from lms.permissions import public

from ..cohorts.dashboard import course_group
from ..cohorts.forms import JoinForm
from ..cohorts.models import Cohort, CohortMember
from ..cohorts.schedule import today
from ..decision_history import decisions_for
from ..forms import LEVEL_LABELS, CatalogueFilterForm
from ..models import STATUS_PUBLISHED, Course, Enrolment, Module, Prerequisite
from ..operations import enrol_refusal, missing_prerequisites
from ..outline_progress import outline_for
from ..progress import course_items
from ..shown import course_note, option_attributes, page_language, translated_for
from ..titles import ShownTitle, course_title
from ..translations import available_languages, complete_translations, course_texts
from . import bp
from .common import check_visible

PAGE_SIZE = 20
#: The course's texts that may be shown untranslated (:meth:`courses.shown.Translated.course`).
_TEXT_LANGS = ("lang", "summary_lang", "outcomes_lang", "description_lang")


class _Prerequisite(NamedTuple):
    """A course to finish first, as the course page's facts name it (a kept fragment's value)."""

    slug: str
    title: ShownTitle


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
    # A topic is written in its course's language: marked with it on a page in another.
    topics = dict(db.session.execute(
        select(listed.c.topic, func.min(listed.c.language)).where(listed.c.topic != "")
        .group_by(listed.c.topic).order_by(listed.c.topic)
    ).all())
    # A course is offered in its own language and in those it is completely translated into.
    complete = complete_translations()
    languages = sorted(set(db.session.scalars(select(listed.c.language).distinct())) | set(
        db.session.scalars(
            select(complete.c.language).distinct()
            .join(listed, listed.c.id == complete.c.course_id)
        )
    ))
    language = page_language()
    form.topic.choices = [SelectChoice("", _any_topic())] + [
        SelectChoice(t, render_kw=option_attributes(lang if lang != language else ""))
        for t, lang in topics.items()
    ]
    # Named in the page's language ("Polish"), filtered by code.
    form.language.choices = [SelectChoice("", _any_language())] + [
        SelectChoice(lang, language_name(lang)) for lang in languages
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
            query = query.where(or_(
                Course.language == form.language.data,
                Course.id.in_(select(complete.c.course_id)
                              .where(complete.c.language == form.language.data)),
            ))
    page = int_arg("page", 1, maximum=MAX_PAGE)
    rows = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    filtered = any(request.args.get(k) for k in ("q", "topic", "level", "language"))
    texts = course_texts(
        [c.id for c in rows.items if c.language != language], language
    )
    available = {
        course_id: ", ".join(language_name(code) for code in codes)
        for course_id, codes in available_languages(rows.items).items()
    }
    return render_template(
        "courses/catalogue.html",
        form=form,
        pagination=rows,
        levels=LEVEL_LABELS,
        filtered=filtered,
        texts=texts,
        available=available,
        page_language=language,
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
    """A course's summary, outcomes, hours, outline and prerequisites, and the way in.

    For a learner in the course, four queries: the course with their enrolment and
    group (:func:`_course_page_query`), the outline with their progress, the
    prerequisites and the decisions.
    """
    return course_page_response(slug)


def course_page_response(slug: str, join_form: JoinForm | None = None, status: int = 200):
    """The course page (:func:`course_page`), and its status.

    :param join_form: the enrolment key form as sent and refused (``courses_cohorts.join``):
        shown with its errors and the key typed, even when no group takes keys any more.
    """
    user_id = current_user.id if current_user.is_authenticated else None
    row = db.session.execute(
        _course_page_query(), {"slug": slug, "user_id": user_id, "today": today()}
    ).one_or_none()
    if row is None:
        abort(404)
    course, enrolment, cohort_id, keyed_group = row
    check_visible(course, enrolment)
    if enrolment is not None:
        progress, modules = outline_for(enrolment)
        outline_items = progress.items
    else:
        progress = None
        modules = db.session.scalars(
            select(Module).where(Module.course_id == course.id)
            .order_by(Module.position, Module.id)
        ).all()
        # Not ``items``: a name that generic is easily shadowed by the base template's own
        # variables.
        outline_items = course_items([course.id]).get(course.id, [])
    refusal = missing = None
    if enrolment is None and user_id is not None:
        refusal = enrol_refusal(course, user_id)
        missing = missing_prerequisites(course, user_id)
    group = None
    if cohort_id is not None:
        group = course_group(user_id, course.id)
        if join_form is not None:
            # Sent from a page opened before they joined: no form to say it by.
            for error in join_form.key.errors:
                flash(error, "error")
        join_form = None
    elif user_id is not None and (join_form is not None or keyed_group):
        join_form = join_form or JoinForm()
    else:
        join_form = None
    # Tuples: the parts every visitor sees alike are kept, keyed by them (lms.fragments).
    prerequisites = tuple(
        _Prerequisite(row.slug, course_title(row))
        for row in _prerequisites_read().in_session(course_id=course.id))
    decisions = tuple(decisions_for(course))
    note = None
    # What is shown in the course's language on a page in another: each is marked with it.
    langs = dict.fromkeys(_TEXT_LANGS, "")
    found = translated_for(course, None, page_language())
    if found is not None:  # only when the page is not in the course's language (shown.py)
        note = course_note(found, course.language)
        course, modules, outline_items = (
            found.course(course), found.modules(modules), found.items(outline_items))
        progress = found.progress(progress) if progress is not None else None
        langs = {name: getattr(course, name) for name in _TEXT_LANGS}
    return render_template(
        "courses/course.html",
        course=course,
        lang_note=note,
        langs=langs,
        prerequisites=prerequisites,
        outcomes=tuple(course.outcomes or ()),
        modules=modules,
        outline_items=outline_items,
        enrolment=enrolment,
        progress=progress,
        refusal=refusal,
        missing=missing,
        decisions=decisions,
        levels=LEVEL_LABELS,
        now=utcnow(),
        group=group,
        join_form=join_form,
    ), status


@cache
def _course_page_query():
    """The course page's course with the visitor's enrolment, their group in the course
    and whether a group of the course still takes enrolment keys; built once per process
    (building it cost more than running it). ``user_id`` is ``NULL`` for visitors."""
    keyed_group = (
        exists()
        .where(
            Cohort.course_id == Course.id,
            Cohort.enrolment_key.is_not(None),
            Cohort.end_date >= bindparam("today"),
        )
        .correlate(Course)
    )
    user_id = bindparam("user_id")
    return (
        select(Course, Enrolment, CohortMember.cohort_id, keyed_group.label("keyed_group"))
        .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id, Enrolment.user_id == user_id))
        .outerjoin(
            CohortMember, and_(CohortMember.course_id == Course.id, CohortMember.user_id == user_id)
        )
        .where(Course.slug == bindparam("slug"))
    )


@cache
def _prerequisites_read() -> DirectRead:
    return DirectRead(_prerequisites_query())


@cache
def _prerequisites_query():
    """The courses to finish first (address, and what their titles need: id, title, language
    and version), in the order they were set."""
    return (
        select(Course.id, Course.slug, Course.title, Course.language, Course.updated_dt)
        .join(Prerequisite, Prerequisite.required_course_id == Course.id)
        .where(Prerequisite.course_id == bindparam("course_id"))
        .order_by(Prerequisite.id)
    )
