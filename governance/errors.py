"""Why a governance operation refused: each error carries the HTTP status a view should use."""

from __future__ import annotations


class GovernanceError(Exception):
    """An operation was refused; ``str(exc)`` is a message a person can read."""

    status = 409


class NotAllowed(GovernanceError):
    """The person may not do this (not a member, not on the roll, own proposal...)."""

    status = 403


class InvalidInput(GovernanceError):
    """What was sent is malformed (an unknown choice, class or kind): a tampered form."""

    status = 400


class WrongState(GovernanceError):
    """The thing is not in a state that allows this (ballot closed, already voted...)."""

    status = 409
