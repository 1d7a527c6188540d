"""Cohort pages: admins create cohorts and assign tutors; tutors run their own cohorts.

Every page that names a cohort looks it up through
:func:`~.access.cohort_or_404`, so a tutor of another cohort gets 404.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, load_only
from wtforms import SelectChoice

from lms.db import db, utcnow
from lms.extensions import limiter
from lms.mail import MailError
from lms.paging import int_arg
from lms.permissions import login_required, require

from ..forms import ActionForm
from ..models import STATUS_DRAFT, Course
from ..permissions import COURSES_COHORT_MANAGE, COURSES_COHORT_TEACH
from ..titles import course_title
from ..views.catalogue import course_page_response
from . import operations as ops
from . import uploads
from .access import can_manage_cohorts, cohort_or_404, member_or_404, visible_cohorts
from .forms import (
    CohortForm,
    JoinForm,
    TutorForm,
)
from .invitations import cohort_invitations, tell_of_new_course
from .matrix import cohort_members
from .models import SOURCE_KEY, Cohort, CohortMember

bp = Blueprint(
    "courses_cohorts", "courses", url_prefix="/courses/cohorts", template_folder="templates"
)


def to_cohort_page(cohort: Cohort):
    """Back to the group's page after a form was sent (303)."""
    return redirect(url_for("courses_cohorts.cohort", cohort_id=cohort.id), 303)


def _course_choices(form: CohortForm, cohort: Cohort | None = None) -> None:
    """Courses open to groups, and the group's own even if it went back to draft, named in
    the page's language (else marked with theirs).

    Without its own course in the list, the browser showed (and sent) the first
    course instead: saving a new name moved a group without learners to another
    course, and refused one with learners.
    """
    shown = Course.status != STATUS_DRAFT
    if cohort is not None:
        shown = or_(shown, Course.id == cohort.course_id)
    choices = []
    for course in db.session.scalars(
        select(Course)
        .where(shown)
        .order_by(Course.title)
        .options(load_only(Course.id, Course.title, Course.language, Course.updated_dt))
    ):
        title = course_title(course)
        choices.append(SelectChoice(course.id, title.text, render_kw=title.attributes))
    form.course_id.choices = choices


@bp.route("/")
@require(COURSES_COHORT_TEACH)
def index():
    """The cohorts the current user may see: all for admins, their own for tutors."""
    cohorts = db.session.scalars(
        visible_cohorts()
        .join(Course, Course.id == Cohort.course_id)
        .options(contains_eager(Cohort.course))
        .order_by(Cohort.start_date.desc(), Cohort.name)
    ).all()
    counts = dict(
        db.session.execute(
            select(CohortMember.cohort_id, func.count())
            .where(CohortMember.cohort_id.in_([c.id for c in cohorts]))
            .group_by(CohortMember.cohort_id)
        ).all()
    ) if cohorts else {}
    return render_template(
        "courses/cohorts/index.html",
        cohorts=cohorts,
        counts=counts,
        can_manage=can_manage_cohorts(),
    )


@bp.route("/new", methods=["GET", "POST"])
@require(COURSES_COHORT_MANAGE)
def new():
    form = CohortForm()
    _course_choices(form)
    if form.validate_on_submit():
        cohort = Cohort()
        form.populate(cohort)
        try:
            ops.save_cohort(cohort)
        except ops.CohortError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Group created. Now assign its tutors."), "success")
            return to_cohort_page(cohort)
    return render_template("courses/cohorts/form.html", form=form, cohort=None)


