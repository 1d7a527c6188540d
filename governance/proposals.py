"""Proposals: raise, second, comment, and open the ballot over a frozen electoral roll."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, func, insert, literal, select

from lms import audit
from lms.contracts import DecisionKind
from lms.db import db, is_unique_violation, utcnow

from .errors import InvalidInput, NotAllowed, WrongState
from .locks import lock_proposal
from .markdown import render_markdown
from .membership import current_rules, require_member
from .models import ACTIVE, BALLOT, NOTICE, Ballot, Comment, Membership, Proposal, RollEntry, Second


def decision_kinds() -> dict[str, DecisionKind]:
    """Every decision kind offered by the loaded plugins, by key."""
    return dict(current_app.extensions["lms"].decision_kinds)


def get_kind(key: str) -> DecisionKind:
    kind = current_app.extensions["lms"].decision_kinds.get(key)
    if kind is None:
        raise InvalidInput(_("Unknown kind of decision."))
    return kind


def raise_proposal(
    user_id: int,
    kind_key: str,
    title: str,
    payload: dict[str, Any],
    *,
    body: str = "",
    secret: bool | None = None,
    token: str | None = None,
    now: dt.datetime | None = None,
) -> Proposal:
    """A member raises a proposal; the kind validates the payload.

    :param token: the form's ``submit_token``: the same form sent again returns the
        proposal it raised the first time, and raises no other.
    :raises lms.contracts.PayloadError: the payload is invalid (``errors`` per field).
    """
    require_member(user_id)
    earlier = _earlier(Proposal, Proposal.proposer_id, user_id, token)
    if earlier is not None:
        return earlier
    kind = get_kind(kind_key)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput(_("A proposal needs a title of at most 200 characters."))
    clean = kind.validate(dict(payload or {}))
    rules = current_rules()
    now = now or utcnow()
    proposal = Proposal(
        kind=kind.key,
        title=title,
        payload=clean,
        summary=str(kind.describe(clean))[:1000],
        body=body or "",
        body_html=render_markdown(body or ""),
        proposer_id=user_id,
        resolution=rules.resolution_for(kind.key, kind.resolution),
        secret=rules["secret_ballot_default"] if secret is None else bool(secret),
        status=NOTICE,
        rule_version=rules.version,
        created_dt=now,
        notice_ends_dt=now + dt.timedelta(hours=rules["notice_hours"]),
        submit_token=token or None,
    )
    if not _insert_once(proposal):
        return _earlier(Proposal, Proposal.proposer_id, user_id, token)
    audit.record(
        "governance.proposal.raised",
        subject_type="proposal",
        subject_id=proposal.id,
        data={"kind": kind.key, "title": title, "resolution": proposal.resolution},
        actor_id=user_id,
    )
    maybe_open_ballot(proposal, now=now)
    from .notices import proposal_raised

    proposal_raised(proposal, rules["seconders_required"])
    return proposal


def _earlier(model, author_column, user_id: int, token: str | None):
    """What ``user_id`` already stored with the form ``token`` (a proposal or comment)."""
    if not token:
        return None
    return db.session.scalar(
        select(model).where(author_column == user_id, model.submit_token == token)
    )


def _insert_once(row) -> bool:
    """Insert ``row``; ``False`` if the same form, sent at the same moment, stored it first."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except Exception as exc:
        if row.submit_token and is_unique_violation(exc):
            return False
        raise
    return True


