"""The governance plugin's API endpoints (``/api/v1/governance``): proposals, their
ballots and results.

Proposals are open to every signed-in person on the pages (``login_required``),
so to every token with the scope here. A ballot is described by its window,
its roll's size and, once fixed, its result's counts; no endpoint says who
voted or how anyone voted, so a secret ballot's link between member and
choice cannot leave through the API (nor an open ballot's: the pages are the
place for the published list).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import aliased

from lms.api import listing, page_of, token_required
from lms.api.errors import ApiError
from lms.api.schemas import ID, page
from lms.db import db

from .decision_text import decision_text
from .models import Ballot, Proposal, Result

GOVERNANCE_PROPOSAL_READ = "governance:proposal:read"
SCOPES = {GOVERNANCE_PROPOSAL_READ: _l("Read the co-op's proposals, ballots and results")}

bp = Blueprint(
    "governance_api",
    __name__,
    url_prefix="/api/v1/governance",
    description="The co-op's proposals, ballots and results (never who voted how).",
)


class ResultSchema(Schema):
    class Meta:
        title = "BallotResult"

    fixed_dt = fields.DateTime(required=True)
    eligible = fields.Integer(required=True)
    turnout = fields.Integer(required=True)
    quorum = fields.Integer(required=True)
    quorum_met = fields.Boolean(required=True)
    votes_for = fields.Integer(required=True)
    votes_against = fields.Integer(required=True)
    abstentions = fields.Integer(required=True)
    passed = fields.Boolean(required=True)


class BallotSchema(Schema):
    class Meta:
        title = "Ballot"

    opens_dt = fields.DateTime(required=True)
    closes_dt = fields.DateTime(required=True)
    secret = fields.Boolean(required=True)
    resolution = fields.String(required=True, metadata={"description": "ordinary or special"})
    roll_count = fields.Integer(required=True, metadata={"description": "Members on the roll."})
    result = fields.Nested(ResultSchema, required=True, allow_none=True)


class ProposalSchema(Schema):
    class Meta:
        title = "Proposal"

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    summary = fields.String(
        required=True,
        metadata={"description": "The decision in one sentence, in the language of the request."},
    )
    status = fields.String(required=True, metadata={"description": "notice, ballot or closed"})
    resolution = fields.String(required=True)
    secret = fields.Boolean(required=True)
    created_dt = fields.DateTime(required=True)
    notice_ends_dt = fields.DateTime(required=True)
    ballot = fields.Nested(BallotSchema, required=True, allow_none=True)


def _query():
    ballot, result = aliased(Ballot), aliased(Result)
    return (
        select(Proposal, ballot, result)
        .outerjoin(ballot, ballot.proposal_id == Proposal.id)
        .outerjoin(result, result.ballot_id == ballot.id)
    )


def _dump(
    proposal: Proposal, ballot: Ballot | None, result: Result | None, labels: dict | None = None
) -> dict:
    return {
        "id": proposal.id,
        "kind": proposal.kind,
        "title": proposal.title,
        "summary": decision_text(proposal, labels),
        "status": proposal.status,
        "resolution": proposal.resolution,
        "secret": proposal.secret,
        "created_dt": proposal.created_dt,
        "notice_ends_dt": proposal.notice_ends_dt,
        "ballot": None
        if ballot is None
        else {
            "opens_dt": ballot.opens_dt,
            "closes_dt": ballot.closes_dt,
            "secret": ballot.secret,
            "resolution": ballot.resolution,
            "roll_count": ballot.roll_count,
            "result": result,
        },
    }


@bp.route("/proposals/")
@token_required(GOVERNANCE_PROPOSAL_READ)
@listing(bp, ProposalSchema, "ProposalPage")
def proposals(after, limit):
    """Every proposal, newest first, with its ballot and fixed result."""
    result = page_of(_query(), [Proposal.id], (int,), lambda r: (r[0].id,), after, limit,
                     descending=True)
    labels: dict = {}  # each kind's choice labels, read once for the page
    return page([_dump(*row, labels) for row in result.items], result.next_cursor)


@bp.route(f"/proposals/<{ID}:proposal_id>")
@token_required(GOVERNANCE_PROPOSAL_READ)
@bp.response(200, ProposalSchema)
def proposal(proposal_id):
    """One proposal with its ballot and fixed result."""
    row = db.session.execute(_query().where(Proposal.id == proposal_id)).first()
    if row is None:
        raise ApiError(404, "not_found", _l("There is no such proposal."))
    return _dump(*row)
