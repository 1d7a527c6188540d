"""The personal data contract: what each package declares and provides.

Each package (the core and every plugin) declares the tables it keeps and,
for each table, which columns hold personal data (or link a row to a
person) and which do not, with the purpose, lawful basis and retention in
plain words. It provides functions that export one person's data and erase
it. The core (:mod:`lms.personal_data.registry`) collects these and drives
export, closure and retention across packages without importing any plugin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

#: Lawful bases (UK GDPR article 6), with their plain-language names.
CONTRACT = "contract"
LEGAL_OBLIGATION = "legal_obligation"
LEGITIMATE_INTERESTS = "legitimate_interests"
CONSENT = "consent"
LAWFUL_BASES = {
    CONTRACT: _l("To provide the service you signed up for"),
    LEGAL_OBLIGATION: _l("Required by law"),
    LEGITIMATE_INTERESTS: _l("The Centre's legitimate interests"),
    CONSENT: _l("Your consent"),
}

#: What closing an account does to a table's rows about the person.
ERASED = "erased"  # deleted, or personal fields emptied
PSEUDONYMISED = "pseudonymised"  # kept, linked only to a nameless former account
KEPT = "kept"  # kept as it is, for the reason given (a legal duty, a public record)
NOT_PERSONAL = "not_personal"  # the table holds nothing about a person
ON_CLOSURE = (ERASED, PSEUDONYMISED, KEPT, NOT_PERSONAL)


@dataclass(frozen=True)
class TableDeclaration:
    """One table and what it holds about people.

    Every column of the table is named in exactly one of ``personal`` and
    ``other``; a test fails when a model gains a column no declaration
    names, so a new column is always looked at.

    :param table: the table's name.
    :param label: what the records are, in plain words ("Quiz attempts and your answers").
    :param purpose: why they are kept.
    :param lawful_basis: one of :data:`LAWFUL_BASES`.
    :param retention: how long, in plain words.
    :param personal: columns that hold personal data or link a row to a person.
    :param other: every other column.
    :param on_closure: one of :data:`ON_CLOSURE`.
    :param closure_note: why it is kept or how it is pseudonymised, for the closure page.
    """

    table: str
    label: Any
    purpose: Any = ""
    lawful_basis: str = CONTRACT
    retention: Any = ""
    personal: tuple[str, ...] = ()
    other: tuple[str, ...] = ()
    on_closure: str = ERASED
    closure_note: Any = ""

    def __post_init__(self) -> None:
        if self.lawful_basis not in LAWFUL_BASES:
            raise ValueError(f"{self.table}: unknown lawful basis {self.lawful_basis!r}")
        if self.on_closure not in ON_CLOSURE:
            raise ValueError(f"{self.table}: unknown closure treatment {self.on_closure!r}")
        both = set(self.personal) & set(self.other)
        if both:
            raise ValueError(f"{self.table}: columns declared twice: {sorted(both)}")

    @property
    def columns(self) -> set[str]:
        return {*self.personal, *self.other}

    @property
    def holds_personal_data(self) -> bool:
        return self.on_closure != NOT_PERSONAL


def not_personal(table: str, *columns: str) -> TableDeclaration:
    """Declare a table that holds nothing about any person (course content, settings)."""
    return TableDeclaration(table, label=table, other=columns, on_closure=NOT_PERSONAL)


@dataclass
class ExportSection:
    """One part of a person's export: rows of plain data and, optionally, files.

    :param key: a file-name-safe name (``quiz_attempts``); the CSV is ``<key>.csv``.
    :param title: the heading in the readable summary.
    :param rows: plain JSON-able dicts, all with the same keys.
    :param files: extra files by path inside the archive (a certificate's PDF).
    :param note: a sentence shown under the heading (what is left out and why).
    :param tables: the declared tables whose rows about the person the section holds
        (a test checks that every table a package declares personal is in one of its
        sections, so a table added later is not left out of the export).
    """

    key: str
    title: Any
    rows: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    note: Any = ""
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class ErasureSubject:
    """The person being erased, as the core read them before it started.

    Erase functions run in one transaction per person, plugins first (in
    reverse load order), the core last; each must be safe to run again on
    what it has already erased (a re-run after a crash starts from the top).

    :param pseudonym: the name that replaces the person's where a record is kept.
    :param revoke_certificates: the person chose to revoke their certificates.
    """

    user_id: int
    email: str
    display_name: str
    pseudonym: str
    now: dt.datetime
    revoke_certificates: bool = False


@dataclass(frozen=True)
class Kept:
    """Something closing this account would keep, with the reason, for the closure page."""

    what: Any
    why: Any
    until: dt.datetime | None = None


@dataclass(frozen=True)
class RetentionRule:
    """A retention rule as data: shown on the privacy page, applied by ``lms retention run``.

    :param apply: ``apply(now) -> int`` deletes or empties what is past its
        time and returns how many records it touched; it writes in the
        caller's transaction and must be safe to run again.
    """

    key: str
    label: Any
    period: Callable[[], Any]
    apply: Callable[[dt.datetime], int]


@dataclass(frozen=True)
class PersonalDataProvider:
    """What one package declares and provides (see :func:`register_personal_data`).

    :param export: ``export(user_id) -> list[ExportSection]``.
    :param erase: ``erase(subject: ErasureSubject) -> None``.
    :param kept: ``kept(user_id) -> list[Kept]``: what closing this
        person's account would keep and why.
    """

    owner: str
    tables: Sequence[TableDeclaration]
    export: Callable[[int], list[ExportSection]] | None = None
    erase: Callable[[ErasureSubject], None] | None = None
    kept: Callable[[int], list[Kept]] | None = None
    retention: Sequence[RetentionRule] = ()
