"""Admin pages: per-course certificate templates (with a preview) and bulk actions on a
course or a cohort."""

from __future__ import annotations

import re

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from lms.db import db
from lms.errors import abort_with
from lms.jobs import enqueue
from lms.permissions import require
from lms.plugins import cohort_directory

from .. import bulk, design
from ..forms import SLUG_PATTERN, BulkForm, ConfirmForm, CourseChoiceForm, TemplateForm
from ..jobs import BULK_ISSUE, RERENDER, recent_jobs
from ..models import CourseTemplate
from ..pdf import DEFAULT_DESIGN, Design
from ..permissions import (
    CERTIFICATES_BULK,
    CERTIFICATES_SETTINGS,
    bulk_cohort,
    bulk_cohorts,
    may_bulk_courses,
    visible_certificates,
)
from . import bp


def _slug(course: str) -> str:
    if not re.fullmatch(SLUG_PATTERN, course):
        abort(404)
    return course


@bp.route("/manage/templates")
@require(CERTIFICATES_SETTINGS)
def templates():
    """The courses with their own template, and a form to open any course's."""
    form = CourseChoiceForm(request.args, meta={"csrf": False})
    if request.args and form.validate():
        return redirect(url_for("certificates.template", course=form.course.data))
    rows = db.session.scalars(select(CourseTemplate).order_by(CourseTemplate.course_slug)).all()
    return render_template("certificates/manage/templates.html", form=form, rows=rows)


@bp.route("/manage/templates/<course>", methods=["GET", "POST"])
@require(CERTIFICATES_SETTINGS)
def template(course: str):
    """Edit a course's template. "Preview" renders the sample PDF and saves nothing."""
    slug = _slug(course)
    row = design.stored(slug)
    current = Design(row.html, row.css) if row else DEFAULT_DESIGN
    saved_as = _stamp(row)
    form = TemplateForm(data={"html": current.html, "css": current.css, "based_on": saved_as})
    status = 200
    if form.validate_on_submit():
        chosen = Design(html=form.html.data, css=form.css.data or "")
        action = request.form.get("action")
        try:
            if action == "preview":
                data = design.render_sample(chosen)
                response = _pdf_inline(data)
                db.session.rollback()
                return response
            if form.based_on.data != saved_as:
                # Another admin saved since this page was opened: saving would replace
                # their template unseen. The page comes back with this admin's text; sent
                # again (now based on the saved one), it replaces it knowingly.
                form.based_on.data = saved_as
                form.html.errors = [*form.html.errors, _(
                    "Someone else saved this template since you opened it. Your version "
                    "below is not saved: open this page in another tab to see theirs, then "
                    "save yours again to replace it.")]
                return _template_page(form, slug, row, 409)
            design.save(slug, chosen, current_user.id)
        except design.TemplateProblem as exc:
            db.session.rollback()
            form.html.errors = [*form.html.errors, str(exc)]
            status = 400
        else:
            if form.rerender.data:
                ids = bulk.certificates_of(slug, among=visible_certificates(),
                                           excluding_holder=current_user.id)
                job = enqueue(RERENDER, certificate_ids=ids, actor_id=current_user.id,
                              what=slug, created_by_id=current_user.id)
                db.session.commit()
                flash(_("The template is saved; the course's certificates are being"
                        " re-rendered with it."), "success")
                return redirect(url_for("jobs.progress", job_id=job.id,
                                        back=url_for("certificates.template", course=slug)))
            db.session.commit()
            flash(_("The template is saved. New certificates and re-renders use it; "
                    "issued PDFs do not change."), "success")
            return redirect(url_for("certificates.template", course=slug))
    elif request.method == "POST":
        status = 400
    return _template_page(form, slug, row, status)


def _stamp(row: CourseTemplate | None) -> str:
    """Which saved template a page shows: its time of saving ("" for the default)."""
    return "" if row is None else row.updated_dt.isoformat()


def _template_page(form: TemplateForm, slug: str, row: CourseTemplate | None, status: int):
    return render_template(
        "certificates/manage/template.html", form=form, course=slug, custom=row is not None,
        reset_form=ConfirmForm(prefix="reset"), variables=design.VARIABLES,
    ), status


def _pdf_inline(data: bytes) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = 'inline; filename="certificate-preview.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/manage/templates/<course>/reset", methods=["POST"])
@require(CERTIFICATES_SETTINGS)
def template_reset(course: str):
    slug = _slug(course)
    if ConfirmForm(prefix="reset").validate_on_submit() and design.reset(slug, current_user.id):
        db.session.commit()
        flash(_("The course uses the default template again."), "success")
    return redirect(url_for("certificates.template", course=slug))


def _bulk_form() -> BulkForm:
    """The bulk form with the cohorts the user may act on (and a course, for admins)."""
    form = BulkForm()
    form.whole_courses = may_bulk_courses()
    form.cohort.choices = [SelectChoice("", _("Choose a cohort"))] + [
        SelectChoice(c.cohort_id, ngettext("%(cohort)s (%(course)s, %(num)d learner)",
                                           "%(cohort)s (%(course)s, %(num)d learners)",
                                           len(c.learner_ids), cohort=c.name,
                                           course=c.course_slug))
        for c in bulk_cohorts()
    ]
    return form


def _bulk_page(form: BulkForm, status: int = 200):
    return render_template("certificates/manage/bulk.html", form=form,
                           has_cohorts=len(form.cohort.choices) > 1,
                           recent=recent_jobs(current_user.id)), status


@bp.route("/manage/bulk")
@require(CERTIFICATES_BULK)
def bulk_page():
    """Bulk issue and bulk re-render for a course (admins) or a cohort."""
    return _bulk_page(_bulk_form())


@bp.route("/manage/bulk/<action>", methods=["POST"])
@require(CERTIFICATES_BULK)
def bulk_run(action: str):
    """Run a bulk action on a course or a cohort, committing after each certificate;
    then say what happened.

    Admins and certificate officers may choose any course or cohort; the actor's
    own certificates are left out (nobody issues or amends their own), and the
    job checks both again when it runs.
    """
    if action not in ("issue", "rerender"):
        abort(404)
    form = _bulk_form()
    if not form.validate_on_submit():
        return _bulk_page(form, 400)
    if form.cohort.data is not None:
        if cohort_directory(current_app) is None:
            abort_with(404, _("Cohorts are not available: no plugin provides them."))
        roster = bulk_cohort(form.cohort.data)
        if roster is None:
            abort_with(404, _("There is no such cohort among those you may act on."))
        slug, learner_ids = roster.course_slug, roster.learner_ids
        what = _("Cohort %(cohort)s (%(course)s)", cohort=roster.name, course=slug)
    else:
        if not form.whole_courses:
            abort_with(403, _("Only administrators can act on a whole course. "
                              "Choose one of the cohorts you tutor."))
        slug, learner_ids, what = form.course.data, None, form.course.data
    # The scope was decided here, for this user; the job does the work and reports.
    what = str(what)
    if action == "issue":
        job = enqueue(BULK_ISSUE, course_slug=slug, actor_id=current_user.id, what=what,
                      learner_ids=None if learner_ids is None else sorted(learner_ids),
                      created_by_id=current_user.id)
    else:
        ids = bulk.certificates_of(slug, learner_ids, among=visible_certificates(),
                                   excluding_holder=current_user.id)
        job = enqueue(RERENDER, certificate_ids=ids, actor_id=current_user.id, what=what,
                      created_by_id=current_user.id)
    db.session.commit()
    return redirect(url_for("jobs.progress", job_id=job.id,
                            back=url_for("certificates.bulk_page")))
