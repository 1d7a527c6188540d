"""Pseudo-catalogues that also hold strings added since the shipped template was made.

The template (``lms/translations/messages.pot``) is regenerated after a change is merged,
so a test of a string that is new in the change extracts it from the source itself.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from lms.testing import pseudo_translate, write_pseudo_catalogues

ROOT = Path(__file__).resolve().parents[1]
#: The keywords ``make translations`` extracts (and gettext's own).
KEYWORDS = {"_": None, "_l": None, "gettext": None, "lazy_gettext": None}


def catalogues_with(directory: Path, code: str, *sources: str) -> str:
    """Complete pseudo-catalogues for ``code`` in ``directory`` (see
    :func:`lms.testing.write_pseudo_catalogues`) plus the strings of the Python
    ``sources`` (paths from the project's root) as they are now; returns the folder
    for ``BABEL_TRANSLATION_DIRECTORIES``."""
    folder = write_pseudo_catalogues(directory, (code,))
    po = Path(folder) / code / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalogue = read_po(f)
    for source in sources:
        for _line, message, _comments, _context in extract_from_file(
            "python", str(ROOT / source), keywords=KEYWORDS
        ):
            if isinstance(message, str) and catalogue.get(message) is None:
                catalogue.add(message, pseudo_translate(message))
    with po.open("wb") as f:
        write_po(f, catalogue)
    with po.with_suffix(".mo").open("wb") as f:
        write_mo(f, catalogue)
    return folder
