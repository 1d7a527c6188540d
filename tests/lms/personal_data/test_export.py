"""'My data': the archive of a person who did everything, and who may download it, once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile

from sqlalchemy import update

from lms.db import db, utcnow
from lms.personal_data.models import DataRequest
from lms.testing import csrf_token, export_walked

from .helpers import EMAIL, NAME, OLD_EMAIL


def _link(outbox) -> str:
    message = [m for m in outbox() if m.subject == "Your data is ready to download"][-1]
    return re.search(r"http://[^\s]+/account/data/download/\S+", message.body).group(0)


def _path(link: str) -> str:
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def _ask(client) -> None:
    token = csrf_token(client, "/account/data")
    response = client.post("/account/data/export", data={"csrf_token": token})
    assert response.status_code == 302


def _download(client, path):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token})


def test_the_export_holds_everything_and_never_a_secret_choice(app, ada, login, outbox):
    client = login(ada.user)
    _ask(client)
    path = _path(_link(outbox))
    page = client.get(path)
    assert page.status_code == 200 and "Download the zip file" in page.get_data(as_text=True)
    response = _download(client, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {"index.html", "data.json", "csv/profile.csv", "csv/quiz_attempts.csv",
            "csv/ballots.csv", "csv/groups.csv", "csv/announcements.csv"} <= names
    data = json.loads(archive.read("data.json"))
    sections = data["sections"]
    assert sections["profile"]["rows"][0]["email"] == EMAIL
    assert sections["profile"]["rows"][0]["display_name"] == NAME
    assert [r["course"] for r in sections["enrolments"]["rows"]] == ["co-op-basics"]
    assert len(sections["progress"]["rows"]) == 2
    (attempt,) = sections["quiz_attempts"]["rows"]
    assert attempt["answers"] == {"q1": ["yes"], "q2": "Rochdale"} and attempt["passed"]
    assert [r["group"] for r in sections["groups"]["rows"]] == ["Spring group"]
    assert [r["subject"] for r in sections["announcements"]["rows"]] == ["Welcome"]
    assert [r["status"] for r in sections["membership"]["rows"]] == ["active"]
    assert [r["text"] for r in sections["comments"]["rows"]] == ["I support meeting monthly."]
    assert [r["text"] for r in sections["discussion_posts"]["rows"]] == [
        "Who keeps the minutes?"]
    assert any(r["subject"] == "Welcome" or "Welcome" in r["subject"]
               for r in sections["emails"]["rows"])
    (cert,) = sections["certificates"]["rows"]
    assert archive.read(cert["pdf"]).startswith(b"%PDF")
    assert json.loads(archive.read(cert["credential"]))["credentialSubject"]
    ballots = {r["proposal"]: r for r in sections["ballots"]["rows"]}
    assert ballots["Meet monthly"]["choice"] == "for" and not ballots["Meet monthly"]["secret"]
    assert ballots["Elect the board"]["secret"] and ballots["Elect the board"]["choice"] == ""
    assert "against" not in json.dumps(sections["ballots"]["rows"])  # her secret choice
    changed = [r for r in sections["audit_events"]["rows"]
               if r["action"] == "lms.user.email_changed"]
    assert changed[0]["personal_details"] == {"from": OLD_EMAIL}
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/ballots.csv").decode())))
    assert {r["proposal"] for r in rows} == {"Meet monthly", "Elect the board"}
    summary = archive.read("index.html").decode()
    assert NAME in summary and "Your quiz attempts and answers" in summary
    assert "<script" not in summary


def test_the_link_works_once_for_its_owner_only(app, ada, make_user, login, outbox, client):
    owner = login(ada.user)
    _ask(owner)
    path = _path(_link(outbox))
    # Not signed in: to the login page; someone else: as if there were no such link.
    assert client.get(path).status_code == 302
    other = login(make_user())
    assert other.get(path).status_code == 404
    assert owner.get("/account/data/download/not-a-real-token").status_code == 404
    # Looking is not using.
    assert owner.get(path).status_code == 200
    assert _download(owner, path).status_code == 200
    again = owner.get(path)
    assert again.status_code == 410 and "has been used" in again.get_data(as_text=True)
    assert db.session.query(DataRequest).one().archive is None


def test_an_expired_link_gives_nothing(app, make_user, login, outbox):
    user = make_user()
    client = login(user)
    _ask(client)
    path = _path(_link(outbox))
    db.session.execute(update(DataRequest).values(due_dt=utcnow() - dt.timedelta(minutes=1)))
    db.session.commit()
    page = client.get(path)
    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)
    response = _download(client, path)
    assert response.status_code == 410


def test_an_admin_records_a_request_received_by_post(app, make_user, login, outbox):
    admin = make_user(roles=("learner", "admin"))
    person = make_user(email="po@example.org", name="Po Stal")
    client = login(admin)
    path = "/admin/data-requests"
    bad = client.post(path, data={"csrf_token": csrf_token(client, path),
                                  "email": "nobody@example.org", "kind": "export",
                                  "channel": "post", "note": "Letter of 3 Dec"})
    assert "No account has this email address." in bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'value="nobody@example.org"' in bad.get_data(as_text=True)
    own = client.post(path, data={"csrf_token": csrf_token(client, path), "email": admin.email,
                                  "kind": "export", "channel": "post", "note": "Letter"})
    assert "own &#39;My data&#39; page" in own.get_data(as_text=True)
    assert own.status_code == 400
    assert db.session.query(DataRequest).count() == 0
    response = client.post(path, data={"csrf_token": csrf_token(client, path),
                                       "email": "po@example.org", "kind": "export",
                                       "channel": "post",
                                       "note": "Letter of 3 Dec, signature checked"})
    assert response.status_code == 302
    request = db.session.query(DataRequest).one()
    assert (request.requested_by_id, request.channel, request.state) == (admin.id, "post",
                                                                         "ready")
    message = [m for m in outbox() if m.subject == "Your data is ready to download"][-1]
    assert message.recipient == admin.email
    link_path = _path(_link(outbox))
    # The link is the admin's to use: the person themself cannot use it.
    assert login(person).get(link_path).status_code == 404
    # Their own page does not send them looking in their email for it.
    theirs = login(person).get("/account/data").get_data(as_text=True)
    assert "the link went to the staff member who recorded your request" in theirs
    assert "the link is in your email" not in theirs
    assert _download(client, link_path).status_code == 200
    page = client.get(path).get_data(as_text=True)
    assert "Po Stal" in page and "Letter of 3 Dec, signature checked" in page


def test_only_admins_see_the_requests(app, make_user, login):
    assert login(make_user()).get("/admin/data-requests").status_code == 403


def test_one_export_at_a_time(app, make_user, login, outbox):
    client = login(make_user())
    _ask(client)
    _ask(client)  # the link is waiting: refused, with a message
    page = client.get("/account/data").get_data(as_text=True)
    assert "its link is in your email and still works" in page
    assert db.session.query(DataRequest).count() == 1
    assert _download(client, _path(_link(outbox))).status_code == 200
    _ask(client)  # used: a new one may be asked for
    assert db.session.query(DataRequest).count() == 2


def _everything_on_platforms(user, cohort):
    """Ada also came from a learning platform: every core table about her gets a row."""
    from lms.accounts.models import KnownAddress
    from lms.jobs.models import Job
    from lms.lti.models import (
        LtiAccount,
        LtiContext,
        LtiContextTeacher,
        LtiGradeLink,
        LtiGroupLink,
        LtiLaunch,
        LtiPlatform,
    )
    from lms.notifications.models import NotificationPreference

    platform = LtiPlatform(name="University VLE", issuer="https://vle.example.org",
                           client_id="c", auth_login_url="https://vle.example.org/a",
                           auth_token_url="https://vle.example.org/t",
                           key_set_url="https://vle.example.org/k", deployment_ids="d")
    db.session.add(platform)
    db.session.flush()
    context = LtiContext(platform_id=platform.id, context_id="course-9", title="Economics 101",
                         memberships_url="https://vle.example.org/m")
    db.session.add(context)
    db.session.flush()
    db.session.add_all([
        LtiAccount(platform_id=platform.id, subject="ada-at-vle", user_id=user.id),
        LtiLaunch(launch_id="launch-1", data={"iss": "https://vle.example.org",
                                              "sub": "ada-at-vle", "name": NAME}),
        LtiLaunch(launch_id="launch-2", data={"iss": "https://vle.example.org",
                                              "sub": "someone-else", "name": "Other"}),
        LtiGradeLink(platform_id=platform.id, user_id=user.id, subject="ada-at-vle",
                     course_path="/courses/co-op-basics",
                     ags={"lineitem": "https://vle.example.org/lineitems/7"}),
        LtiContextTeacher(context_id=context.id, user_id=user.id),
        LtiGroupLink(cohort_id=cohort.id, context_id=context.id, linked_by_id=user.id),
        KnownAddress(user_id=user.id, address_digest="f" * 64),
        NotificationPreference(user_id=user.id, kind="courses.reply", delivery="email"),
        Job(name="lms.personal_data.export", created_by_id=user.id, message="Prepared"),
    ])
    from lms.tokens import issue_token

    issue_token(user.id, "password-reset", dt.timedelta(hours=1))
    db.session.add(DataRequest(kind="export", user_id=user.id, channel="site", state="done"))
    db.session.commit()


def test_every_table_the_core_declares_personal_is_exported(app, ada):
    """Walks the declarations: a table declared personal must be in a section of its
    package's export (``ExportSection.tables``), so a table added later is not forgotten.

    Before, only the column coverage of the declarations was tested, never the export:
    the LTI tables, the sign-in places and the notice preferences were declared and
    left out of "Download my data"."""
    _everything_on_platforms(ada.user, ada.cohort)
    with app.test_request_context(method="POST"):
        by_key = export_walked(app, "lms", ada.user.id)
    empty = {key for key, s in by_key.items() if not s.rows}
    assert empty <= {"api_tokens"}  # Ada has a row in every other one
    assert by_key["platform_accounts"].rows == [
        {"platform": "University VLE", "your_id_there": "ada-at-vle",
         "linked": by_key["platform_accounts"].rows[0]["linked"]}]
    assert [r["sent"]["sub"] for r in by_key["platform_launches"].rows] == ["ada-at-vle"]
    assert by_key["platform_grade_links"].rows[0]["grade_goes_to"].endswith("/lineitems/7")
    assert by_key["platform_courses_taught"].rows[0]["course_there"] == "Economics 101"
    assert by_key["platform_group_links"].rows[0]["group_id"] == ada.cohort.id
    assert by_key["sign_in_places"].rows[-1]["fingerprint"] == "f" * 64
    assert "HMAC-SHA-256" in str(by_key["sign_in_places"].note)
    assert by_key["notification_preferences"].rows == [
        {"kind": "courses.reply", "delivery": "email",
         "changed": by_key["notification_preferences"].rows[0]["changed"]}]
    assert [r["task"] for r in by_key["background_work"].rows] == ["lms.personal_data.export"]
