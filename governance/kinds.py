"""The decision kinds governance provides itself.

``governance:resolution``
    a general resolution: text only, nothing to carry out (ordinary).
``governance:rules``
    a change of the rules: the payload is the complete new rulebook (the
    rules in force when it was raised, with the proposed changes); enacting
    stores the rules in force then, with the rules the proposal changes, as the
    next version (special resolution). Ballots already open keep the rules they
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

from .membership import current_rules, ensure_default_rulebook, rules_of_version
from .models import Proposal, Rulebook
from .rules import DEFAULT_RULES, ORDINARY, RULE_LABELS, SPECIAL, validate_rules


def _field_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    return "json"


def _shown(value: Any) -> str:
    """A rule's value as members read it: yes or no, a number, or JSON."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


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

    def describe(self, payload: dict[str, Any], base: dict[str, Any] | None = None) -> str:
        """The changes from ``base`` (default: the rules in force), each rule by its label."""
        base = current_rules().values if base is None else base
        changes = []
        for name in DEFAULT_RULES:
            old = base.get(name, DEFAULT_RULES[name])
            new = payload.get(name, DEFAULT_RULES[name])
            if new != old:
                changes.append(_("“%(rule)s” from %(old)s to %(new)s", rule=RULE_LABELS[name],
                                 old=_shown(old), new=_shown(new)))
        if not changes:
            return _("Restate the rules without changes.")
        return _("Change the rules: %(changes)s", changes="; ".join(changes))

    def describe_proposal(self, payload: dict[str, Any], rule_version: int) -> str:
        """The changes a proposal made against the rules in force when it was raised.

        Shown later the rules in force may be the proposal's own (once enacted): the
        version the proposal was raised under is what it changes.
        """
        return self.describe(payload, base=rules_of_version(rule_version))

    def changes(self, payload: dict[str, Any], rule_version: int) -> dict[str, Any]:
        """The rules a proposal raised under ``rule_version`` changes, with their new values."""
        base = rules_of_version(rule_version)
        return {
            name: payload[name]
            for name in DEFAULT_RULES
            if name in payload and payload[name] != base.get(name, DEFAULT_RULES[name])
        }

    def enact(self, decision: DecisionRecord) -> EnactmentResult:
        """Store the rules in force with the proposal's changes as the next version.

        The payload is the whole rulebook as it was when the proposal was raised;
        storing it as it stands would put back every rule another decision changed
        since, which nobody voted for. Only the rules the proposal changes are applied.
        """
        existing = db.session.scalar(
            select(Rulebook).where(Rulebook.proposal_id == decision.decision_id)
        )
        if existing is None:
            ensure_default_rulebook()
            raised_under = db.session.scalar(
                select(Proposal.rule_version).where(Proposal.id == decision.decision_id)
            )
            changes = (
                dict(decision.payload)
                if raised_under is None
                else self.changes(decision.payload, raised_under)
            )
            top = db.session.scalar(select(func.max(Rulebook.version)))
            existing = Rulebook(
                version=top + 1,
                rules=validate_rules({**current_rules().values, **changes}),
                proposal_id=decision.decision_id,
            )
            db.session.add(existing)
            db.session.flush()
        return EnactmentResult(
            summary=_("The rules are now at version %(version)s.", version=existing.version),
            links={"rules": "/governance/rules"},
        )


KINDS = (ResolutionKind(), RulesKind())
