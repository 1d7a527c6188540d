"""Carrying out a passed decision through its kind's ``enact``, once.

Enactment runs inside a savepoint of the caller's transaction: if the kind
raises, everything it did is rolled back and the failure (with its reason) is
recorded in ``governance_enactment`` for the secretary, who can retry.
A decision already enacted is never enacted again.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit, signals
from lms.db import db, utcnow

from .errors import WrongState
from .locks import lock_proposal
from .models import ENACTED, FAILED, Ballot, Enactment, Proposal, Result
from .tally import decision_record


def enact(
    proposal: Proposal, *, actor_id: int | None = None, now: dt.datetime | None = None
) -> Enactment:
    """Enact a passed proposal, or return its enactment if already done.

    :raises WrongState: the proposal has no passed result.
    """
    now = now or utcnow()
    lock_proposal(proposal.id)
    result = db.session.scalar(
        select(Result)
        .join(Ballot, Ballot.id == Result.ballot_id)
        .where(Ballot.proposal_id == proposal.id)
    )
    if result is None or not result.passed:
        raise WrongState(_("Only a passed decision can be enacted."))
    enactment = db.session.scalar(select(Enactment).where(Enactment.proposal_id == proposal.id))
    if enactment is not None:
        db.session.refresh(enactment)
        if enactment.status == ENACTED:
            return enactment
    else:
        enactment = Enactment(proposal_id=proposal.id, status=FAILED, attempts=0)
        db.session.add(enactment)
    enactment.attempts += 1
    enactment.last_attempt_dt = now
    db.session.flush()
    record = decision_record(proposal, result)
    kind = current_app.extensions["lms"].decision_kinds.get(proposal.kind)
    try:
        if kind is None:
            raise LookupError(f"the decision kind {proposal.kind!r} is not available")
        with db.session.begin_nested():
            outcome = kind.enact(record)
            db.session.flush()
    except Exception as exc:
        current_app.logger.warning("enacting proposal %s failed", proposal.id, exc_info=True)
        enactment.status = FAILED
        enactment.error = f"{type(exc).__name__}: {exc}"[:2000]
        db.session.flush()
        audit.record(
            "governance.enactment.failed",
            subject_type="proposal",
            subject_id=proposal.id,
            data={"error": enactment.error, "attempt": enactment.attempts},
            actor_id=actor_id,
        )
        return enactment
    enactment.status = ENACTED
    enactment.error = ""
    enactment.summary = str(outcome.summary)
    enactment.links = {str(k): str(v) for k, v in dict(outcome.links).items()}
    enactment.enacted_dt = now
    db.session.flush()
    audit.record(
        "governance.enactment.done",
        subject_type="proposal",
        subject_id=proposal.id,
        data={"kind": proposal.kind, "summary": enactment.summary, "links": enactment.links},
        actor_id=actor_id,
    )
    signals.decision_enacted.send(
        current_app._get_current_object(), decision=record, result=outcome
    )
    return enactment


def retry(proposal: Proposal, *, actor_id: int | None) -> Enactment:
    """The secretary retries a failed enactment (a no-op if it is already enacted)."""
    audit.record(
        "governance.enactment.retried",
        subject_type="proposal",
        subject_id=proposal.id,
        actor_id=actor_id,
    )
    return enact(proposal, actor_id=actor_id)


def failed_enactments() -> list[Enactment]:
    """Enactments that failed and wait for the secretary."""
    query = select(Enactment).where(Enactment.status == FAILED).order_by(Enactment.id)
    return list(db.session.scalars(query))
