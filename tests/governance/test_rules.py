"""The rulebook's arithmetic: majorities, ties, abstentions, quorum, validation."""

from __future__ import annotations

from fractions import Fraction

import pytest

from governance.rules import (
    DEFAULT_RULES,
    ORDINARY,
    SPECIAL,
    outcome,
    passes,
    quorum,
    validate_rules,
)
from lms.contracts import PayloadError

R = DEFAULT_RULES


def test_ordinary_needs_more_than_half_and_a_tie_is_lost():
    assert passes(6, 5, ORDINARY, R)
    assert not passes(5, 5, ORDINARY, R)
    assert not passes(4, 5, ORDINARY, R)
    assert passes(1, 0, ORDINARY, R)
    assert not passes(0, 0, ORDINARY, R)


def test_special_needs_at_least_three_quarters():
    assert passes(3, 1, SPECIAL, R)  # exactly 75%
    assert not passes(74, 26, SPECIAL, R)
    assert passes(75, 25, SPECIAL, R)
    assert not passes(2, 1, SPECIAL, R)  # 66.7%
    assert passes(4, 0, SPECIAL, R)


def test_abstentions_are_not_votes_cast_but_count_for_turnout():
    result = outcome(10, 3, 2, 5, ORDINARY, R)
    assert result.votes_cast == 5
    assert result.share_for == Fraction(3, 5)
    assert result.turnout == 10
    assert result.passed
    # Abstentions cannot turn a special resolution: 3 for, 1 against, 50 abstain passes.
    assert outcome(54, 3, 1, 50, SPECIAL, R).passed
    # Everyone abstaining: nothing was cast, nothing passes.
    assert not outcome(4, 0, 0, 4, ORDINARY, R).passed


@pytest.mark.parametrize(
    ("eligible", "needed"),
    [(0, 3), (4, 3), (12, 3), (13, 4), (16, 4), (17, 5), (100, 25), (101, 26), (10000, 2500)],
)
def test_quorum_is_the_greater_of_three_or_a_quarter_rounded_up(eligible, needed):
    assert quorum(eligible, R) == needed


def test_quorum_decides_even_a_unanimous_vote():
    assert not outcome(20, 4, 0, 0, ORDINARY, R).passed  # quorum 5
    met = outcome(20, 4, 0, 1, ORDINARY, R)  # an abstention makes the quorum
    assert met.quorum == 5 and met.quorum_met and met.passed


def test_validate_fills_defaults_and_coerces_form_strings():
    clean = validate_rules({"seconders_required": "3", "allow_vote_change": "false"})
    assert clean["seconders_required"] == 3
    assert clean["allow_vote_change"] is False
    assert clean["special_majority_percent"] == 75


@pytest.mark.parametrize(
    "bad",
    [
        {"seconders_required": -1},
        {"special_majority_percent": 101},
        {"voting_hours": 0},
        {"allow_vote_change": "perhaps"},
        {"quorum_percent": True},
        {"member_classes": {}},
        {"member_classes": {"Bad Key": "x"}},
        {"kind_resolutions": {"courses:add": "unanimous"}},
        {"kind_resolutions": {"governance:rules": "ordinary"}},
        {"no_such_rule": 1},
    ],
)
def test_validate_refuses_bad_values(bad):
    with pytest.raises(PayloadError) as caught:
        validate_rules(bad)
    assert set(caught.value.errors) == set(bad)


@pytest.mark.parametrize(
    "majorities",
    [
        {"special_majority_percent": 40},
        {"special_majority_percent": 50},
        {"ordinary_majority_percent": 80},
        {"ordinary_majority_percent": 60, "special_majority_percent": 60},
    ],
)
def test_a_special_majority_no_larger_than_the_ordinary_one_is_refused(majorities):
    with pytest.raises(PayloadError) as caught:
        validate_rules(majorities)
    assert set(caught.value.errors) == {"special_majority_percent"}
    message = caught.value.errors["special_majority_percent"]
    assert "A special resolution must need a larger majority than an ordinary one" in message
    assert "Special resolution: share of votes cast to reach (%)" in message
    # One more than the ordinary share is the smallest special majority.
    assert validate_rules({"special_majority_percent": 51})["special_majority_percent"] == 51
    # A rulebook stored before the check still loads (pages must not break on it).
    assert validate_rules(majorities, coherent=False)


def test_messages_are_sentences_naming_the_rule_by_its_label(monkeypatch):
    import governance.rules

    # Every message goes through the catalogue: mark what does.
    monkeypatch.setattr(governance.rules, "_", lambda text, **kw: f"⟦{text % kw}⟧")
    with pytest.raises(PayloadError) as caught:
        validate_rules({"seconders_required": -1, "allow_vote_change": "perhaps",
                        "member_classes": {}, "no_such_rule": 1})
    errors = caught.value.errors
    assert errors["seconders_required"] == (
        "⟦“Seconders required” must be a whole number from 0 to 100.⟧")
    assert errors["allow_vote_change"] == (
        "⟦“Members may change their vote until the close” must be yes or no.⟧")
    assert errors["member_classes"].startswith("⟦“Member classes (JSON: key to label)” must")
    assert errors["no_such_rule"] == "⟦There is no rule called “no_such_rule”.⟧"


def test_a_number_is_read_from_decimal_digits_only():
    """``"²"`` passed ``isdigit`` and then ``int()`` raised ValueError, not a PayloadError;
    Urdu and Gujarati digits are decimal and read as the number they write."""
    assert validate_rules({"seconders_required": "۲"})["seconders_required"] == 2
    assert validate_rules({"seconders_required": "૩"})["seconders_required"] == 3
    for odd in ("²", "½", "1e2", "0x1"):
        with pytest.raises(PayloadError) as caught:
            validate_rules({"seconders_required": odd})
        assert "seconders_required" in caught.value.errors
