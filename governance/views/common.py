"""Lookups and answers shared by the governance views."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect
from flask_login import current_user
from sqlalchemy import select

from lms.db import db
from lms.errors import abort_with
from lms.permissions import has_permission

from .. import operations as ops
from ..errors import GovernanceError
from ..models import Ballot, Proposal
from ..permissions import GOVERNANCE_MEMBERSHIP_MANAGE
from ..rules import shown_label


def is_secretary(user=None) -> bool:
    """The secretary is whoever may manage memberships (administrators)."""
    return has_permission(user or current_user, GOVERNANCE_MEMBERSHIP_MANAGE)


def is_member(user=None) -> bool:
    user = user or current_user
    return user.is_authenticated and ops.active_membership(user.id) is not None


def proposal_or_404(proposal_id: int) -> Proposal:
    return db.session.get(Proposal, proposal_id) or abort(404)


def ballot_of(proposal: Proposal) -> Ballot | None:
    return db.session.scalar(select(Ballot).where(Ballot.proposal_id == proposal.id))


def refused(exc: GovernanceError, target: str):
    """Answer a refused operation: 400 for tampered input, else a message and a redirect."""
    db.session.rollback()
    if exc.status == 400:
        abort_with(400, str(exc))
    if exc.status == 403:
        abort_with(403, str(exc))
    flash(str(exc), "error")
    return redirect(target, code=303)


def member_class_labels() -> dict[str, Any]:
    """The member classes, key -> label as the pages show it (:func:`~governance.rules.shown_label`:
    a shipped label in the reader's language, one the co-op wrote as written)."""
    return {key: shown_label(label) for key, label in ops.current_rules()["member_classes"].items()}
