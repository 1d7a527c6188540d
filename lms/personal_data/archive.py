"""The "my data" archive: a readable summary, JSON and a CSV per section, and files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from typing import Any

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

from ..i18n import format_in_zone
from .contract import ExportSection

#: The summary's own styles (it opens from the archive, with no site around it).
SUMMARY_CSS = Markup(
    "body { font-family: system-ui, sans-serif; line-height: 1.5; margin: 0 auto;"
    " max-width: 60rem; padding: 1rem; color: #1a1a1a; }"
    " table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }"
    " th, td { border: 1px solid #888; padding: 0.25rem 0.5rem; text-align: start;"
    " vertical-align: top; }"
    " .wrap { overflow-x: auto; } pre { white-space: pre-wrap; margin: 0; }"
)

#: A fixed time for every entry, so the same data makes the same archive.
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def _cell(value: Any) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is None:
        return ""
    return str(value)


def section_csv(section: ExportSection) -> str:
    """One section's rows as CSV (nested values as JSON), a header row first.

    Cells that a spreadsheet would run as a formula are prefixed with ``'``.
    """
    out = io.StringIO()
    keys = list(section.rows[0]) if section.rows else []
    writer = csv.writer(out)
    writer.writerow(keys)
    for row in section.rows:
        cells = [_cell(row.get(k)) for k in keys]
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in cells])
    return out.getvalue()


def build_archive(person: dict[str, Any], sections: list[ExportSection],
                  generated: dt.datetime, time_zone: str) -> bytes:
    """The zip: ``index.html``, ``data.json``, ``csv/<section>.csv`` and each section's files.

    The summary is written in the current locale (the caller forces the person's)
    and says when it was prepared in ``time_zone``; ``data.json`` keeps the time
    as ISO 8601 in UTC, for programs.

    :param generated: when the archive was prepared (aware, UTC).
    :param time_zone: the person's IANA time zone, for the summary's date.
    """
    buffer = io.BytesIO()
    document = {
        "generated": generated.isoformat(timespec="seconds"),
        "person": person,
        "sections": {s.key: {"title": str(s.title), "note": str(s.note), "rows": s.rows}
                     for s in sections},
    }
    locale = get_locale()
    summary = render_template(
        "lms/personal_data/export_summary.html", person=person, sections=sections,
        generated=format_in_zone(generated, time_zone, str(locale)), css=SUMMARY_CSS,
        direction="rtl" if locale.character_order == "right-to-left" else "ltr")

    def add(name: str, data: bytes | str) -> None:
        info = zipfile.ZipInfo(name, _ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, data)

    with zipfile.ZipFile(buffer, "w") as archive:
        add("index.html", summary)
        add("data.json", json.dumps(document, ensure_ascii=False, indent=2, default=str))
        for section in sections:
            add(f"csv/{section.key}.csv", section_csv(section))
            for name, data in sorted(section.files.items()):
                add(name, data)
    return buffer.getvalue()
