"""The tutors' progress pages: the matrix (a page of learners at a time), its CSV, one learner.

Every page looks its cohort up through :func:`~.access.cohort_or_404`, so a
tutor of another cohort gets 404.
"""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context, url_for

from lms.paging import int_arg
from lms.permissions import require
from lms.templating import format_day

from ..forms import ActionForm
from ..outline_progress import outline_for
from ..permissions import COURSES_COHORT_TEACH
from .access import cohort_or_404, member_or_404
from .forms import MatrixFilterForm
from .matrix import (
    build_matrix,
    cohort_members,
    learner_detail,
    sort_and_filter,
    state_labels,
    with_cells,
)
from .matrix_csv import matrix_csv_lines
from .matrix_html import CellRenderer
from .views import bp

#: Learners per page of the progress matrix (25 x 48 cells keeps the page under 60 KB).
MATRIX_PAGE_SIZE = 25


def _filters(cohort_id: int):
    """The cohort (or 404) and the filter form from the query string."""
    cohort = cohort_or_404(cohort_id)
    form = MatrixFilterForm(request.args)
    if not form.validate():
        # Bad filter values fall back to the defaults, with the reasons shown.
        for name in ("sort", "show", "idle_days", "q"):
            if form[name].errors:
                form[name].data = form[name].default
    return cohort, form


@bp.route("/<int:cohort_id>/progress")
@require(COURSES_COHORT_TEACH)
def matrix(cohort_id: int):
    """Learners by items: done / in progress / not started, scores, percent, activity."""
    cohort, form = _filters(cohort_id)
    built = build_matrix(cohort, idle_days=form.idle_days.data or 7)
    rows = sort_and_filter(
        built.rows,
        sort=form.sort.data,
        at_risk_only=form.show.data == "at-risk",
        text=form.q.data or "",
    )
    # A page of learners at a time: every learner is counted, sorted and filtered from
    # their summary row, but only the shown rows' cells are read and rendered (500 x 48
    # cells made a 900 KB page).
    pages = max(1, -(-len(rows) // MATRIX_PAGE_SIZE))
    page = min(int_arg("page", 1) or 1, pages)
    shown = with_cells(built, rows[(page - 1) * MATRIX_PAGE_SIZE : page * MATRIX_PAGE_SIZE])
    return render_template(
        "courses/cohorts/matrix.html",
        cohort=cohort,
        matrix=built,
        rows=shown,
        matching=len(rows),
        page=page,
        pages=pages,
        first=(page - 1) * MATRIX_PAGE_SIZE + 1,
        form=form,
        last_seen={r.user_id: format_day(r.last_activity_dt) for r in shown},
        modules=built.modules,
        at_risk=built.at_risk,
        render_cells=CellRenderer(state_labels()),
        # One URL built, not one per learner: url_for is costly in a loop.
        learner_url=url_for("courses_cohorts.learner", cohort_id=cohort.id, user_id=0)[:-1],
    )


@bp.route("/<int:cohort_id>/progress.csv")
@require(COURSES_COHORT_TEACH)
def matrix_csv(cohort_id: int):
    """The whole matrix as CSV, streamed as it is read; every cell safe from formula injection."""
    cohort, form = _filters(cohort_id)
    filename = f"cohort-{cohort.id}-progress.csv"
    lines = matrix_csv_lines(cohort, idle_days=form.idle_days.data or 7)
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/<int:cohort_id>/learners/<int:user_id>")
@require(COURSES_COHORT_TEACH)
def learner(cohort_id: int, user_id: int):
    """One learner of the cohort: every item with its state, their attempts and risks."""
    cohort = cohort_or_404(cohort_id)
    member_or_404(cohort, user_id)
    member, user, enrolment = cohort_members(cohort, user_id)[0]
    detail = learner_detail(cohort, user, enrolment)
    return render_template(
        "courses/cohorts/learner.html",
        cohort=cohort,
        row=detail.row,
        progress=detail.progress,
        cells=detail.cells,
        schedule=detail.schedule,
        modules=outline_for(enrolment)[1],
        member=member,
        user=user,
        action=ActionForm(),
        labels=state_labels(),
    )
