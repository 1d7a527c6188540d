"""Reading enrolment files (email, name) and writing CSV that spreadsheets cannot run.

An uploaded file is checked as a whole (size, encoding, columns) and then row
by row; every problem is reported with its row number, in words a tutor can
act on. Nothing here touches the database: :mod:`.operations` decides each
valid row's fate.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from lms.accounts.emails import normalise_email
from lms.input_guard import CONTROL

#: Characters that make a spreadsheet treat a cell as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NAME_MAX = 120
EMAIL_MAX = 320


class RosterFileError(ValueError):
    """The file as a whole cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class RosterRow:
    """One data row of an enrolment file. ``error`` is set when the row cannot be used."""

    row_no: int
    email: str
    name: str
    error: str | None = None

    def as_json(self) -> dict:
        return {"row": self.row_no, "email": self.email, "name": self.name, "error": self.error}

    @classmethod
    def from_json(cls, data: dict) -> RosterRow:
        return cls(data["row"], data["email"], data["name"], data.get("error"))


def _columns(header: list[str]) -> tuple[int, int]:
    names = [h.strip().lower() for h in header]
    missing = [c for c in ("email", "name") if c not in names]
    if missing:
        found = ", ".join(h.strip() for h in header if h.strip()) or _("nothing")
        raise RosterFileError(
            _(
                "The first row must name the columns “email” and “name”. Missing: %(missing)s."
                " The first row has: %(found)s.",
                missing=", ".join(f"“{m}”" for m in missing),
                found=found,
            )
        )
    return names.index("email"), names.index("name")


def _check_cell(label: str, value: str) -> str | None:
    if value.startswith(FORMULA_STARTS):
        return _(
            "The %(column)s starts with “%(char)s”, which spreadsheets run as a formula."
            " Remove that character.",
            column=label,
            char=value[0].replace("\t", "tab").replace("\r", "return"),
        )
    return None


def _row(row_no: int, email: str, name: str) -> RosterRow:
    raw_email = email
    email, name = email.strip(), " ".join(name.split())
    error = _check_cell(_("email"), raw_email.lstrip(" ")) or _check_cell(_("name"), name)
    if error is None and not email:
        error = _("The email address is empty.")
    if error is None and len(email) > EMAIL_MAX:
        error = _("The email address is too long.")
    if error is None:
        try:
            validate_email(email, check_deliverability=False)
            # The accounts' own form, not email_validator's (which also turns a punycode
            # domain into Unicode): a row must find the account its address registered.
            email = normalise_email(email)
        except EmailNotValidError:
            error = _("“%(email)s” is not a valid email address.", email=email)
    if error is None and not name:
        error = _("The name is empty.")
    if error is None and CONTROL.search(name):
        # The site's forms refuse these in a name (lms.input_guard); a file must not
        # bring them in either (an escape sequence, a bell, in every page and mail).
        error = _("The name contains a control character, which is not text. Remove it.")
    if error is None and len(name) > NAME_MAX:
        error = _("The name is longer than %(max)d characters.", max=NAME_MAX)
    return RosterRow(row_no, email, name, error)


def read_roster(data: bytes, *, max_bytes: int, max_rows: int) -> list[RosterRow]:
    """Parse an enrolment file: a header row naming ``email`` and ``name``, then one row each.

    Row numbers are those a spreadsheet shows (the header is row 1). Blank
    lines are skipped. Other columns are ignored.

    :raises RosterFileError: the file is too big, not UTF-8, not CSV, has no
        usable header or too many rows.
    """
    if len(data) > max_bytes:
        raise RosterFileError(
            _(
                "The file is larger than %(kb)d KB. Split it into smaller files.",
                kb=max_bytes // 1024,
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterFileError(
            _(
                "The file is not UTF-8 text (a problem near byte %(pos)d). In your spreadsheet,"
                " save it as “CSV UTF-8”.",
                pos=exc.start + 1,
            )
        ) from exc
    if "\x00" in text:
        raise RosterFileError(_("The file is not a CSV text file."))
    reader = csv.reader(io.StringIO(text, newline=""))
    # Rows counted as records, not lines (``reader.line_num``): a cell with a line break
    # is one row in a spreadsheet, and every row after it was named one too far on.
    records = enumerate(reader, start=1)
    try:
        header = next((r for _n, r in records if any(c.strip() for c in r)), None)
        if header is None:
            raise RosterFileError(_("The file is empty."))
        email_at, name_at = _columns(header)
        rows = []
        for row_no, record in records:
            if not any(c.strip() for c in record):
                continue
            if len(rows) >= max_rows:
                raise RosterFileError(
                    _(
                        "The file has more than %(max)d rows. Split it into smaller files.",
                        max=max_rows,
                    )
                )
            if len(record) <= max(email_at, name_at):
                rows.append(
                    RosterRow(
                        row_no,
                        record[email_at].strip() if len(record) > email_at else "",
                        "",
                        _("This row has fewer columns than the first row."),
                    )
                )
                continue
            rows.append(_row(row_no, record[email_at], record[name_at]))
    except csv.Error as exc:
        raise RosterFileError(
            _("The file is not valid CSV (line %(line)d).", line=reader.line_num)
        ) from exc
    if not rows:
        raise RosterFileError(_("The file has a header row but no learners."))
    return rows


def neutralise(value: object) -> str:
    """A cell a spreadsheet shows as text, never runs: formula starters get a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Yield CSV text line by line (for streaming), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(c) for c in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