@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
@require(COURSES_COHORT_MANAGE)
def edit(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    form = CohortForm(obj=cohort)
    _course_choices(form, cohort)
    if request.method == "POST" and form.validate():
        new_course = form.course_id.data != cohort.course_id
        if new_course and ops.member_count(cohort.id):
            form.course_id.errors.append(
                _("Learners are already in this group: its course cannot change.")
            )
        else:
            form.populate(cohort)
            try:
                ops.save_cohort(cohort)
                if new_course:
                    tell_of_new_course(cohort)
            except ops.CohortError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                cohort = cohort_or_404(cohort_id)
            else:
                db.session.commit()
                flash(_("Group saved."), "success")
                return to_cohort_page(cohort)
    return render_template("courses/cohorts/form.html", form=form, cohort=cohort)


#: Learners per page of a group's roster.
ROSTER_PAGE_SIZE = 100


@bp.route("/<int:cohort_id>")
@require(COURSES_COHORT_TEACH)
def cohort(cohort_id: int):
    """The cohort's dates, tutors and roster."""
    return _cohort_view(cohort_or_404(cohort_id))


def _cohort_view(cohort: Cohort, tutor_form: TutorForm | None = None, status: int = 200):
    """The group's page.

    :param tutor_form: the "assign tutor" form as sent and refused, its errors by its
        field and the address typed still in it; by default an empty one.
    """
    members = cohort_members(cohort)
    # A page of the roster at a time: a group of 500 listed whole weighed 112 KB.
    pages = max(1, -(-len(members) // ROSTER_PAGE_SIZE))
    page = min(int_arg("page", 1) or 1, pages)
    return render_template(
        "courses/cohorts/cohort.html",
        cohort=cohort,
        members=members,
        shown=members[(page - 1) * ROSTER_PAGE_SIZE : page * ROSTER_PAGE_SIZE],
        page=page,
        pages=pages,
        places_left=ops.places_left(cohort),
        invitations=cohort_invitations(cohort.id),
        now=utcnow(),
        tutor_form=tutor_form or TutorForm(formdata=None),
        action=ActionForm(),
        can_manage=can_manage_cohorts(),
    ), status


@bp.route("/<int:cohort_id>/tutors", methods=["POST"])
@require(COURSES_COHORT_MANAGE)
def add_tutor(cohort_id: int):
    """Assign a tutor by their email address; refused, the page again says why by the field,
    with the address as typed."""
    cohort = cohort_or_404(cohort_id)
    form = TutorForm()
    if not form.validate():
        return _cohort_view(cohort, form, 400)
    try:
        user = ops.assign_tutor(cohort, form.email.data)
    except ops.CohortError as exc:
        db.session.rollback()
        form.email.errors = [*form.email.errors, str(exc)]
        return _cohort_view(cohort_or_404(cohort_id), form, 400)
    db.session.commit()
    flash(_("%(name)s tutors this group.", name=user.display_name), "success")
    return to_cohort_page(cohort)


@bp.route("/<int:cohort_id>/tutors/<int:user_id>/remove", methods=["POST"])
@require(COURSES_COHORT_MANAGE)
def remove_tutor(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id)
    if not ActionForm().validate():
        abort(400)
    if ops.remove_tutor(cohort, user_id):
        db.session.commit()
        flash(_("The tutor no longer tutors this group."), "success")
    return to_cohort_page(cohort)


@bp.route("/<int:cohort_id>/learners/<int:user_id>/invite", methods=["POST"])
@require(COURSES_COHORT_TEACH)
def resend_invitation(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id)
    if not ActionForm().validate():
        abort(400)
    member = member_or_404(cohort, user_id)
    try:
        uploads.resend_invitation(cohort, member.user)
    except (ops.CohortError, MailError) as exc:
        db.session.rollback()
        flash(str(exc) if isinstance(exc, ops.CohortError) else _(
            "We could not send email just now. Please try again in a few minutes."
        ), "error")
    else:
        db.session.commit()
        flash(_("A new invitation is on its way to %(email)s.", email=member.user.email),
              "success")
    return redirect(url_for("courses_cohorts.learner", cohort_id=cohort.id, user_id=user_id), 303)


def _join_limit() -> str:
    return current_app.config["COURSES_JOIN_LIMIT"]


def _join_key() -> str:
    # Per account, wherever it sends from; a learner's own tries never lock out another.
    return f"join:{current_user.get_id() or request.remote_addr}"


@bp.route("/join/<slug>", methods=["POST"])
@login_required
@limiter.limit(_join_limit, methods=["POST"], key_func=_join_key)
def join(slug: str):
    """A learner joins a group of the course with the enrolment key their tutor gave them."""
    course = db.session.scalar(select(Course).where(Course.slug == slug)) or abort(404)
    if course.status == STATUS_DRAFT:
        abort(404)
    form = JoinForm()
    if not form.validate_on_submit():
        return course_page_response(course.slug, form, 400)
    cohort = ops.cohort_by_key(course, form.key.data)
    if cohort is None:
        form.key.errors = [*form.key.errors, _(
            "That enrolment key does not open any group of this course. Check it with"
            " your tutor.")]
        return course_page_response(course.slug, form, 400)
    try:
        result = ops.join(cohort, current_user, SOURCE_KEY)
    except ops.CohortError as exc:
        # The key was right, the group will not take them now (full, finished,
        # prerequisites...): said by the key, which stays, to try again later.
        db.session.rollback()
        form.key.errors = [*form.key.errors, str(exc)]
        return course_page_response(course.slug, form, 400)
    db.session.commit()
    if result is ops.JoinResult.JOINED:
        flash(_("You joined the group “%(name)s”.", name=cohort.name), "success")
    else:
        flash(_("You are already in the group “%(name)s”.", name=cohort.name), "info")
    return redirect(url_for("courses.course_page", slug=course.slug), 303)


# The invitee's pages (accept or decline), the progress pages, the announcements and the
# uploaded lists join this blueprint.
from . import (  # noqa: E402,F401
    announcement_views,
    invitation_views,
    matrix_views,
    upload_views,
)
