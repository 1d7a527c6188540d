"""The archive's summary is written in its person's language, dated in their time zone.

The catalogues are the tests' pseudo-translations (every string wrapped in ⟦ ⟧),
so text that went through the Urdu catalogue is told apart from English.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest

from lms.db import db
from lms.i18n import format_in_zone
from lms.personal_data import operations
from lms.personal_data.models import DataRequest
from lms.testing import pseudo_translate


@pytest.fixture()
def app_config(app_config, pseudo_translations):
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": pseudo_translations("ur", "pl", "gu")}


def _archive(request_id: int) -> zipfile.ZipFile:
    data = db.session.get(DataRequest, request_id).archive
    return zipfile.ZipFile(io.BytesIO(data))


def _urdu_speaker(make_user):
    person = make_user(email="zara@example.org", name="Zara")
    person.locale, person.time_zone = "ur", "Asia/Karachi"
    db.session.commit()
    return person


def test_the_summary_is_in_the_persons_language_and_time_zone(app, make_user, outbox):
    person = _urdu_speaker(make_user)
    request = operations.request_export(person)
    db.session.commit()
    archive = _archive(request.id)
    summary = archive.read("index.html").decode()
    assert '<html lang="ur" dir="rtl">' in summary
    assert pseudo_translate("Your account") in summary  # a section's heading
    generated = json.loads(archive.read("data.json"))["generated"]
    # Programs get ISO 8601 in UTC; people a date in their language and zone.
    when = dt.datetime.fromisoformat(generated)
    assert when.utcoffset() == dt.timedelta(0)
    assert generated not in summary
    assert format_in_zone(when, "Asia/Karachi", "ur") in summary
    assert "(Asia/Karachi)" in summary
    (mail,) = [m for m in outbox() if m.recipient == person.email]
    assert mail.subject == pseudo_translate("Your data is ready to download")


def test_an_archive_recorded_by_an_admin_is_in_the_persons_language(app, make_user, outbox):
    admin = make_user(roles=("learner", "admin"))
    person = _urdu_speaker(make_user)
    request = operations.request_export(person, requested_by=admin, channel="post")
    db.session.commit()
    summary = _archive(request.id).read("index.html").decode()
    assert '<html lang="ur" dir="rtl">' in summary
    # The mail goes to the admin, in the admin's language (English here).
    (mail,) = [m for m in outbox() if m.recipient == admin.email]
    assert mail.subject == "Your data is ready to download"


def test_an_english_summary_is_dated_in_the_sites_time_zone(app, make_user):
    person = make_user()
    request = operations.request_export(person)
    db.session.commit()
    archive = _archive(request.id)
    summary = archive.read("index.html").decode()
    assert '<html lang="en" dir="ltr">' in summary
    when = dt.datetime.fromisoformat(json.loads(archive.read("data.json"))["generated"])
    assert format_in_zone(when, app.config["LMS_TIME_ZONE"], "en") in summary
