"""The governance plugin's writes (check, mutate, flush, audit, signal; never commit).

API summary (all take ids or model objects; ``now=`` lets tests fix the clock;
refusals raise :class:`governance.errors.GovernanceError` subclasses carrying
``status``: ``InvalidInput`` 400, ``NotAllowed`` 403, ``WrongState`` 409;
payload errors raise :class:`lms.contracts.PayloadError` with ``errors``):

Rules and register (:mod:`governance.membership`)
    ``current_rules() -> rules.Rulebook`` (``.version``, ``["key"]``, ``.values``);
    ``ensure_default_rulebook()``; ``membership_of(user_id)`` (applied/active),
    ``active_membership(user_id)``, ``require_member(user_id)``;
    ``apply_for_membership(user_id, member_class, note=)``, ``approve(m, actor_id=)``,
    ``decline(m, actor_id=, reason=)``, ``withdraw(m)``, ``lapse(m, actor_id=)``;
    ``register()``, ``applications()``, ``register_rows()`` + ``REGISTER_CSV_HEADER``.
Proposals (:mod:`governance.proposals`)
    ``decision_kinds()``, ``get_kind(key)``;
    ``raise_proposal(user_id, kind_key, title, payload, body=, secret=, token=) -> Proposal``;
    ``second(proposal, user_id)``; ``second_count(proposal_id)``;
    ``comment(proposal, user_id, body, token=)``; ``comments(proposal_id)``;
    ``token`` is the form's ``submit_token``: the same form sent again returns the first
    record (unique per author and token). ``decision_text.decision_text(proposal)`` words
    the decision for the current reader (``Proposal.summary`` is the proposer's wording).
    ``ready_for_ballot(proposal)``, ``maybe_open_ballot(proposal)``,
    ``open_ballot(proposal) -> Ballot`` (freezes the roll), ``open_due()``; ``roll_digest``.
    Seconding opens the ballot when the notice is over and seconders suffice;
    otherwise ``flask governance close-due`` (cron) or ``maybe_open_ballot`` does.
Voting (:mod:`governance.voting`)
    ``cast_vote(ballot, user_id, choice, receipt=None) -> VoteReceipt``
    (``.changed``; ``.unchanged`` when it says what the vote already said: nothing is
    written or audited; ``.receipt`` for secret ballots); ``my_vote(ballot, user_id)``
    -> ``{"voted", "choice"}``; ``on_roll(ballot, user_id)``;
    ``check_receipt(ballot, code) -> bool`` (after the close; counted or not, never the choice).
Counting and closing (:mod:`governance.tally`)
    ``Ballot.is_open(now)`` / ``is_closed(now)`` compute status from time;
    ``tally(ballot) -> Tally`` (``.as_dict()``; show it only once closed);
    ``close_ballot(ballot) -> Result | None`` fixes the result exactly once, sends
    ``decision_made`` and enacts when passed; ``close_due()``; ``decision_record``.
    ``Result.arithmetic`` holds the whole ``Tally.as_dict()``.
Enactment (:mod:`governance.enactment`)
    ``enact(proposal)`` (idempotent; failure recorded in ``Enactment.error``),
    ``retry(proposal, actor_id=)``, ``failed_enactments()``.
Publishing (:mod:`governance.publish`)
    ``published_list(ballot)`` (after the close: secret -> the counted receipt codes
    only, in receipt order; open -> names, classes and choices),
    ``verify(ballot) -> VerifyReport``.
"""

from __future__ import annotations

from .enactment import enact, failed_enactments, retry
from .membership import (
    REGISTER_CSV_HEADER,
    active_membership,
    applications,
    apply_for_membership,
    approve,
    current_rules,
    decline,
    ensure_default_rulebook,
    lapse,
    membership_of,
    register,
    register_count,
    register_page,
    register_rows,
    require_member,
    withdraw,
)
from .proposals import (
    comment,
    comments,
    decision_kinds,
    get_kind,
    maybe_open_ballot,
    open_ballot,
    open_due,
    raise_proposal,
    ready_for_ballot,
    roll_digest,
    second,
    second_count,
)
from .publish import published_list, verify
from .tally import Tally, close_ballot, close_due, decision_record, tally
from .voting import VoteReceipt, cast_vote, check_receipt, my_vote, on_roll

__all__ = [
    "REGISTER_CSV_HEADER",
    "Tally",
    "VoteReceipt",
    "active_membership",
    "applications",
    "apply_for_membership",
    "approve",
    "cast_vote",
    "check_receipt",
    "close_ballot",
    "close_due",
    "comment",
    "comments",
    "current_rules",
    "decision_kinds",
    "decision_record",
    "decline",
    "enact",
    "ensure_default_rulebook",
    "failed_enactments",
    "get_kind",
    "lapse",
    "maybe_open_ballot",
    "membership_of",
    "my_vote",
    "on_roll",
    "open_ballot",
    "open_due",
    "published_list",
    "raise_proposal",
    "ready_for_ballot",
    "register",
    "register_count",
    "register_page",
    "register_rows",
    "require_member",
    "retry",
    "roll_digest",
    "second",
    "second_count",
    "tally",
    "verify",
    "withdraw",
]