def second(proposal: Proposal, user_id: int, *, now: dt.datetime | None = None) -> Second:
    """A member other than the proposer seconds a proposal in notice; may open its ballot."""
    require_member(user_id)
    if proposal.proposer_id == user_id:
        raise NotAllowed(_("You cannot second your own proposal."))
    if proposal.status != NOTICE:
        raise WrongState(_("This proposal is no longer open for seconding."))
    entry = Second(proposal_id=proposal.id, user_id=user_id, created_dt=now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except Exception as exc:
        if is_unique_violation(exc):
            raise WrongState(_("You have already seconded this proposal.")) from exc
        raise
    audit.record(
        "governance.proposal.seconded",
        subject_type="proposal",
        subject_id=proposal.id,
        actor_id=user_id,
    )
    maybe_open_ballot(proposal, now=now)
    return entry


def member_seconds():
    """The seconds (proposal id, user id) given by people who are members now.

    Seconders are members: one who has left since no longer counts towards the
    seconders a proposal needs before its ballot opens.
    """
    return (
        select(Second.proposal_id, Second.user_id)
        .join(Membership, Membership.user_id == Second.user_id)
        .where(Membership.status == ACTIVE)
    )


def second_count(proposal_id: int) -> int:
    """How many members (now) have seconded the proposal."""
    seconds = member_seconds().where(Second.proposal_id == proposal_id).subquery()
    return db.session.scalar(select(func.count()).select_from(seconds))


def comment(
    proposal: Proposal, user_id: int, body: str, *, token: str | None = None, now=None
) -> Comment:
    """A member comments on a proposal (sanitised Markdown).

    :param token: the form's ``submit_token``: the same form sent again returns the
        comment it added the first time, and adds no other.
    """
    require_member(user_id)
    earlier = _earlier(Comment, Comment.author_id, user_id, token)
    if earlier is not None:
        return earlier
    body = (body or "").strip()
    if not body or len(body) > 10000:
        raise InvalidInput(_("A comment needs between 1 and 10,000 characters."))
    entry = Comment(
        proposal_id=proposal.id,
        author_id=user_id,
        body=body,
        body_html=render_markdown(body),
        created_dt=now or utcnow(),
        submit_token=token or None,
    )
    if not _insert_once(entry):
        return _earlier(Comment, Comment.author_id, user_id, token)
    audit.record(
        "governance.proposal.commented",
        subject_type="proposal",
        subject_id=proposal.id,
        data={"comment_id": entry.id},
        actor_id=user_id,
    )
    return entry


def comments(proposal_id: int) -> list[Comment]:
    query = select(Comment).where(Comment.proposal_id == proposal_id).order_by(Comment.id)
    return list(db.session.scalars(query))


def ready_for_ballot(proposal: Proposal, now: dt.datetime | None = None) -> bool:
    """Enough seconders (under the rules in force) and the notice period over."""
    if proposal.status != NOTICE or (now or utcnow()) < proposal.notice_ends_dt:
        return False
    return second_count(proposal.id) >= current_rules()["seconders_required"]


def maybe_open_ballot(proposal: Proposal, *, now: dt.datetime | None = None) -> Ballot | None:
    """Open the ballot if the proposal is ready; return it (or ``None``)."""
    now = now or utcnow()
    if not ready_for_ballot(proposal, now):
        return None
    return open_ballot(proposal, now=now)


def roll_digest(ballot_id: int, entries: list[tuple[int, str]]) -> str:
    """SHA-256 of a roll: ``"ballot <id>\\n"`` then ``"<user id>:<class>\\n"`` in user id order."""
    lines = [f"ballot {ballot_id}"] + [f"{uid}:{cls}" for uid, cls in sorted(entries)]
    return hashlib.sha256(("\n".join(lines) + "\n").encode()).hexdigest()


def open_ballot(proposal: Proposal, *, now: dt.datetime | None = None) -> Ballot:
    """Open the ballot now, freezing the roll: the members active at this moment.

    Safe under concurrency: the proposal is locked and re-read; a second
    caller finds the ballot already open and gets it back.
    """
    now = now or utcnow()
    lock_proposal(proposal.id)
    db.session.refresh(proposal)
    if proposal.status != NOTICE:
        existing = db.session.scalar(select(Ballot).where(Ballot.proposal_id == proposal.id))
        if existing is None:
            raise WrongState(_("This proposal can no longer go to ballot."))
        return existing
    rules = current_rules()
    ballot = Ballot(
        proposal_id=proposal.id,
        opens_dt=now,
        closes_dt=now + dt.timedelta(hours=rules["voting_hours"]),
        secret=proposal.secret,
        resolution=proposal.resolution,
        rule_version=rules.version,
        rules=rules.values,
    )
    db.session.add(ballot)
    db.session.flush()
    # Freeze the roll in one statement: every active member at this moment.
    db.session.execute(
        insert(RollEntry).from_select(
            ["ballot_id", "user_id", "membership_id", "member_class"],
            select(
                literal(ballot.id, Integer),
                Membership.user_id,
                Membership.id,
                Membership.member_class,
            ).where(Membership.status == ACTIVE),
        )
    )
    entries = db.session.execute(
        select(RollEntry.user_id, RollEntry.member_class).where(RollEntry.ballot_id == ballot.id)
    ).all()
    ballot.roll_count = len(entries)
    ballot.roll_hash = roll_digest(ballot.id, [tuple(e) for e in entries])
    proposal.status = BALLOT
    db.session.flush()
    audit.record(
        "governance.ballot.opened",
        subject_type="ballot",
        subject_id=ballot.id,
        data={
            "proposal_id": proposal.id,
            "roll_count": ballot.roll_count,
            "roll_hash": ballot.roll_hash,
            "closes_dt": ballot.closes_dt.isoformat(),
            "secret": ballot.secret,
            "rule_version": ballot.rule_version,
        },
        actor_id=None,
    )
    from .notices import ballot_opened

    ballot_opened(ballot, proposal.title)
    return ballot


def open_due(now: dt.datetime | None = None) -> list[Ballot]:
    """Open every ballot whose proposal is ready (for ``flask governance close-due``)."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Proposal).where(Proposal.status == NOTICE, Proposal.notice_ends_dt <= now)
    ).all()
    opened = []
    for proposal in due:
        ballot = maybe_open_ballot(proposal, now=now)
        if ballot is not None:
            opened.append(ballot)
    return opened
