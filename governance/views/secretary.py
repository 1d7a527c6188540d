"""The secretary's pages: applications, lapsing members, the CSV register, failed enactments."""

from __future__ import annotations

import csv
import io

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lms.db import db, utcnow
from lms.permissions import require

from .. import operations as ops
from ..errors import GovernanceError
from ..models import Membership
from ..permissions import (
    GOVERNANCE_MEMBERSHIP_MANAGE,
    GOVERNANCE_REGISTER_EXPORT,
    GOVERNANCE_RULES_MANAGE,
)
from . import bp
from .common import member_class_labels, proposal_or_404, refused
from .forms import ActionForm, DeclineForm

#: A spreadsheet reads a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: formula starters get a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _membership_or_404(membership_id: int) -> Membership:
    return db.session.get(Membership, membership_id) or abort(404)


@bp.route("/secretary/applications")
@require(GOVERNANCE_MEMBERSHIP_MANAGE)
def applications():
    """Applications waiting for a decision, oldest first."""
    return render_template(
        "governance/applications.html",
        applications=ops.applications(),
        classes=member_class_labels(),
        action=ActionForm(),
        decline_form=DeclineForm(),
    )


def _decided(membership_id: int, operation, message: str, target: str, **kwargs):
    membership = _membership_or_404(membership_id)
    try:
        operation(membership, actor_id=current_user.id, **kwargs)
    except GovernanceError as exc:
        return refused(exc, target)
    db.session.commit()
    flash(message % {"name": membership.user.display_name}, "success")
    return redirect(target, code=303)


@bp.route("/secretary/applications/<int:membership_id>/approve", methods=["POST"])
@require(GOVERNANCE_MEMBERSHIP_MANAGE)
def approve(membership_id: int):
    if not ActionForm().validate():
        abort(400)
    return _decided(
        membership_id,
        ops.approve,
        _("%(name)s is now a member."),
        url_for("governance.applications"),
    )


@bp.route("/secretary/applications/<int:membership_id>/decline", methods=["POST"])
@require(GOVERNANCE_MEMBERSHIP_MANAGE)
def decline(membership_id: int):
    form = DeclineForm()
    if not form.validate():
        abort(400)
    return _decided(
        membership_id,
        ops.decline,
        _("The application of %(name)s is declined."),
        url_for("governance.applications"),
        reason=form.reason.data or "",
    )


@bp.route("/secretary/members/<int:membership_id>/lapse", methods=["POST"])
@require(GOVERNANCE_MEMBERSHIP_MANAGE)
def lapse(membership_id: int):
    """Mark an active membership lapsed."""
    if not ActionForm().validate():
        abort(400)
    return _decided(
        membership_id,
        ops.lapse,
        _("The membership of %(name)s has lapsed."),
        url_for("governance.register"),
    )


@bp.route("/register.csv")
@require(GOVERNANCE_REGISTER_EXPORT)
def register_csv():
    """The register as CSV, streamed as it is read (a batch of rows at a time); every cell
    is neutralised against formula injection."""

    def lines():
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(ops.REGISTER_CSV_HEADER)
        for n, row in enumerate(ops.register_rows(), start=1):
            writer.writerow([safe_cell(cell) for cell in row])
            if n % 100 == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()

    name = f"register-{utcnow().date().isoformat()}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/secretary/enactments")
@require(GOVERNANCE_RULES_MANAGE)
def enactments():
    """Passed decisions whose enactment failed, with the reason, to retry."""
    return render_template(
        "governance/enactments.html", failed=ops.failed_enactments(), action=ActionForm()
    )


@bp.route("/secretary/enactments/<int:proposal_id>/retry", methods=["POST"])
@require(GOVERNANCE_RULES_MANAGE)
def retry(proposal_id: int):
    if not ActionForm().validate():
        abort(400)
    proposal = proposal_or_404(proposal_id)
    try:
        enactment = ops.retry(proposal, actor_id=current_user.id)
    except GovernanceError as exc:
        return refused(exc, url_for("governance.enactments"))
    db.session.commit()
    if enactment.status == "enacted":
        flash(_("Enacted: %(summary)s", summary=enactment.summary), "success")
    else:
        flash(_("It failed again: %(error)s", error=enactment.error), "error")
    return redirect(url_for("governance.enactments"), code=303)


@bp.route("/secretary/due", methods=["POST"])
@require(GOVERNANCE_RULES_MANAGE)
def run_due():
    """Open the ballots that are ready and fix the results of those that ended (as cron does)."""
    if not ActionForm().validate():
        abort(400)
    opened = ops.open_due()
    closed = ops.close_due()
    db.session.commit()
    flash(
        _(
            "Ballots opened: %(opened)d. Results fixed: %(closed)d.",
            opened=len(opened),
            closed=len(closed),
        ),
        "success",
    )
    return redirect(url_for("governance.enactments"), code=303)
