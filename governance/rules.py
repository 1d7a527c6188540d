"""The co-op's rulebook as data, and the arithmetic that applies it.

The rules are a plain dict of values, versioned in ``governance_rulebook``
(see :mod:`governance.models`); changing them is itself a decision (the
``governance:rules`` kind, a special resolution). The defaults follow the
Co-operatives UK model rules:

* an **ordinary resolution** passes with *more than* half of the votes cast
  (a tie is lost);
* a **special resolution** needs *at least* 75% of the votes cast;
* abstentions are not votes cast, but they count towards turnout;
* the **quorum** is the greater of 3 members or 25% of the eligible members
  (rounded up) taking part (for, against or abstain);
* a notice period before voting opens, a voting window, a number of
  seconders, whether votes can be changed before the close, whether members
  who leave during a ballot keep their vote, whether ballots are secret by
  default, the member classes, the smallest class whose votes a result may
  show, and the minor corrections to a published course that need no vote.

All arithmetic uses :class:`fractions.Fraction`, so "more than half" and
"at least 75%" are exact.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from lms.contracts import PayloadError

ORDINARY = "ordinary"
SPECIAL = "special"
RESOLUTIONS = (ORDINARY, SPECIAL)

DEFAULT_RULES: dict[str, Any] = {
    #: An ordinary resolution passes when "for" is strictly more than this % of votes cast.
    "ordinary_majority_percent": 50,
    #: A special resolution passes when "for" is at least this % of votes cast.
    "special_majority_percent": 75,
    #: Quorum: at least this many members take part ...
    "quorum_min_members": 3,
    #: ... and at least this % of the eligible members (rounded up), whichever is greater.
    "quorum_percent": 25,
    #: Hours between raising a proposal and the earliest opening of its ballot.
    "notice_hours": 14 * 24,
    #: Hours a ballot stays open.
    "voting_hours": 7 * 24,
    #: Members (other than the proposer) who must second a proposal.
    "seconders_required": 2,
    #: Whether a member may change their vote until the close.
    "allow_vote_change": True,
    #: Whether a member on the roll who leaves during the ballot keeps their vote.
    "leavers_keep_vote": False,
    #: Whether new ballots are secret unless the proposer chooses otherwise.
    "secret_ballot_default": False,
    #: Whether the secretary may open a fully seconded proposal's ballot before its notice
    #: period ends, giving a reason (recorded). Off in the model rules: notice protects members.
    "secretary_may_open_early": False,
    #: Whether the secretary may close a ballot before its time once every member on its
    #: roll has voted, giving a reason (recorded): nobody is left who could still vote.
    "secretary_may_close_when_all_voted": True,
    #: Resolution class per decision kind, overriding the kind's own default.
    "kind_resolutions": {},
    #: The classes of membership: key -> label.
    "member_classes": {
        "learner": "Learner member",
        "worker": "Worker member",
        "supporter": "Supporter member",
    },
    #: A result shows a class's votes only when at least this many of its members voted:
    #: below it, the breakdown would reveal how a few known people voted.
    "class_breakdown_min_voters": 5,
    #: Corrections to a published course that tutors may make without a vote: key -> label.
    #: Each is audited and listed on the course's "decisions and changes" page.
    "minor_corrections": {
        "spelling": "Spelling, grammar or punctuation",
        "broken_link": "A broken or moved link",
    },
}

#: The labels the rules ship with (member classes, minor corrections), marked for the
#: catalogue. The defaults above are data, stored in the rulebook and renamed by a rules
#: change, so they stay plain English there; a label still equal to one of these is shown
#: in the reader's language (:meth:`Rulebook.shipped_label`), one the co-op wrote as written.
SHIPPED_LABELS: dict[str, Any] = {
    "Learner member": _l("Learner member"),
    "Worker member": _l("Worker member"),
    "Supporter member": _l("Supporter member"),
    "Spelling, grammar or punctuation": _l("Spelling, grammar or punctuation"),
    "A broken or moved link": _l("A broken or moved link"),
}

#: What the rules form and the error messages call each rule.
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

_INT_LIMITS = {
    "ordinary_majority_percent": (0, 99),
    "special_majority_percent": (1, 100),
    "quorum_min_members": (0, 100000),
    "quorum_percent": (0, 100),
    "notice_hours": (0, 24 * 365),
    "voting_hours": (1, 24 * 365),
    "seconders_required": (0, 100),
    "class_breakdown_min_voters": (1, 1000),
}
_BOOLS = (
    "allow_vote_change",
    "leavers_keep_vote",
    "secret_ballot_default",
    "secretary_may_open_early",
    "secretary_may_close_when_all_voted",
)
_CLASS_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_KIND_KEY = re.compile(r"^[a-z][a-z0-9_]*:[a-z0-9_:-]+$")


def _label(key: str) -> str:
    return str(RULE_LABELS.get(key, key))


def _keys_and_labels(key: str) -> str:
    return _(
        "“%(rule)s” must give each key (a lower-case letter, then lower-case letters, digits "
        "or _) a label that is not empty.",
        rule=_label(key),
    )


def validate_rules(values: dict[str, Any], *, coherent: bool = True) -> dict[str, Any]:
    """Return a complete, cleaned rulebook or raise :class:`PayloadError`.

    Missing keys take the default; unknown keys are refused. Each message is
    a whole sentence in the reader's language, naming the rule by its label.

    :param coherent: also refuse rules that contradict each other (a special
        majority no larger than the ordinary one). Reading a rulebook already
        stored passes ``False``: a version stored before the check existed
        must still load; proposing and enacting new rules keep the check.
    """
    if not isinstance(values, dict):
        raise PayloadError({"rules": _("The rules must be a set of named values.")})
    errors: dict[str, str] = {}
    for key in values:
        if key not in DEFAULT_RULES:
            errors[key] = _("There is no rule called “%(key)s”.", key=key)
    clean = {**DEFAULT_RULES, **{k: v for k, v in values.items() if k in DEFAULT_RULES}}
    for key, (low, high) in _INT_LIMITS.items():
        value = clean[key]
        # isdecimal, not isdigit: "²" is a digit that int() refuses with a ValueError. Digits of
        # other scripts are decimal and read as numbers (an Urdu keyboard types "۵").
        if isinstance(value, str) and value.strip().lstrip("-").isdecimal():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[key] = _(
                "“%(rule)s” must be a whole number from %(low)d to %(high)d.",
                rule=_label(key), low=low, high=high,
            )
        else:
            clean[key] = value
    for key in _BOOLS:
        value = clean[key]
        if isinstance(value, str) and value.lower() in ("true", "false", "yes", "no", "1", "0"):
            value = value.lower() in ("true", "yes", "1")
        if not isinstance(value, bool):
            errors[key] = _("“%(rule)s” must be yes or no.", rule=_label(key))
        else:
            clean[key] = value
    classes = clean["member_classes"]
    if (
        not isinstance(classes, dict)
        or not classes
        or not all(
            isinstance(k, str) and _CLASS_KEY.match(k) and isinstance(v, str) and v.strip()
            for k, v in classes.items()
        )
    ):
        errors["member_classes"] = _keys_and_labels("member_classes")
    else:
        clean["member_classes"] = {k: v.strip()[:80] for k, v in classes.items()}
    corrections = clean["minor_corrections"]
    if not isinstance(corrections, dict) or not all(
        isinstance(k, str) and _CLASS_KEY.match(k) and isinstance(v, str) and v.strip()
        for k, v in corrections.items()
    ):
        errors["minor_corrections"] = _keys_and_labels("minor_corrections")
    else:
        clean["minor_corrections"] = {k: v.strip()[:120] for k, v in corrections.items()}
    overrides = clean["kind_resolutions"]
    if not isinstance(overrides, dict) or not all(
        isinstance(k, str) and _KIND_KEY.match(k) and v in RESOLUTIONS for k, v in overrides.items()
    ):
        errors["kind_resolutions"] = _(
            "“%(rule)s” must give each kind of decision (such as courses:add) “ordinary” or "
            "“special”.", rule=_label("kind_resolutions"),
        )
    elif not errors.get("kind_resolutions"):
        # Changing the rules is always at least a special resolution.
        if overrides.get("governance:rules", SPECIAL) != SPECIAL:
            errors["kind_resolutions"] = _("Changing the rules must stay a special resolution.")
        clean["kind_resolutions"] = dict(overrides)
    majorities = {"ordinary_majority_percent", "special_majority_percent"}
    # A special resolution is the harder one to pass: "at least" a share equal to the
    # ordinary one would let a tie pass a special resolution and not an ordinary one.
    if (
        coherent
        and not errors.keys() & majorities
        and clean["special_majority_percent"] <= clean["ordinary_majority_percent"]
    ):
        errors["special_majority_percent"] = _(
            "A special resolution must need a larger majority than an ordinary one: make "
            "“%(special)s” more than %(ordinary)d (“%(ordinary_rule)s”).",
            special=_label("special_majority_percent"),
            ordinary=clean["ordinary_majority_percent"],
            ordinary_rule=_label("ordinary_majority_percent"),
        )
    if errors:
        raise PayloadError(errors)
    return clean


@dataclass(frozen=True)
class Rulebook:
    """One version of the rules."""

    version: int
    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        # A rule added after this version was stored: the version had the default.
        return self.values[key] if key in self.values else DEFAULT_RULES[key]

    @staticmethod
    def shipped_label(label: str) -> Any | None:
        """A member class's or minor correction's label in the reader's language, if it is
        still a shipped default (:data:`SHIPPED_LABELS`); ``None`` for a label the co-op
        wrote, which is shown as written (its language is not recorded)."""
        return SHIPPED_LABELS.get(label)

    def resolution_for(self, kind_key: str, kind_default: str) -> str:
        """The resolution class a decision kind needs under these rules."""
        found = self.values["kind_resolutions"].get(kind_key, kind_default)
        return found if found in RESOLUTIONS else ORDINARY


def shown_label(label: str) -> Any:
    """A member class's or minor correction's label as every page shows it: a shipped
    default in the reader's language (:meth:`Rulebook.shipped_label`), one the co-op wrote
    as written, isolated in ``<bdi>`` (its language is not recorded, so it cannot reorder
    the sentence or table around it)."""
    shipped = SHIPPED_LABELS.get(label)
    return shipped if shipped is not None else Markup("<bdi>{}</bdi>").format(label)


def quorum(eligible: int, rules: dict[str, Any]) -> int:
    """Members who must take part (for, against or abstain) for a ballot to count."""
    share = math.ceil(Fraction(eligible * rules["quorum_percent"], 100))
    return max(rules["quorum_min_members"], share)


def threshold(resolution: str, rules: dict[str, Any]) -> tuple[Fraction, bool]:
    """Return ``(share, strict)``: "for" must exceed (strict) or reach the share."""
    if resolution == SPECIAL:
        return Fraction(rules["special_majority_percent"], 100), False
    return Fraction(rules["ordinary_majority_percent"], 100), True


def passes(votes_for: int, votes_against: int, resolution: str, rules: dict[str, Any]) -> bool:
    """Tell whether "for" meets the threshold of the votes cast (abstentions excluded).

    With no votes cast nothing passes.
    """
    cast = votes_for + votes_against
    if cast == 0:
        return False
    share, strict = threshold(resolution, rules)
    mine = Fraction(votes_for, cast)
    return mine > share if strict else mine >= share


@dataclass(frozen=True)
class Outcome:
    """The arithmetic of one result."""

    eligible: int
    turnout: int
    quorum: int
    quorum_met: bool
    votes_for: int
    votes_against: int
    abstentions: int
    votes_cast: int
    share_for: Fraction | None
    threshold: Fraction
    threshold_strict: bool
    passed: bool


def outcome(
    eligible: int,
    votes_for: int,
    votes_against: int,
    abstentions: int,
    resolution: str,
    rules: dict[str, Any],
) -> Outcome:
    """Apply the rules to counted votes."""
    turnout = votes_for + votes_against + abstentions
    needed = quorum(eligible, rules)
    share, strict = threshold(resolution, rules)
    cast = votes_for + votes_against
    quorum_met = turnout >= needed
    return Outcome(
        eligible=eligible,
        turnout=turnout,
        quorum=needed,
        quorum_met=quorum_met,
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        votes_cast=cast,
        share_for=Fraction(votes_for, cast) if cast else None,
        threshold=share,
        threshold_strict=strict,
        passed=quorum_met and passes(votes_for, votes_against, resolution, rules),
    )
