"""The governance plugin's permissions.

The *secretary* is the person who runs the register and the ballots. In this
plugin it is not a separate role: the secretary's permissions below are
granted to the ``admin`` role only (admins hold every permission), so "the
secretary" means any administrator. Members' rights (proposing, seconding,
commenting, voting) come from an active membership, checked by the
operations, not from a role.
"""

from __future__ import annotations

from lms.permissions import ROLE_LEARNER, ROLE_TUTOR

#: See the register of members (members are people with accounts, so every role).
GOVERNANCE_REGISTER_VIEW = "governance:register:view"
#: Export the register as CSV (secretary).
GOVERNANCE_REGISTER_EXPORT = "governance:register:export"
#: Approve, decline and lapse memberships (secretary).
GOVERNANCE_MEMBERSHIP_MANAGE = "governance:membership:manage"
#: Retry failed enactments, open and close due ballots by hand (secretary).
GOVERNANCE_RULES_MANAGE = "governance:rules:manage"

#: Permission -> roles granted it (admins hold every permission).
GRANTS: dict[str, tuple[str, ...]] = {
    GOVERNANCE_REGISTER_VIEW: (ROLE_LEARNER, ROLE_TUTOR),
    GOVERNANCE_REGISTER_EXPORT: (),
    GOVERNANCE_MEMBERSHIP_MANAGE: (),
    GOVERNANCE_RULES_MANAGE: (),
}
