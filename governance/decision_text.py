"""A proposal's decision in words, in the reader's language, made when it is shown.

``Proposal.summary`` keeps the sentence written when the proposal was raised,
in the proposer's language: it stays as the record (the export of personal
data and older readers of the table may use it). The pages, the notices and
the API show :func:`decision_text` instead: the kind's ``describe`` run for
the reader, with each ``choice`` field's value shown by the label the kind's
form gives it (a course's title, not its slug). A rules change lists each
changed rule by its label, against the rules in force when it was raised.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from .models import Proposal


def decision_text(proposal: Proposal, labels: dict[str, Any] | None = None) -> str:
    """The decision ``proposal`` asks for, in one sentence in the current language.

    Falls back to the stored ``summary`` when the kind is no longer offered (its
    plugin disabled) or cannot describe the payload any more.

    :param labels: a dict to keep each kind's choice labels in, for a caller
        that describes many proposals (their fields are read once per kind).
    """
    kinds = current_app.extensions["lms"].decision_kinds
    kind = kinds.get(proposal.kind)
    if kind is None:
        return proposal.summary
    try:
        for_proposal = getattr(kind, "describe_proposal", None)
        if for_proposal is not None:
            return str(for_proposal(proposal.payload, proposal.rule_version))
        shown = _choice_labels(kind, labels if labels is not None else {})
        payload = {
            name: shown.get(name, {}).get(str(value), value)
            for name, value in proposal.payload.items()
        }
        return str(kind.describe(payload))
    except Exception:
        # The record still says what was decided; the page must not fail for a kind's bug.
        current_app.logger.warning(
            "describing proposal %s (%s) failed", proposal.id, proposal.kind, exc_info=True
        )
        return proposal.summary


def _choice_labels(kind, cache: dict[str, Any]) -> dict[str, dict[str, str]]:
    """``{field: {value: label}}`` of the kind's ``choice`` fields (read once per cache)."""
    if kind.key not in cache:
        cache[kind.key] = {
            spec["name"]: {str(value): str(label) for value, label in spec.get("choices") or ()}
            for spec in kind.fields()
            if spec.get("type") == "choice"
        }
    return cache[kind.key]
