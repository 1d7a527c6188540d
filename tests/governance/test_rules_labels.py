"""The rules page's member classes and minor corrections in the reader's language, as shipped;
in the co-op's own words once it renamed them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

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


def _polish(user):
    user.locale = "pl"
    db.session.commit()
    return user


def test_every_page_shows_member_classes_as_the_rules_page_does(
        make_user, login, make_members, start_ballot):
    """The register, a result by member class and a member's own page: a shipped label in
    the reader's language, the co-op's own as written."""
    from .views_helpers import close_now, make_member

    rules = validate_rules({"member_classes": {"learner": "Learner member",
                                               "worker": "Staff co-operator"}})
    db.session.add(Rulebook(version=2, rules=rules))
    db.session.commit()
    secretary = _polish(make_member(make_user, roles=("admin",)))
    make_member(make_user, member_class="worker")
    proposer, *seconders = make_members(3)
    ballot = start_ballot(proposer, seconders)
    close_now(ballot)
    client = login(secretary)
    shipped = f"{PSEUDO_OPEN}Learner member{PSEUDO_CLOSE}"
    pages = {
        "/governance/register": (f">{shipped}</td>", "><bdi>Staff co-operator</bdi></td>"),
        f"/governance/proposals/{ballot.proposal_id}/result": (
            f">{shipped}</th>", "><bdi>Staff co-operator</bdi></th>"),
        "/governance/membership": (f"<dd>{shipped}</dd>", None),
    }
    for path, (translated, own) in pages.items():
        html = client.get(path).get_data(as_text=True)
        assert translated in html, path
        assert own is None or own in html, path
        assert ">Learner member<" not in html, path


def test_the_secretary_sees_applicants_classes_in_the_readers_language(make_user, login):
    from governance import operations as ops

    from .views_helpers import make_member

    secretary = _polish(make_member(make_user, roles=("admin",)))
    applicant = make_user()
    ops.apply_for_membership(applicant.id, "worker")
    db.session.commit()
    shipped = f"{PSEUDO_OPEN}Worker member{PSEUDO_CLOSE}"
    for path in ("/governance/secretary/", "/governance/secretary/applications"):
        html = login(secretary).get(path).get_data(as_text=True)
        assert shipped in html and ">Worker member" not in html, path
    # And the applicant chose it from labels in their language.
    html = login(_polish(make_user())).get("/governance/membership").get_data(as_text=True)
    assert f"{PSEUDO_OPEN}Supporter member{PSEUDO_CLOSE}</label>" in html


def test_minor_corrections_are_offered_and_listed_in_the_readers_language(
        make_user, login, make_course):
    """The correction's label is recorded as the rules name it, and shown translated."""
    from courses.models import Correction
    from lms.testing import csrf_token

    course = make_course(lessons=1, quiz=False)
    lesson = course.items[0]
    author = _polish(make_user(roles=("admin",)))
    client = login(author)
    page = f"/courses/author/{course.slug}/items/{lesson.id}"
    html = client.get(page).get_data(as_text=True)
    assert f">{PSEUDO_OPEN}Spelling, grammar or punctuation{PSEUDO_CLOSE}</option>" in html
    response = client.post(page, data={
        "csrf_token": csrf_token(client, page), "title": lesson.title, "body_md": "Fixed text",
        "estimated_minutes": "5", "required": "y", "fix-correction": "spelling",
        "fix-correction_note": "A typo."})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert db.session.scalar(select(Correction.label)) == "Spelling, grammar or punctuation"
    html = client.get(f"/courses/{course.slug}/changes").get_data(as_text=True)
    assert f">{PSEUDO_OPEN}Spelling, grammar or punctuation{PSEUDO_CLOSE}</td>" in html
    # A kind the rules renamed since is shown as recorded, isolated.
    db.session.add(Rulebook(version=2, rules=validate_rules(
        {"minor_corrections": {"spelling": "Typing mistakes"}})))
    db.session.commit()
    html = client.get(f"/courses/{course.slug}/changes").get_data(as_text=True)
    assert "><bdi>Spelling, grammar or punctuation</bdi></td>" in html
