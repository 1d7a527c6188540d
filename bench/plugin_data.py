"""The certificates' and governance's part of the dataset (see :func:`seed`).

Rows that only set the scene are bulk-inserted (enrolments, completions,
memberships, votes); what is measured or checked goes through the plugins'
own operations: certificates are issued by the certificates bulk code, and
ballots are opened (freezing their roll) by governance's ``open_ballot``.
"""

from __future__ import annotations

import datetime as dt

from .scenarios import (
    BULK_ISSUE,
    CERT_SLUG,
    ISSUE_SAMPLES,
    ISSUE_WARMUP,
    TALLY_MEMBERS,
    VOTERS,
)


def _complete(course_id: int, version: int, user_ids: list[int], when: dt.datetime) -> None:
    """Enrol ``user_ids`` in the course and record their completions, in bulk."""
    from sqlalchemy import insert, select

    from courses.models import Completion, Enrolment
    from lms.db import db

    db.session.execute(insert(Enrolment), [
        {"user_id": uid, "course_id": course_id, "enrolled_dt": when, "completed_dt": when,
         "completed_version": version}
        for uid in user_ids
    ])
    enrolments = dict(db.session.execute(
        select(Enrolment.user_id, Enrolment.id).where(Enrolment.course_id == course_id)
    ).all())
    db.session.execute(insert(Completion), [
        {"enrolment_id": enrolments[uid], "user_id": uid, "course_id": course_id,
         "course_version": version, "completed_dt": when, "final_score": 90.0}
        for uid in user_ids
    ])


def seed_certificates(learner_id: int, password_hash: str) -> str:
    """Completions of :data:`CERT_SLUG` for the learner, the issue samples and the
    bulk graduates; the learner's certificate issued. Returns its code."""
    from sqlalchemy import select

    from certificates import bulk
    from courses.models import Course
    from lms.db import db

    from .dataset import bulk_users

    course = db.session.scalar(select(Course).where(Course.slug == CERT_SLUG))
    if course is None:
        raise SystemExit(f"bench: `flask lms init` did not import the course {CERT_SLUG!r}")
    samples = bulk_users("bench-sample", ISSUE_WARMUP + ISSUE_SAMPLES, password_hash)
    graduates = bulk_users("bench-graduate", BULK_ISSUE, password_hash)
    now = dt.datetime.now(dt.UTC)
    _complete(course.id, course.version, [learner_id], now - dt.timedelta(hours=2))
    _complete(course.id, course.version, samples, now - dt.timedelta(hours=1))
    _complete(course.id, course.version, graduates, now)
    db.session.commit()
    mine = [c for c in bulk.completions_lacking_certificate(CERT_SLUG) if c.user_id == learner_id]
    summary = bulk.Summary()
    for _step in bulk.issue_missing(mine, summary, actor_id=None):
        db.session.commit()
    if summary.done != 1:
        raise SystemExit("bench: the learner's certificate was not issued")
    from certificates.models import Certificate

    return db.session.scalar(select(Certificate.code).where(Certificate.user_id == learner_id))


def _members(user_ids: list[int], when: dt.datetime) -> None:
    from sqlalchemy import insert

    from governance.models import ACTIVE, Membership
    from lms.db import db

    db.session.execute(insert(Membership), [
        {"user_id": uid, "member_class": ("learner", "worker", "supporter")[n % 3],
         "status": ACTIVE, "applied_dt": when, "joined_dt": when, "note": ""}
        for n, uid in enumerate(user_ids)
    ])


def _open(proposer_id: int, title: str):
    """Raise an open (not secret) general resolution and open its ballot now."""
    from governance import operations as gov

    proposal = gov.raise_proposal(
        proposer_id, "governance:resolution", title, {"text": title}, secret=False
    )
    ballot = gov.open_ballot(proposal)
    if not ballot.rules.get("allow_vote_change") or ballot.secret:
        raise SystemExit("bench: the ballot must be open and allow changing votes")
    return proposal, ballot


def seed_governance(voter_ids: list[int], password_hash: str) -> dict[str, int]:
    """Two ballots: one of :data:`TALLY_MEMBERS` members who all voted (to count),
    then one the :data:`VOTERS` join before it opens (to vote in under load)."""
    from sqlalchemy import insert

    from governance import operations as gov
    from governance.models import Vote
    from lms.db import db

    from .dataset import bulk_users

    # The rulebook in force must let members change their vote until the close
    # (the default rules do; the bench refuses to run otherwise), so a voter's
    # repeated POST is a valid change of vote rather than a refusal.
    if not gov.current_rules()["allow_vote_change"]:
        raise SystemExit("bench: the rulebook in force does not allow changing a vote")
    now = dt.datetime.now(dt.UTC)
    members = bulk_users("bench-member", TALLY_MEMBERS, password_hash)
    _members(members, now - dt.timedelta(days=30))
    db.session.flush()
    _tally_proposal, tally_ballot = _open(members[0], "Bench: count ten thousand votes")
    choices = ("for", "for", "for", "against", "against", "abstain")
    db.session.execute(insert(Vote), [
        {"ballot_id": tally_ballot.id, "user_id": uid, "choice": choices[n % len(choices)],
         "cast_dt": now}
        for n, uid in enumerate(members)
    ])
    db.session.commit()
    for uid in voter_ids:
        gov.approve(gov.apply_for_membership(uid, "learner"), actor_id=None)
    vote_proposal, vote_ballot = _open(voter_ids[0], "Bench: vote under load")
    db.session.commit()
    return {
        "tally_ballot_id": tally_ballot.id,
        "vote_ballot_id": vote_ballot.id,
        "vote_proposal_id": vote_proposal.id,
    }


def seed(learner_id: int, user_ids: list[int], password_hash: str) -> dict[str, object]:
    """Add the plugins' data; return the facts the scenarios' paths are built from."""
    if len(user_ids) < VOTERS:
        raise SystemExit(f"bench: --users must be at least {VOTERS} (the voters)")
    facts: dict[str, object] = {"cert_code": seed_certificates(learner_id, password_hash)}
    facts.update(seed_governance(user_ids[:VOTERS], password_hash))
    facts["voters"] = [f"bench-user-{n:06d}@example.org" for n in range(VOTERS)]
    # The tutor's groups (a 500-learner cohort and a small one) before the server starts,
    # so the tutor's dashboard is measured on them; the cohort measures reuse them.
    from . import cohort_measures

    cohort_measures.seed()
    return facts
