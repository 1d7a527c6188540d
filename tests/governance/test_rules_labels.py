"""The rules page's member classes and minor corrections in the reader's language, as shipped;
in the co-op's own words once it renamed them."""

from __future__ import annotations

import pytest

from governance.models import Rulebook
from governance.rules import DEFAULT_RULES, SHIPPED_LABELS, validate_rules
from lms.db import db
from lms.testing import PSEUDO_CLOSE, PSEUDO_OPEN
from tests.fresh_catalogues import catalogues_with


@pytest.fixture()
def app_config(app_config, tmp_path_factory):
    # Interface text in Polish is ⟦wrapped⟧: it shows which text went through the catalogue.
    folder = catalogues_with(tmp_path_factory.mktemp("translations"), "pl",
                             "governance/rules.py")
    return {**app_config, "LMS_LANGUAGES": "en,pl", "BABEL_TRANSLATION_DIRECTORIES": folder}


def test_every_shipped_label_is_marked_for_the_catalogue():
    shipped = {*DEFAULT_RULES["member_classes"].values(),
               *DEFAULT_RULES["minor_corrections"].values()}
    assert shipped == set(SHIPPED_LABELS)
    assert all(str(SHIPPED_LABELS[label]) == label for label in shipped)  # English as shipped


def test_shipped_labels_are_translated_and_the_co_ops_own_shown_as_written(client):
    polish = {"Accept-Language": "pl"}
    page = client.get("/governance/rules", headers=polish).get_data(as_text=True)
    for label in SHIPPED_LABELS:
        assert f"<li>{PSEUDO_OPEN}{label}{PSEUDO_CLOSE}</li>" in page, label
    # The co-op renames a class and adds a correction by a rules change: its words.
    rules = validate_rules({
        "member_classes": {"learner": "Learner member", "worker": "Staff co-operator"},
        "minor_corrections": {"spelling": "Spelling, grammar or punctuation",
                              "alt_text": "Text that describes a picture"},
    })
    db.session.add(Rulebook(version=2, rules=rules))
    db.session.commit()
    page = client.get("/governance/rules", headers=polish).get_data(as_text=True)
    assert f"<li>{PSEUDO_OPEN}Learner member{PSEUDO_CLOSE}</li>" in page
    assert "<li><bdi>Staff co-operator</bdi></li>" in page
    assert "<li><bdi>Text that describes a picture</bdi></li>" in page
    assert "Worker member" not in page
    english = client.get("/governance/rules").get_data(as_text=True)
    assert "<li>Learner member</li>" in english and "<bdi>Staff co-operator</bdi>" in english
