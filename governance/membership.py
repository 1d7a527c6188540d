"""Membership: apply, approve, decline, withdraw, lapse; the rulebook in force; the register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms import audit
from lms.db import db, is_unique_violation, utcnow
from lms.paging import PAGE_SIZE, Page, capped_count, keyset_page

from . import notices
from .errors import InvalidInput, NotAllowed, WrongState
from .models import ACTIVE, APPLIED, DECLINED, LAPSED, WITHDRAWN, Membership
from .models import Rulebook as RulebookRow
from .rules import DEFAULT_RULES, Rulebook, validate_rules


def current_rules() -> Rulebook:
    """The rulebook in force: the highest stored version, else the defaults as version 1."""
    row = db.session.execute(
        select(RulebookRow.version, RulebookRow.rules).order_by(RulebookRow.version.desc()).limit(1)
    ).first()
    if row is None:
        return Rulebook(1, validate_rules(dict(DEFAULT_RULES)))
    # Stored versions load even if a later check would refuse them (see ``coherent``).
    return Rulebook(row.version, validate_rules(dict(row.rules), coherent=False))


def rules_of_version(version: int) -> dict:
    """The rule values of one stored version (version 1 before any is stored: the defaults)."""
    stored = db.session.scalar(select(RulebookRow.rules).where(RulebookRow.version == version))
    if stored is None:
        return validate_rules(dict(DEFAULT_RULES))
    return validate_rules(dict(stored), coherent=False)


def ensure_default_rulebook() -> None:
    """Store the defaults as version 1 if no rulebook is stored yet (seed; idempotent)."""
    if db.session.scalar(select(RulebookRow.id).limit(1)) is None:
        db.session.add(RulebookRow(version=1, rules=validate_rules(dict(DEFAULT_RULES))))
        db.session.flush()


def membership_of(user_id: int) -> Membership | None:
    """The person's current membership (applied or active), if any."""
    return db.session.scalar(
        select(Membership).where(
            Membership.user_id == user_id, Membership.status.in_((APPLIED, ACTIVE))
        )
    )


def active_membership(user_id: int) -> Membership | None:
    """The person's active membership, if they are a member."""
    found = membership_of(user_id)
    return found if found is not None and found.status == ACTIVE else None


def require_member(user_id: int) -> Membership:
    """Return the active membership or raise :class:`NotAllowed`."""
    found = active_membership(user_id)
    if found is None:
        raise NotAllowed(_("Only members can do this."))
    return found


def apply_for_membership(
    user_id: int, member_class: str, *, note: str = "", now: dt.datetime | None = None
) -> Membership:
    """A person applies to join in a member class named by the rules."""
    classes = current_rules()["member_classes"]
    if member_class not in classes:
        raise InvalidInput(_("Unknown member class."))
    if membership_of(user_id) is not None:
        raise WrongState(_("You already have a membership or an application."))
    membership = Membership(
        user_id=user_id,
        member_class=member_class,
        status=APPLIED,
        applied_dt=now or utcnow(),
        note=note[:500],
    )
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except Exception as exc:
        if is_unique_violation(exc):
            raise WrongState(_("You already have a membership or an application.")) from exc
        raise
    audit.record(
        "governance.membership.applied",
        subject_type="membership",
        subject_id=membership.id,
        data={"user_id": user_id, "member_class": member_class},
    )
    return membership


def _decide(
    membership: Membership, expected: tuple[str, ...], actor_id: int | None = None
) -> None:
    # Nobody decides on their own record: another secretary must approve or decline it.
    if actor_id is not None and actor_id == membership.user_id:
        raise NotAllowed(_("You cannot decide on your own membership: another secretary must."))
    db.session.execute(
        select(Membership.id).where(Membership.id == membership.id).with_for_update()
    )
    db.session.refresh(membership)
    if membership.status not in expected:
        raise WrongState(_("This membership has changed meanwhile."))


def approve(membership: Membership, *, actor_id: int | None, now: dt.datetime | None = None):
    """The secretary approves an application: the applicant becomes an active member."""
    _decide(membership, (APPLIED,), actor_id)
    membership.status = ACTIVE
    membership.joined_dt = now or utcnow()
    membership.decided_by_id = actor_id
    db.session.flush()
    audit.record(
        "governance.membership.approved",
        subject_type="membership",
        subject_id=membership.id,
        data={"user_id": membership.user_id, "member_class": membership.member_class},
        actor_id=actor_id,
    )
    notices.application_decided(membership)
    return membership


