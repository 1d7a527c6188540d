"""What governance tells members, through the core's notifications (:mod:`lms.notifications`).

Applicants hear when the secretary decides on their application. Members hear when a
proposal they can second appears, when a ballot they
may vote in opens (with its closing time in their own time zone), a day
before it closes if they have not voted, when its result is declared and
when a passed decision has been carried out. Each is a notification kind
that members choose on their notification page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import cache

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from lms import signals
from lms.accounts.models import User
from lms.contracts import NotificationKind
from lms.db import db, utcnow
from lms.directread import DirectRead
from lms.i18n import format_in_zone, zone_of
from lms.notifications import notify, path_for
from lms.plugins import connect

from .models import ACTIVE, BALLOT, Ballot, Membership, Proposal, RollEntry, Vote, Voter

PROPOSAL_RAISED = "governance.proposal_raised"
BALLOT_OPENED = "governance.ballot_opened"
BALLOT_CLOSING = "governance.ballot_closing"
RESULT_DECLARED = "governance.result_declared"
DECISION_ENACTED = "governance.decision_enacted"
APPLICATION_DECIDED = "governance.application_decided"
#: How long before a ballot closes members who have not voted are reminded.
REMINDER_BEFORE = dt.timedelta(days=1)

KINDS = [
    NotificationKind(
        PROPOSAL_RAISED,
        _l("Proposals waiting for seconders"),
        _l("When a member raises a proposal that needs seconding before it can go to a vote."),
        default="digest",
    ),
    NotificationKind(
        BALLOT_OPENED,
        _l("Ballots opening"),
        _l("When a vote you can take part in opens, with the time it closes."),
    ),
    NotificationKind(
        BALLOT_CLOSING,
        _l("Last day to vote"),
        _l("A day before a vote closes, if you have not voted yet."),
    ),
    NotificationKind(
        RESULT_DECLARED,
        _l("Results"),
        _l("When the result of a vote you could take part in is declared."),
    ),
    NotificationKind(
        DECISION_ENACTED,
        _l("Decisions carried out"),
        _l("When a decision the members passed has been carried out."),
        default="digest",
    ),
    NotificationKind(
        APPLICATION_DECIDED,
        _l("Your membership application"),
        _l("When the secretary approves or declines your application to become a member."),
    ),
]


def setup(app: Flask) -> None:
    """Hear the decisions governance makes and enacts (the plugin's ``setup`` calls this)."""
    connect(app, signals.decision_made, _on_decision_made)
    connect(app, signals.decision_enacted, _on_decision_enacted)


def application_decided(membership: Membership, reason: str = "") -> int:
    """Tell the applicant that the secretary approved or declined their application.

    :param reason: the secretary's reason for declining, if they gave one.
    """
    if membership.status == ACTIVE:
        subject = _l("You are now a member of the co-op")
        body = _l("The secretary approved your application. You can now raise proposals, "
                  "second them and vote.")
    elif reason:
        subject = _l("Your membership application was declined")
        body = _l("The secretary declined your application. Their reason: %(reason)s",
                  reason=reason)
    else:
        subject = _l("Your membership application was declined")
        body = _l("The secretary declined your application. You may ask them why, or apply "
                  "again later.")
    return notify(
        [membership.user_id],
        APPLICATION_DECIDED,
        subject,
        body,
        path_for("governance.my_membership"),
        actor_id=membership.decided_by_id,
    )


def proposal_raised(proposal: Proposal, seconders_required: int) -> int:
    """Tell every active member but the proposer that ``proposal`` needs seconding."""
    if proposal.status != "notice" or seconders_required <= 0:
        return 0
    members = db.session.scalars(
        select(Membership.user_id).where(Membership.status == ACTIVE)
    ).all()
    return notify(
        members,
        PROPOSAL_RAISED,
        _l("A proposal needs seconding: %(title)s", title=proposal.title),
        _NeedsSeconders(proposal, seconders_required),
        path_for("governance.proposal", proposal_id=proposal.id),
        actor_id=proposal.proposer_id,
        dedupe_key=f"governance.proposal.{proposal.id}.raised",
    )


class _NeedsSeconders:
    """A body rendered in each recipient's language (``notify`` calls ``str`` in it): the
    decision in words (made for the reader, see :mod:`governance.decision_text`), then the
    seconders it needs."""

    def __init__(self, proposal: Proposal, n: int) -> None:
        self.proposal, self.n = proposal, n

    def __str__(self) -> str:
        from .decision_text import decision_text

        need = ngettext(
            "It goes to a vote once %(num)d member other than the proposer seconds it.",
            "It goes to a vote once %(num)d members other than the proposer second it.",
            self.n,
        )
        return f"{decision_text(self.proposal)}\n\n{need}"


def _roll(ballot_id: int) -> list[tuple[int, str | None, str | None]]:
    """(user id, locale, time zone) of everyone on the ballot's roll."""
    return db.session.execute(
        select(RollEntry.user_id, User.locale, User.time_zone)
        .join(User, User.id == RollEntry.user_id)
        .where(RollEntry.ballot_id == ballot_id)
    ).all()


def _by_zone(people) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for user_id, _locale, zone in people:
        groups[zone_of(zone)].append(user_id)
    return groups


class _Closes:
    """"Voting closes on <date> (<zone>)." in the recipient's language and the group's zone."""

    def __init__(self, message, closes_dt: dt.datetime, zone: str) -> None:
        self.message, self.closes_dt, self.zone = message, closes_dt, zone

    def __str__(self) -> str:
        from flask_babel import get_locale

        when = format_in_zone(self.closes_dt, self.zone, str(get_locale()))
        return str(self.message) % {"when": when}


def ballot_opened(ballot: Ballot, title: str) -> int:
    """Tell everyone on the roll that the ballot is open and when it closes, in their zone."""
    link = path_for("governance.ballot", proposal_id=ballot.proposal_id)
    sent = 0
    for zone, user_ids in _by_zone(_roll(ballot.id)).items():
        sent += notify(
            user_ids,
            BALLOT_OPENED,
            _l("Vote now: %(title)s", title=title),
            _Closes(_l("The ballot is open. Voting closes on %(when)s. Each member on the "
                       "list of members who can vote has one vote."), ballot.closes_dt, zone),
            link,
            dedupe_key=f"governance.ballot.{ballot.id}.opened",
        )
    return sent


def remind_closing(now: dt.datetime | None = None) -> int:
    """Remind members who have not voted, once, when a ballot closes within a day.

    Safe to run at any time and as often as wanted (``flask governance
    close-due`` runs it each minute): each member is reminded once per ballot.
    """
    now = now or utcnow()
    ballots = db.session.scalars(
        select(Ballot)
        .join(Proposal, Proposal.id == Ballot.proposal_id)
        .where(
            Proposal.status == BALLOT,
            Ballot.opens_dt <= now,
            Ballot.closes_dt > now,
            Ballot.closes_dt <= now + REMINDER_BEFORE,
        )
    ).all()
    sent = 0
    for ballot in ballots:
        voted = set(db.session.scalars(select(Vote.user_id).where(Vote.ballot_id == ballot.id)))
        voted |= set(db.session.scalars(select(Voter.user_id).where(Voter.ballot_id == ballot.id)))
        waiting = [p for p in _roll(ballot.id) if p[0] not in voted]
        link = path_for("governance.ballot", proposal_id=ballot.proposal_id)
        for zone, user_ids in _by_zone(waiting).items():
            sent += notify(
                user_ids,
                BALLOT_CLOSING,
                _l("Last day to vote: %(title)s", title=ballot.proposal.title),
                _Closes(_l("You have not voted yet. Voting closes on %(when)s."),
                        ballot.closes_dt, zone),
                link,
                dedupe_key=f"governance.ballot.{ballot.id}.closing",
            )
    return sent


def _roll_of_proposal(proposal_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(RollEntry.user_id)
            .join(Ballot, Ballot.id == RollEntry.ballot_id)
            .where(Ballot.proposal_id == proposal_id)
        )
    )


