"""Mail is written in its recipient's language, decided from them, not from the request.

The catalogues here are the tests' pseudo-translations (every string of the
template wrapped in ⟦ ⟧), so a subject or body that went through the Polish
catalogue is told apart from English whatever the real catalogues hold; the
dates are Babel's Polish ones.
"""

from __future__ import annotations

import io

import pytest
from babel import Locale
from pypdf import PdfReader

from certificates.models import Certificate
from courses.cohorts import invitations
from lms import signals
from lms.db import db as _db
from lms.i18n import in_language_of, recipient_language
from lms.testing import pseudo_translate
from tests.certificates.conftest import snapshot

from .cohort_helpers import announcement_form, make_cohort, seat
from .conftest import token


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("ur", "pl", "gu")}


def _speaking(make_user, locale, **kwargs):
    user = make_user(**kwargs)
    user.locale = locale
    _db.session.commit()
    return user


def test_the_recipients_language_is_their_choice_when_offered(app):
    assert recipient_language("pl") == "pl"
    assert recipient_language(None) == "en"
    assert recipient_language("fr") == "en"  # not offered: the site's first language
    with in_language_of("pl") as lang:
        assert lang == "pl"


def test_a_password_reset_asked_in_english_is_written_in_polish(app, client, make_user, outbox):
    polish = _speaking(make_user, "pl", email="ola@example.org")
    english = make_user(email="sam@example.org")
    for person in (polish, english):
        client.post("/account/reset", data={"csrf_token": token(client, "/account/reset"),
                                            "email": person.email},
                    headers={"Accept-Language": "en"})
    mails = {m.recipient: m for m in outbox()}
    assert mails["ola@example.org"].subject == pseudo_translate("Reset your password")
    assert "⟦" in mails["ola@example.org"].body
    assert mails["sam@example.org"].subject == "Reset your password"
    assert "⟦" not in mails["sam@example.org"].body


def test_a_group_invitation_follows_the_invited_person_not_the_tutor(app, make_user,
                                                                    make_course, outbox):
    tutor = _speaking(make_user, "ur", roles=("tutor",))  # the tutor reads Urdu
    cohort = make_cohort(make_course(), tutors=[tutor])
    polish = _speaking(make_user, "pl")
    _db.session.refresh(tutor)  # loaded, as the signed-in inviter is
    invitations.invite_many(cohort, [polish], tutor)  # as a job does: no request at all
    _db.session.commit()
    mail = outbox()[-1]
    assert mail.recipient == polish.email
    assert mail.subject.startswith("⟦You are invited to join the group")
    assert mail.body.startswith(pseudo_translate("Hello %(name)s,") % {"name": polish.display_name})
    # The expiry date in Polish (Babel's month names), not in English.
    months = Locale("pl").months["format"]["abbreviated"].values()
    assert any(f" {month} " in mail.body for month in months)


def test_an_announcement_reaches_each_member_in_their_language(app, make_user, login,
                                                               make_course, outbox):
    tutor = make_user(roles=("tutor",))
    cohort = make_cohort(make_course(), tutors=[tutor])
    polish, english = _speaking(make_user, "pl"), make_user()
    seat(cohort, polish)
    seat(cohort, english)
    client = login(tutor)
    url = f"/courses/cohorts/{cohort.id}/announcements"
    client.post(url, data={**announcement_form(client, url), "subject": "Week 2",
                           "body": "Read module 2"})
    mails = {m.recipient: m for m in outbox()}
    assert mails[polish.email].subject == pseudo_translate("%(cohort)s: %(subject)s") % {
        "cohort": cohort.name, "subject": "Week 2"}
    assert mails[english.email].subject == f"{cohort.name}: Week 2"


def test_a_certificate_and_its_mail_are_in_the_learners_language(app, make_user, outbox):
    learner = _speaking(make_user, "pl", name="Zofia Wójcik")
    signals.course_completed.send(app, completion=snapshot(learner, language=learner.locale))
    _db.session.commit()
    cert = _db.session.scalars(_db.select(Certificate)
                               .where(Certificate.user_id == learner.id)).one()
    assert cert.language == "pl"
    mail = outbox()[-1]
    assert mail.subject == pseudo_translate("Your certificate: %(course)s") % {
        "course": cert.course_title}
    text = PdfReader(io.BytesIO(cert.pdf)).pages[0].extract_text()
    assert pseudo_translate("Certificate of completion") in text and "Zofia Wójcik" in text
    english = make_user()
    signals.course_completed.send(app, completion=snapshot(english))
    _db.session.commit()
    other = _db.session.scalars(_db.select(Certificate)
                                .where(Certificate.user_id == english.id)).one()
    assert other.language == "en"
    assert "Certificate of completion" in PdfReader(io.BytesIO(other.pdf)).pages[0].extract_text()
