"""Pseudo-catalogues that also hold strings added since the shipped template was made.

The template (``lms/translations/messages.pot``) is regenerated after a change is merged,
so a test of a string that is new in the change extracts it from the source itself: from
some Python files (:func:`catalogues_with`), or from the whole project
(:func:`fresh_pseudo_translations`).
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


#: Pseudo-catalogues of the whole project, made once per test session (by languages).
_EXTRACTED: dict[tuple[str, ...], str] = {}


def fresh_pseudo_translations(tmp_path_factory, *codes: str) -> str:
    """Complete pseudo-catalogues for ``codes`` holding every string of the project as it is
    now, Python and templates alike (what ``make messages`` extracts, by ``babel.cfg``), so
    a page with a string new in the change shows it marked; made once per session.

    :param tmp_path_factory: pytest's, for the folder.
    :return: the folder, for ``BABEL_TRANSLATION_DIRECTORIES``.
    """
    if codes not in _EXTRACTED:
        _EXTRACTED[codes] = _with_every_string(tmp_path_factory.mktemp("translations"), codes)
    return _EXTRACTED[codes]


def _with_every_string(directory: Path, codes: tuple[str, ...]) -> str:
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, **KEYWORDS}
    # Folders starting with "." or "_" (the virtual environment) are skipped, as by pybabel.
    found = [
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
    ]
    folder = write_pseudo_catalogues(directory, codes)
    for code in codes:
        po = Path(folder) / code / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as f:
            catalogue = read_po(f)
        for message in found:
            if catalogue.get(message) is not None or not message:
                continue
            if isinstance(message, tuple):
                catalogue.add(
                    message,
                    tuple(
                        pseudo_translate(message[min(i, 1)]) for i in range(catalogue.num_plurals)
                    ),
                )
            else:
                catalogue.add(message, pseudo_translate(message))
        with po.open("wb") as f:
            write_po(f, catalogue)
        with po.with_suffix(".mo").open("wb") as f:
            write_mo(f, catalogue)
    return folder
