"""Every page renders in each shipped language: a translation cannot break a page.

The shipped catalogues (``lms/translations``) are compiled into a temporary
folder (whatever ``make translations`` last built) and each language offered
even before its catalogue is complete; an administrator and a visitor then
fetch every page (the url map and a link of each kind from it) with the
language's cookie. A translation that renames a placeholder, or gives a
number's placeholder to text, raises while the page renders: it fails here,
not in front of a learner.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from lms.i18n import LANGUAGE_COOKIE
from lms.testing import SHIPPED_LANGUAGES as SHIPPED
from lms.testing import compile_shipped_catalogues

from .test_routes import seed_site
from .test_unmarked_text import crawl


@pytest.fixture(scope="module")
def compiled_catalogues(tmp_path_factory) -> str:
    return compile_shipped_catalogues(tmp_path_factory.mktemp("shipped"))


@pytest.fixture()
def app_config(app_config, compiled_catalogues):
    return {**app_config, "WTF_CSRF_ENABLED": False, "LMS_LANGUAGES": "en,ur,pl,gu",
            "LMS_LANGUAGE_MIN_TRANSLATED": 0, "BABEL_TRANSLATION_DIRECTORIES": compiled_catalogues}


def test_every_page_renders_in_each_language(app):
    assert app.config["LMS_LANGUAGE_LIST"] == ["en", *SHIPPED]
    path_values = seed_site(app)
    roles = {"anonymous": None, "admin": "admin@example.org"}
    broken, pages = [], 0
    for code in SHIPPED:
        for role, path, response in crawl(app, path_values, roles, per_endpoint=1,
                                          cookies={LANGUAGE_COOKIE: code}):
            pages += 1
            if isinstance(response, Exception):
                broken.append(f"{code} {role} {path}: {response!r}")
            elif response.status_code >= 500:
                broken.append(f"{code} {role} {path}: {response.status_code}")
            elif response.mimetype == "text/html":
                assert f'<html lang="{code}"' in response.get_data(as_text=True), (code, path)
    assert pages > 300, pages
    assert broken == [], "pages that fail in a language:\n" + "\n".join(broken)


def test_the_check_sees_a_broken_translation(make_app, tmp_path, compiled_catalogues):
    """A translation naming a placeholder its English lacks fails the page that shows it."""
    shutil.copytree(compiled_catalogues, tmp_path, dirs_exist_ok=True)
    po_path = Path(tmp_path) / "pl" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po:
        catalogue = read_po(po, locale="pl")
    catalogue["Skip to main content"].string = "Przejdź do %(where)s"
    with (po_path.with_suffix(".mo")).open("wb") as mo:
        write_mo(mo, catalogue)
    app = make_app({"LMS_LANGUAGES": "en,pl", "LMS_LANGUAGE_MIN_TRANSLATED": 0,
                    "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path)})
    client = app.test_client()
    client.set_cookie(LANGUAGE_COOKIE, "pl")
    with pytest.raises(KeyError, match="where"):  # tests see the error a visitor gets as a 500
        client.get("/")