class _Outcome:
    def __init__(self, passed: bool, votes_for: int, against: int, turnout: int) -> None:
        self.passed, self.votes_for, self.against, self.turnout = (
            passed, votes_for, against, turnout
        )

    def __str__(self) -> str:
        verdict = (_l("The proposal passed.") if self.passed else _l("The proposal did not pass."))
        votes = ngettext("%(num)d member voted", "%(num)d members voted", self.turnout)
        return f"{verdict} {votes}: " + str(
            _l("%(for)d for, %(against)d against.", **{"for": self.votes_for,
                                                     "against": self.against})
        )


def _on_decision_made(sender, decision, **kwargs) -> None:
    from .models import Result

    result = db.session.scalar(
        select(Result).join(Ballot, Ballot.id == Result.ballot_id)
        .where(Ballot.proposal_id == decision.decision_id)
    )
    if result is None:
        return
    notify(
        _roll_of_proposal(decision.decision_id),
        RESULT_DECLARED,
        (_l("Passed: %(title)s", title=decision.title) if decision.passed
         else _l("Not passed: %(title)s", title=decision.title)),
        _Outcome(result.passed, result.votes_for, result.votes_against, result.turnout),
        path_for("governance.result", proposal_id=decision.decision_id),
        dedupe_key=f"governance.proposal.{decision.decision_id}.result",
    )


