"""The decision kinds governance provides itself.

``governance:resolution``
    a general resolution: text only, nothing to carry out (ordinary).
``governance:rules``
    a change of the rules: the payload is the complete new rulebook (the
    current rules with the proposed changes); enacting stores it as the next
    version (special resolution). Ballots already open keep the rules they
    opened under.
"""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.contracts import DecisionRecord, EnactmentResult, PayloadError
from lms.db import db

from .membership import current_rules, ensure_default_rulebook
from .models import Rulebook
from .rules import DEFAULT_RULES, ORDINARY, SPECIAL, validate_rules

RULE_LABELS = {
    "ordinary_majority_percent": _l("Ordinary resolution: share of votes cast to exceed (%)"),
    "special_majority_percent": _l("Special resolution: share of votes cast to reach (%)"),
    "quorum_min_members": _l("Quorum: at least this many members taking part"),
    "quorum_percent": _l("Quorum: at least this share of eligible members (%)"),
    "notice_hours": _l("Notice period before voting opens (hours)"),
    "voting_hours": _l("Voting window (hours)"),
    "seconders_required": _l("Seconders required"),
    "allow_vote_change": _l("Members may change their vote until the close"),
    "leavers_keep_vote": _l("Members who leave during a ballot keep their vote"),
    "secret_ballot_default": _l("Ballots are secret by default"),
    "secretary_may_open_early": _l(
        "The secretary may open a seconded proposal's ballot before the notice period ends"
    ),
    "secretary_may_close_when_all_voted": _l(
        "The secretary may close a ballot early once every member who can vote has voted"
    ),
    "kind_resolutions": _l("Resolution class per decision kind (JSON)"),
    "member_classes": _l("Member classes (JSON: key to label)"),
    "class_breakdown_min_voters": _l(
        "Results show a class's votes only when at least this many of its members voted"
    ),
    "minor_corrections": _l(
        "Corrections to a published course that tutors may make without a vote "
        "(JSON: key to label)"
    ),
}


def _field_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "json"


class ResolutionKind:
    """A general resolution: recorded, nothing to enact."""

    key = "governance:resolution"
    label = _l("General resolution")
    resolution = ORDINARY

    def fields(self) -> list[dict[str, Any]]:
        return [
            {
                "name": "text",
                "label": _l("Resolution text"),
                "type": "textarea",
                "required": True,
            }
        ]

    def validate(self, payload: dict[str, Any]) -> dict[str, Any]:
        text = str(payload.get("text") or "").strip()
        if not text:
            raise PayloadError({"text": _("Write the text of the resolution.")})
        if len(text) > 5000:
            raise PayloadError({"text": _("At most 5,000 characters.")})
        return {"text": text}

    def describe(self, payload: dict[str, Any]) -> str:
        text = payload.get("text", "")
        return _("Resolution: %(text)s", text=text if len(text) <= 200 else text[:197] + "...")

    def enact(self, decision: DecisionRecord) -> EnactmentResult:
        return EnactmentResult(summary=_("The resolution is recorded; nothing to carry out."))


class RulesKind:
    """Change the rules: the payload holds rule values; missing ones keep their current value."""

    key = "governance:rules"
    label = _l("Change the rules")
    resolution = SPECIAL

    def fields(self) -> list[dict[str, Any]]:
        current = current_rules().values
        return [
            {
                "name": name,
                "label": RULE_LABELS[name],
                "type": _field_type(DEFAULT_RULES[name]),
                "required": False,
                "default": current[name],
            }
            for name in DEFAULT_RULES
        ]

    def validate(self, payload: dict[str, Any]) -> dict[str, Any]:
        values = dict(current_rules().values)
        errors = {}
        for name, value in payload.items():
            if value is None or value == "":
                continue
            if _field_type(DEFAULT_RULES.get(name)) == "json" and isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    errors[name] = _("Not valid JSON.")
                    continue
            values[name] = value
        if errors:
            raise PayloadError(errors)
        return validate_rules(values)

    def describe(self, payload: dict[str, Any]) -> str:
        current = current_rules().values
        changed = [name for name in DEFAULT_RULES if payload.get(name) != current.get(name)]
        if not changed:
            return _("Restate the rules without changes.")
        parts = [f"{name} = {json.dumps(payload[name], sort_keys=True)}" for name in changed]
        return _("Change the rules: %(changes)s", changes="; ".join(parts))

    def enact(self, decision: DecisionRecord) -> EnactmentResult:
        existing = db.session.scalar(
            select(Rulebook).where(Rulebook.proposal_id == decision.decision_id)
        )
        if existing is None:
            ensure_default_rulebook()
            top = db.session.scalar(select(func.max(Rulebook.version)))
            existing = Rulebook(
                version=top + 1,
                rules=validate_rules(dict(decision.payload)),
                proposal_id=decision.decision_id,
            )
            db.session.add(existing)
            db.session.flush()
        return EnactmentResult(
            summary=_("The rules are now at version %(version)s.", version=existing.version),
            links={"rules": "/governance/rules"},
        )


KINDS = (ResolutionKind(), RulesKind())
