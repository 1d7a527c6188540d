"""Membership pages: apply, my membership, withdraw; the register; the rules."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.db import db
from lms.errors import abort_with
from lms.forms import select_choices
from lms.paging import decode_cursor
from lms.permissions import login_required, public, require

from .. import operations as ops
from ..errors import GovernanceError
from ..kinds import RULE_LABELS
from ..models import ACTIVE, APPLIED
from ..permissions import GOVERNANCE_REGISTER_VIEW
from ..rules import shown_label
from . import bp
from .common import is_member, is_secretary, member_class_labels, refused
from .forms import ActionForm, ApplyForm


@bp.route("/")
@public
def index():
    """What the co-op's governance is, and the way in."""
    membership = ops.membership_of(current_user.id) if current_user.is_authenticated else None
    return render_template(
        "governance/index.html", membership=membership, rules=ops.current_rules()
    )


def _apply_form() -> ApplyForm:
    form = ApplyForm()
    form.member_class.choices = select_choices(member_class_labels())
    return form


@bp.route("/membership")
@login_required
def my_membership():
    """The signed-in person's membership: apply, see its state, or withdraw."""
    return _membership_page(_apply_form())


def _membership_page(form, status=200):
    membership = ops.membership_of(current_user.id)
    return render_template(
        "governance/membership.html",
        membership=membership,
        form=form,
        action=ActionForm(),
        classes=member_class_labels(),
        ACTIVE=ACTIVE,
        APPLIED=APPLIED,
    ), status


@bp.route("/membership/apply", methods=["POST"])
@login_required
def apply():
    """Apply for membership in a member class named by the rules."""
    form = _apply_form()
    valid = form.validate()
    if form.member_class.data and form.member_class.data not in member_class_labels():
        abort_with(400, _("Unknown member class."))
    if not valid:
        return _membership_page(form, 400)
    try:
        ops.apply_for_membership(current_user.id, form.member_class.data, note=form.note.data or "")
    except GovernanceError as exc:
        return refused(exc, url_for("governance.my_membership"))
    db.session.commit()
    flash(_("Your application is with the secretary."), "success")
    return redirect(url_for("governance.my_membership"), code=303)


@bp.route("/membership/withdraw", methods=["POST"])
@login_required
def withdraw():
    """Withdraw an application or leave the co-op."""
    if not ActionForm().validate():
        abort(400)
    membership = ops.membership_of(current_user.id)
    if membership is None:
        flash(_("You have no membership to withdraw."), "error")
        return redirect(url_for("governance.my_membership"), code=303)
    try:
        ops.withdraw(membership)
    except GovernanceError as exc:
        return refused(exc, url_for("governance.my_membership"))
    db.session.commit()
    flash(_("Your membership has ended."), "success")
    return redirect(url_for("governance.my_membership"), code=303)


@bp.route("/register")
@require(GOVERNANCE_REGISTER_VIEW)
def register():
    """The register of members: members and the secretary may see it."""
    secretary = is_secretary()
    if not secretary and not is_member():
        abort_with(403, _("Only members can see the register of members."))
    former = request.args.get("former") == "1"
    cursor = decode_cursor(request.args.get("after"), (str, int))
    return render_template(
        "governance/register.html",
        page=ops.register_page(former=former, cursor=cursor),
        count=ops.register_count(former=former),
        former=former,
        classes=member_class_labels(),
        secretary=secretary,
        action=ActionForm(),
        ACTIVE=ACTIVE,
    )


@bp.route("/rules")
@public
def rules():
    """The rules in force, as the software applies them."""
    rulebook = ops.current_rules()
    kinds = ops.decision_kinds()
    return render_template(
        "governance/rules.html",
        rulebook=rulebook,
        labels=RULE_LABELS,
        label_of=shown_label,
        kinds=kinds,
    )
