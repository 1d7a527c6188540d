"""What the governance plugin keeps about people, and its export and erasure (see
:mod:`lms.personal_data`).

A vote in a secret ballot is a paper with no link to its voter; the export
lists the secret ballots a member took part in (from the list of who voted)
and never a choice. Erasure keeps votes, rolls and comments, linked to the
nameless former account, so tallies and recounts stay exactly as they were;
a former member's name stays on the register for its legal period.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lms import audit
from lms.db import db
from lms.personal_data import (
    KEPT,
    LEGAL_OBLIGATION,
    LEGITIMATE_INTERESTS,
    PSEUDONYMISED,
    ErasureSubject,
    ExportSection,
    Kept,
    PersonalDataProvider,
    RetentionRule,
    TableDeclaration,
    not_personal,
)

from .models import (
    ACTIVE,
    APPLIED,
    Ballot,
    Comment,
    Membership,
    Proposal,
    RollEntry,
    Second,
    Vote,
    Voter,
)

#: Default years a former member's entry stays on the register after they leave
#: (setting ``GOVERNANCE_REGISTER_RETENTION_YEARS``; the Centre's secretary confirms it
#: against the society's rules and the law).
DEFAULT_REGISTER_YEARS = 10

_KEPT_VOTE = _l("Kept, linked only to your former nameless account, so that results and "
                "recounts stay exactly as they were.")

TABLES = (
    TableDeclaration(
        "governance_membership", _l("Your co-op membership: class, dates joined and left"),
        purpose=_l("The register of members, which a co-operative society must keep."),
        lawful_basis=LEGAL_OBLIGATION,
        retention=_l("For as long as you are a member, then for the register's legal period "
                     "after you leave."),
        personal=("user_id", "member_class", "status", "applied_dt", "joined_dt", "left_dt",
                  "decided_by_id", "note", "former_name"),
        other=("id",),
        on_closure=KEPT,
        closure_note=_l("Your entry in the register of members (your name, class and the "
                        "dates you joined and left) is kept for the period the law sets; "
                        "notes about it are erased."),
    ),
    TableDeclaration(
        "governance_vote", _l("Your votes in open (not secret) ballots"),
        purpose=_l("To count open ballots and let members check them."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Kept with the decision they made."),
        personal=("user_id", "choice", "cast_dt", "changed_dt"), other=("id", "ballot_id"),
        on_closure=PSEUDONYMISED, closure_note=_KEPT_VOTE,
    ),
    TableDeclaration(
        "governance_voter", _l("Which secret ballots you voted in (never how)"),
        purpose=_l("To stop anyone voting twice and to count turnout."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Kept with the decision."),
        personal=("user_id", "voted_dt"), other=("id", "ballot_id"),
        on_closure=PSEUDONYMISED, closure_note=_KEPT_VOTE,
    ),
    TableDeclaration(
        "governance_roll_entry", _l("The electoral roll of each ballot"),
        purpose=_l("To fix who may vote when a ballot opens."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Kept with the decision."),
        personal=("user_id", "membership_id", "member_class"), other=("id", "ballot_id"),
        on_closure=PSEUDONYMISED, closure_note=_KEPT_VOTE,
    ),
    TableDeclaration(
        "governance_proposal", _l("Proposals you made"),
        purpose=_l("The co-op's record of what was proposed and decided."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Kept as part of the co-op's decisions."),
        personal=("proposer_id", "submit_token"),
        other=("id", "kind", "title", "payload", "summary", "body", "body_html", "resolution",
               "secret", "status", "rule_version", "created_dt", "notice_ends_dt"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("Proposals stay as part of the co-op's record, by 'Former learner'."),
    ),
    TableDeclaration(
        "governance_comment", _l("Your comments on proposals"),
        purpose=_l("The members' discussion of a proposal."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Kept with the proposal."),
        personal=("author_id", "body", "body_html", "created_dt", "submit_token"),
        other=("id", "proposal_id"),
        on_closure=PSEUDONYMISED,
        closure_note=_l("Your comments stay in the discussion, signed 'Former learner'."),
    ),
    TableDeclaration(
        "governance_second", _l("Proposals you seconded"),
        purpose=_l("A proposal needs seconders before it goes to a vote."),
        lawful_basis=LEGITIMATE_INTERESTS,
        retention=_l("Kept with the proposal."),
        personal=("user_id", "created_dt"), other=("id", "proposal_id"),
        on_closure=PSEUDONYMISED, closure_note=_KEPT_VOTE,
    ),
    # A paper names no voter (its receipt is random and given to nobody's account).
    not_personal("governance_paper", "receipt", "ballot_id", "member_class", "choice"),
    not_personal("governance_ballot", "id", "proposal_id", "opens_dt", "closes_dt", "secret",
                 "resolution", "rule_version", "rules", "roll_count", "roll_hash",
                 "opened_early_reason", "closed_early_reason"),
    not_personal("governance_result", "id", "ballot_id", "fixed_dt", "eligible", "turnout",
                 "quorum", "quorum_met", "votes_for", "votes_against", "abstentions", "passed",
                 "rule_version", "arithmetic"),
    not_personal("governance_rulebook", "id", "version", "rules", "created_dt", "proposal_id"),
    not_personal("governance_enactment", "id", "proposal_id", "status", "summary", "links",
                 "error", "attempts", "last_attempt_dt", "enacted_dt"),
)


def _iso(value):
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def register_years() -> int:
    return current_app.config.get("GOVERNANCE_REGISTER_RETENTION_YEARS", DEFAULT_REGISTER_YEARS)


def _held_until(left_dt: dt.datetime) -> dt.datetime:
    return left_dt + dt.timedelta(days=round(365.25 * register_years()))


def export(user_id: int) -> list[ExportSection]:
    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == user_id).order_by(Membership.id)
    ).all()
    open_votes = db.session.execute(
        select(Vote, Proposal.title, Ballot.closes_dt)
        .join(Ballot, Ballot.id == Vote.ballot_id).join(Proposal, Proposal.id == Ballot.proposal_id)
        .where(Vote.user_id == user_id).order_by(Vote.id)
    ).all()
    secret_votes = db.session.execute(
        select(Voter, Proposal.title, Ballot.closes_dt)
        .join(Ballot, Ballot.id == Voter.ballot_id)
        .join(Proposal, Proposal.id == Ballot.proposal_id)
        .where(Voter.user_id == user_id).order_by(Voter.id)
    ).all()
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.proposer_id == user_id).order_by(Proposal.id)
    ).all()
    comments = db.session.execute(
        select(Comment, Proposal.title).join(Proposal, Proposal.id == Comment.proposal_id)
        .where(Comment.author_id == user_id).order_by(Comment.id)
    ).all()
    rolls = db.session.execute(
        select(RollEntry, Proposal.title, Ballot)
        .join(Ballot, Ballot.id == RollEntry.ballot_id)
        .join(Proposal, Proposal.id == Ballot.proposal_id)
        .where(RollEntry.user_id == user_id).order_by(RollEntry.id)
    ).all()
    seconds = db.session.execute(
        select(Second, Proposal.title).join(Proposal, Proposal.id == Second.proposal_id)
        .where(Second.user_id == user_id).order_by(Second.id)
    ).all()
    return [
        ExportSection("membership", _l("Your co-op membership record"),
                      tables=("governance_membership",), rows=[
            {"class": m.member_class, "status": m.status, "applied": _iso(m.applied_dt),
             "joined": _iso(m.joined_dt) or "", "left": _iso(m.left_dt) or "",
             "note": m.note} for m in memberships]),
        ExportSection(
            "ballots", _l("Ballots you took part in"),
            tables=("governance_vote", "governance_voter"),
            note=_l("In a secret ballot your choice is not recorded against your name, so it "
                    "cannot be part of this export."),
            rows=[
                *({"proposal": title, "closes": _iso(closes), "secret": False,
                   "voted": _iso(v.changed_dt or v.cast_dt), "choice": v.choice}
                  for v, title, closes in open_votes),
                *({"proposal": title, "closes": _iso(closes), "secret": True,
                   "voted": _iso(v.voted_dt), "choice": ""}
                  for v, title, closes in secret_votes),
            ]),
        ExportSection(
            "ballot_rolls", _l("Ballots whose electoral roll you were on"),
            tables=("governance_roll_entry",),
            note=_l("Being on a ballot's roll means you could vote in it, in the class shown."),
            rows=[{"proposal": title, "opens": _iso(b.opens_dt), "closes": _iso(b.closes_dt),
                   "secret": b.secret, "class": r.member_class}
                  for r, title, b in rolls]),
        ExportSection("proposals", _l("Proposals you made or seconded"),
                      tables=("governance_proposal", "governance_second"), rows=[
            *({"proposal": p.title, "role": "proposer", "when": _iso(p.created_dt),
               "status": p.status} for p in proposals),
            *({"proposal": title, "role": "seconder", "when": _iso(s.created_dt),
               "status": ""} for s, title in seconds)]),
        ExportSection("comments", _l("Your comments on proposals"),
                      tables=("governance_comment",), rows=[
            {"proposal": title, "written": _iso(c.created_dt), "text": c.body}
            for c, title in comments]),
    ]


def erase(subject: ErasureSubject) -> None:
    """End a current membership, keep the register entry's name for its legal period, erase
    notes; votes, rolls and comments stay, linked to the nameless account."""
    from .membership import withdraw

    memberships = db.session.scalars(
        select(Membership).where(Membership.user_id == subject.user_id)
    ).all()
    # What the secretary wrote about them (a declined application's reason).
    audit.erase_personal_about("membership", [m.id for m in memberships])
    for membership in memberships:
        if membership.status in (APPLIED, ACTIVE):
            withdraw(membership, now=subject.now)
        membership.note = ""
        on_register = membership.joined_dt is not None and membership.left_dt is not None
        if (on_register and membership.former_name is None
                and _held_until(membership.left_dt) > subject.now
                and subject.display_name != subject.pseudonym):
            membership.former_name = subject.display_name
    # A form's token is of no use once its sender is gone; it would only tie records together.
    for model, author in ((Proposal, Proposal.proposer_id), (Comment, Comment.author_id)):
        db.session.execute(
            update(model).where(author == subject.user_id).values(submit_token=None)
        )
    db.session.flush()


def kept(user_id: int) -> list[Kept]:
    joined = db.session.scalar(
        select(Membership.id).where(Membership.user_id == user_id,
                                    Membership.joined_dt.is_not(None)).limit(1)
    )
    if joined is None:
        return []
    return [Kept(
        _l("Your entry in the register of members: your name, class and the dates you joined "
           "and left"),
        _l("A co-operative society must keep its register of members, former members "
           "included, for a period set in law (here %(years)s years after you leave).",
           years=register_years()),
    )]


def _past_register_period(now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=round(365.25 * register_years()))
    return db.session.execute(
        update(Membership)
        .where(Membership.former_name.is_not(None), Membership.left_dt < cutoff)
        .values(former_name=None)
    ).rowcount


RETENTION = (
    RetentionRule(
        "governance.register", _l("Former members' names on the register"),
        lambda: _l("%(years)s years after they leave", years=register_years()),
        _past_register_period,
    ),
)

PROVIDER = PersonalDataProvider(
    owner="governance", tables=TABLES, export=export, erase=erase, kept=kept,
    retention=RETENTION,
)
