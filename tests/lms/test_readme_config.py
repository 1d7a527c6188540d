"""The README's configuration table lists exactly the settings of ``lms.config.DEFAULTS``."""

from __future__ import annotations

import re
from pathlib import Path

from lms.config import DEFAULTS

README = Path(__file__).resolve().parents[2] / "README.md"


def configuration_table() -> list[str]:
    """Return the setting names in the first column of the README's configuration table."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Configuration\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no '## Configuration' section"
    names = re.findall(r"^\|\s*`(LMS_[A-Z0-9_]+)`\s*\|", match.group(1), re.MULTILINE)
    assert names, "the Configuration section has no table of `LMS_*` settings"
    return names


def test_readme_lists_every_setting_once():
    names = configuration_table()
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"listed twice in the README: {duplicates}"
    missing = sorted(set(DEFAULTS) - set(names))
    extra = sorted(set(names) - set(DEFAULTS))
    assert not missing, f"settings missing from the README table: {missing}"
    assert not extra, f"README lists settings lms/config.py does not have: {extra}"


def test_readme_defaults_match_the_code():
    text = README.read_text(encoding="utf-8")
    for name, default in DEFAULTS.items():
        row = re.search(rf"^\|\s*`{name}`\s*\|\s*(.*?)\s*\|", text, re.MULTILINE).group(1)
        if default in ("", None):
            assert row == "*(empty)*", f"{name}: README says {row}, code says empty"
        elif isinstance(default, bool):
            assert row == f"`{str(default).lower()}`", f"{name}: README says {row}"
        else:
            assert row == f"`{default}`", f"{name}: README says {row}, code says {default!r}"