def decline(membership: Membership, *, actor_id: int | None, reason: str = ""):
    """The secretary declines an application."""
    _decide(membership, (APPLIED,), actor_id)
    membership.status = DECLINED
    membership.decided_by_id = actor_id
    db.session.flush()
    # The applicant's own note stays as they wrote it. The reason, which speaks of them, is
    # told to them and kept in the entry's personal details, erased with their account.
    reason = reason.strip()[:500]
    audit.record(
        "governance.membership.declined",
        subject_type="membership",
        subject_id=membership.id,
        data={"user_id": membership.user_id},
        actor_id=actor_id,
        personal={"reason": reason} if reason else None,
    )
    notices.application_decided(membership, reason)
    return membership


def withdraw(membership: Membership, *, now: dt.datetime | None = None):
    """A member (or applicant) withdraws; an active member leaves the register."""
    _decide(membership, (APPLIED, ACTIVE))
    was_active = membership.status == ACTIVE
    membership.status = WITHDRAWN
    if was_active:
        membership.left_dt = now or utcnow()
    db.session.flush()
    audit.record(
        "governance.membership.withdrawn",
        subject_type="membership",
        subject_id=membership.id,
        data={"user_id": membership.user_id, "was_member": was_active},
        actor_id=membership.user_id,
    )
    return membership


def lapse(membership: Membership, *, actor_id: int | None, now: dt.datetime | None = None):
    """The secretary marks an active membership lapsed."""
    _decide(membership, (ACTIVE,), actor_id)
    membership.status = LAPSED
    membership.left_dt = now or utcnow()
    membership.decided_by_id = actor_id
    db.session.flush()
    audit.record(
        "governance.membership.lapsed",
        subject_type="membership",
        subject_id=membership.id,
        data={"user_id": membership.user_id},
        actor_id=actor_id,
    )
    return membership


@dataclass(frozen=True)
class RegisterLine:
    """One line of the register: a spell of membership and the member's name."""

    id: int
    user_id: int
    display_name: str
    member_class: str
    joined_dt: dt.datetime | None
    left_dt: dt.datetime | None
    status: str


def _register_query(former: bool):
    from lms.accounts.models import User

    statuses = (WITHDRAWN, LAPSED) if former else (ACTIVE,)
    return (
        select(Membership.id, Membership.user_id, _register_name(former).label("display_name"),
               Membership.member_class,
               Membership.joined_dt, Membership.left_dt, Membership.status)
        .join(User, User.id == Membership.user_id)
        .where(Membership.status.in_(statuses), Membership.joined_dt.is_not(None))
    )


def _register_name(former: bool):
    """The name on a register line: a former member whose account was erased keeps
    their name here (``former_name``) for the register's legal period."""
    from lms.accounts.models import User

    if former:
        return func.coalesce(Membership.former_name, User.display_name)
    return User.display_name


def _register_keys(former: bool = False):
    return [_register_name(former), Membership.id]


def register_page(*, former: bool = False, cursor: tuple | None = None,
                  per_page: int = PAGE_SIZE) -> Page:
    """One page of the register by name (keyset: the same cost on any page): current
    members, or with ``former`` those who left."""
    page = keyset_page(_register_query(former), _register_keys(former), cursor,
                       lambda r: (r.display_name, r.id), per_page=per_page, scalars=False)
    page.items = [RegisterLine(*row) for row in page.items]
    return page


def register_count(*, former: bool = False) -> tuple[int, bool]:
    """How many lines the register has (``(n, False)``), or "more than" a cap (``True``)."""
    return capped_count(_register_query(former).with_only_columns(Membership.id))


def iter_register(*, include_former: bool = True, batch: int = 1000) -> Iterator[RegisterLine]:
    """The whole register, current members then former ones, each by name, read a
    batch at a time (so a CSV of any size streams in constant memory; the first batch
    is small, so its first lines go out at once)."""
    for former in (False, True) if include_former else (False,):
        cursor = None
        size = min(100, batch)
        while True:
            page = register_page(former=former, cursor=cursor, per_page=size)
            size = batch
            yield from page.items
            if page.next_cursor is None:
                break
            last = page.items[-1]
            cursor = (last.display_name, last.id)


def register(*, include_former: bool = True) -> list[RegisterLine]:
    """The register of members: active members, then (optionally) former ones, by name."""
    return list(iter_register(include_former=include_former))


def applications() -> list[Membership]:
    """Pending applications, oldest first."""
    query = select(Membership).where(Membership.status == APPLIED).order_by(Membership.applied_dt)
    return list(db.session.scalars(query))


REGISTER_CSV_HEADER = ("name", "member_class", "joined", "left", "status")


def register_rows() -> Iterator[tuple[str, str, str, str, str]]:
    """The register as rows for CSV export (header :data:`REGISTER_CSV_HEADER`), read in
    batches as they are consumed."""
    classes = current_rules()["member_classes"]
    for m in iter_register():
        yield (
            m.display_name,
            classes.get(m.member_class, m.member_class),
            m.joined_dt.date().isoformat() if m.joined_dt else "",
            m.left_dt.date().isoformat() if m.left_dt else "",
            m.status,
        )
