"""Governance's answer to the curriculum authority contract: the members decide.

Publishing a course, retiring one and revising a live course's content all
need a proposal and ballot under the rulebook (the courses plugin's decision
kinds enact them). The rulebook's ``minor_corrections`` name the corrections
tutors may make to a live lesson without a vote.
"""

from __future__ import annotations

from lms.contracts import CURRICULUM_REVISE, CurriculumRuling

from .membership import current_rules
from .rules import shown_label

#: Where members raise a proposal; the courses plugin adds ``?kind=...``.
PROPOSE_PATH = "/governance/proposals/new"


class RulebookAuthority:
    """Every change to the curriculum is the members' decision, except named corrections."""

    def ruling(self, change: str, course_slug: str) -> CurriculumRuling:
        corrections = {}
        if change == CURRICULUM_REVISE:
            corrections = dict(current_rules()["minor_corrections"])
        labels = {key: shown_label(label) for key, label in corrections.items()}
        return CurriculumRuling(True, PROPOSE_PATH, corrections, labels)
