"""QA as a hostile insider (qa-trust): stale decisions, refused forms that keep their words."""

from __future__ import annotations

import datetime as dt

from governance import operations as ops
from lms.db import utcnow


def _pass(db, ballot, members):
    for m in members:
        ops.cast_vote(ballot, m.id, "for")
    ballot.closes_dt = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    result = ops.close_ballot(ballot)
    db.session.commit()
    return result


def test_a_rules_change_enacted_later_keeps_the_changes_decided_meanwhile(
    db, make_members, start_ballot
):
    """Two rule changes raised under the same rules, each changing one rule: enacting
    the second must not put back the rule the first changed (nobody voted for that)."""
    ops.ensure_default_rulebook()
    members = make_members(4)
    notice = start_ballot(members[0], members[1:3], kind="governance:rules",
                          payload={"notice_hours": "48"}, title="Shorter notice")
    seconders = start_ballot(members[0], members[1:3], kind="governance:rules",
                             payload={"seconders_required": "1"}, title="One seconder")
    assert _pass(db, seconders, members).passed
    assert ops.current_rules()["seconders_required"] == 1
    assert _pass(db, notice, members).passed
    rules = ops.current_rules()
    assert rules.version == 3
    assert rules["notice_hours"] == 48
    assert rules["seconders_required"] == 1