def _on_decision_enacted(sender, decision, result, **kwargs) -> None:
    notify(
        _roll_of_proposal(decision.decision_id),
        DECISION_ENACTED,
        _l("Carried out: %(title)s", title=decision.title),
        str(result.summary),
        path_for("governance.proposal", proposal_id=decision.decision_id),
        dedupe_key=f"governance.proposal.{decision.decision_id}.enacted",
    )



def member_dashboard(user_id: int) -> dict:
    """For the dashboard slot: ballots waiting for this member's vote, proposals they could
    second. One query whoever asks, whatever the number of ballots and proposals: it
    selects columns and runs directly on the session's connection (:mod:`lms.directread`),
    as SQLAlchemy's execution machinery cost more than the query."""
    rows = _member_dashboard_read().in_session(user_id=user_id, now=utcnow())
    if not rows[0].member:
        return {"member": False, "ballots": [], "to_second": 0}
    return {
        "member": True,
        "ballots": [(r.proposal_id, r.title, r.closes_dt) for r in rows
                    if r.proposal_id is not None],
        "to_second": rows[0].to_second,
    }


@cache
def _member_dashboard_read():
    """The statement of :func:`member_dashboard`, built once per process (every dashboard
    runs it; building it cost more than running it).

    Whether the user is an active member and how many proposals they could
    second make one row, outer-joined with the ballots waiting for their vote:
    at least one row, one per ballot when there are some. On PostgreSQL each
    statement is a round trip, and a member's dashboard used to make three.
    """
    from sqlalchemy import bindparam, exists, func, true

    from .models import Second

    user_id, now = bindparam("user_id"), bindparam("now")
    member = exists().where(Membership.user_id == user_id, Membership.status == ACTIVE)
    to_second = (
        select(func.count())
        .select_from(Proposal)
        .where(
            Proposal.status == "notice",
            Proposal.proposer_id != user_id,
            ~exists().where(Second.proposal_id == Proposal.id, Second.user_id == user_id),
        )
        .scalar_subquery()
    )
    head = select(member.label("member"), to_second.label("to_second")).subquery("head")
    ballots = (
        select(Ballot.proposal_id, Proposal.title, Ballot.closes_dt)
        .join(Proposal, Proposal.id == Ballot.proposal_id)
        .join(RollEntry, (RollEntry.ballot_id == Ballot.id) & (RollEntry.user_id == user_id))
        .where(
            Proposal.status == BALLOT,
            Ballot.opens_dt <= now,
            Ballot.closes_dt > now,
            ~exists().where(Vote.ballot_id == Ballot.id, Vote.user_id == user_id),
            ~exists().where(Voter.ballot_id == Ballot.id, Voter.user_id == user_id),
        )
        .subquery("waiting")
    )
    return DirectRead(
        select(head.c.member, head.c.to_second, ballots.c.proposal_id, ballots.c.title,
               ballots.c.closes_dt)
        .select_from(head.outerjoin(ballots, true()))
        .order_by(ballots.c.closes_dt)
    )
