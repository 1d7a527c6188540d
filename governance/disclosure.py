"""What a result may say by member class without revealing how a few people voted.

A class in which only one or two members voted gives their votes away when
its row is shown ("worker: 1 for"), and so does the whole result minus the
rows that are shown. So a class with fewer voters than the rulebook's
``class_breakdown_min_voters`` (default 5) is never shown alone: such classes
are shown together, as one row, when together they reach the minimum; when
they do not, the breakdown is withheld altogether (the totals would give the
small classes away). A class in which nobody voted hides nothing.

Results store the full count (``Result.arithmetic["by_class"]``, needed to
verify them); this module decides only what the pages publish, so raising the
minimum protects results fixed before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

#: The smallest number of voters whose class a result shows, unless the rulebook says otherwise.
DEFAULT_MIN_VOTERS = 5
_COUNTS = ("votes_for", "votes_against", "abstentions")


@dataclass(frozen=True)
class ClassRow:
    """One class of the breakdown; ``counts`` is ``None`` when its votes are withheld."""

    key: str
    eligible: int
    counts: dict[str, int] | None


@dataclass(frozen=True)
class Breakdown:
    """The breakdown by class a result page may show."""

    min_voters: int
    rows: list[ClassRow] = field(default_factory=list)
    #: The small classes' votes added together (``None``: no small classes, or withheld).
    combined: dict[str, int] | None = None
    #: Nothing by class may be shown: the small classes would be given away by the rest.
    withheld: bool = False


def min_voters(*rulebooks: Mapping) -> int:
    """The strictest minimum of the rulebooks given (the ballot's and the one in force)."""
    return max(
        [int(r.get("class_breakdown_min_voters", DEFAULT_MIN_VOTERS)) for r in rulebooks]
        or [DEFAULT_MIN_VOTERS]
    )


def _voters(counts: Mapping[str, int]) -> int:
    return sum(int(counts.get(name, 0)) for name in _COUNTS)


def class_breakdown(by_class: Mapping[str, Mapping[str, int]], minimum: int) -> Breakdown:
    """Decide what of ``by_class`` (class -> eligible and counts) may be published."""
    small = [k for k, c in by_class.items() if 0 < _voters(c) < minimum]
    if not small:
        rows = [
            ClassRow(k, int(c.get("eligible", 0)), {n: int(c.get(n, 0)) for n in _COUNTS})
            for k, c in by_class.items()
        ]
        return Breakdown(minimum, rows)
    combined = {n: sum(int(by_class[k].get(n, 0)) for k in small) for n in _COUNTS}
    if sum(combined.values()) < minimum:
        return Breakdown(minimum, withheld=True)
    rows = [
        ClassRow(
            k,
            int(c.get("eligible", 0)),
            None if k in small else {n: int(c.get(n, 0)) for n in _COUNTS},
        )
        for k, c in by_class.items()
    ]
    return Breakdown(minimum, rows, combined)
