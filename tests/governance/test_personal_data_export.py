"""Every table the governance plugin declares personal is in its part of "Download my data".

Walks the plugin's declarations as ``tests/lms/personal_data/test_export.py`` walks the
core's, with a member who proposed, seconded, commented and voted in an open and a
secret ballot, and was on the roll of a third she did not vote in.
"""

from __future__ import annotations

import json

from governance import operations as ops
from lms.db import db
from lms.testing import export_walked


def test_every_table_the_governance_plugin_declares_personal_is_exported(
    app, make_members, start_ballot
):
    """Before, the sections named no tables, and the electoral rolls a member was on
    (``governance_roll_entry``, declared personal) were left out."""
    ada, bo, cy, di = make_members(4)
    open_ballot = start_ballot(ada, [bo, cy], title="Meet monthly")
    secret_ballot = start_ballot(bo, [ada, cy], secret=True, title="Elect the board")
    start_ballot(cy, [bo, di], title="Buy a kettle")
    ops.comment(open_ballot.proposal, ada.id, "I support meeting monthly.")
    ops.cast_vote(open_ballot, ada.id, "for")
    ops.cast_vote(secret_ballot, ada.id, "against")
    ops.cast_vote(secret_ballot, di.id, "for")
    db.session.commit()

    with app.test_request_context(method="POST"):
        by_key = export_walked(app, "governance", ada.id)
    assert {key for key, s in by_key.items() if not s.rows} == set()
    rolls = by_key["ballot_rolls"].rows
    assert [(r["proposal"], r["secret"], r["class"]) for r in rolls] == [
        ("Meet monthly", False, "learner"), ("Elect the board", True, "learner"),
        ("Buy a kettle", False, "learner")]
    assert all(r["opens"] and r["closes"] for r in rolls)
    assert {r["proposal"] for r in by_key["ballots"].rows} == {"Meet monthly",
                                                                "Elect the board"}
    assert [(r["proposal"], r["role"]) for r in by_key["proposals"].rows] == [
        ("Meet monthly", "proposer"), ("Elect the board", "seconder")]
    # Her secret choice is held against no name, so it is nowhere in her export.
    assert "against" not in json.dumps([s.rows for s in by_key.values()])
