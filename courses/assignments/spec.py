"""An assignment's settings as plain data (the ``assignment`` column, the file's keys).

``{"due_after_days": 14 | None, "text": True, "files": None | {"types": ["pdf"],
"max_kb": 2048, "max_count": 3, "archives": False}, "rubric": [{"id", "title",
"levels": [{"id", "title", "points", "description"}]}]}``
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

#: The file types an author may allow: name -> (content type, label in the reader's language).
FILE_TYPES: dict[str, tuple[str, Any]] = {
    "pdf": ("application/pdf", _l("PDF")),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _l("Word (.docx)"),
    ),
    "odt": ("application/vnd.oasis.opendocument.text", _l("OpenDocument text (.odt)")),
    "txt": ("text/plain; charset=utf-8", _l("plain text")),
    "png": ("image/png", _l("PNG image")),
    "jpeg": ("image/jpeg", _l("JPEG image")),
    "zip": ("application/zip", _l("ZIP archive")),
}
#: Types that are archives: allowed only when the author also says ``archives: true``.
ARCHIVE_TYPES = frozenset({"zip"})
#: The largest file an author may allow, in KiB (the request limit is the site's).
MAX_KB = 20 * 1024


@dataclass(frozen=True)
class Level:
    key: str
    title: str
    points: int
    description: str = ""


@dataclass(frozen=True)
class Criterion:
    key: str
    title: str
    levels: tuple[Level, ...]

    def level(self, key: str) -> Level | None:
        return next((lv for lv in self.levels if lv.key == key), None)


@dataclass(frozen=True)
class AssignmentSpec:
    due_after_days: int | None
    text: bool
    file_types: tuple[str, ...]
    max_kb: int
    max_count: int
    archives: bool
    rubric: tuple[Criterion, ...]

    @property
    def files(self) -> bool:
        return bool(self.file_types)

    @property
    def max_bytes(self) -> int:
        return self.max_kb * 1024

    def allows(self, file_type: str) -> bool:
        if file_type in ARCHIVE_TYPES and not self.archives:
            return False
        return file_type in self.file_types

    def labels(self) -> list[str]:
        """The names of the allowed file types, for people (in their language)."""
        return [str(FILE_TYPES[t][1]) for t in self.file_types if self.allows(t)]

    def due_on(self, start: dt.date | None) -> dt.date | None:
        """The due date for a group starting on ``start`` (none at one's own pace)."""
        if start is None or self.due_after_days is None:
            return None
        return start + dt.timedelta(days=self.due_after_days)

    @property
    def max_points(self) -> int:
        return sum(max((lv.points for lv in c.levels), default=0) for c in self.rubric)


def spec_of(data: dict[str, Any] | None) -> AssignmentSpec:
    """The spec from the stored plain data."""
    data = data or {}
    files = data.get("files") or {}
    return AssignmentSpec(
        due_after_days=data.get("due_after_days"),
        text=bool(data.get("text", True)),
        file_types=tuple(files.get("types", ())),
        max_kb=int(files.get("max_kb", 0) or 0),
        max_count=int(files.get("max_count", 1) or 1),
        archives=bool(files.get("archives", False)),
        rubric=tuple(
            Criterion(
                c["id"], c["title"],
                tuple(Level(lv["id"], lv["title"], int(lv["points"]), lv.get("description", ""))
                      for lv in c.get("levels", ())),
            )
            for c in data.get("rubric", ())
        ),
    )
