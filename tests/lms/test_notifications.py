"""Notifications: publishing, preferences, the bell, the list, email, digests and unsubscribing."""

from __future__ import annotations

import email
import re

import pytest
from sqlalchemy import event, func, select, update

from lms import directread
from lms.contracts import NotificationKind
from lms.notifications import (
    Notification,
    NotificationError,
    NotificationPreference,
    notify,
    send_digests,
    set_preferences,
    unsubscribe_token,
)
from lms.plugins import PluginError, register_notification_kind
from lms.testing import csrf_token

from .conftest import html_of
from .test_password_reset import smtp_server  # noqa: F401, F811 (a fixture)

KIND = "lms.test_news"


@pytest.fixture()
def kinds(app):
    register_notification_kind(
        app, NotificationKind(KIND, "Test news", "When a test has news."), owner="lms"
    )
    register_notification_kind(
        app, NotificationKind("lms.test_quiet", "Quiet news", default="site"), owner="lms"
    )
    return app


def _notices(db, user_id=None):
    db.session.expire_all()
    query = select(Notification).order_by(Notification.id)
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    return list(db.session.scalars(query))


def test_notice_stored_and_emailed_with_one_click_unsubscribe(kinds, db, make_user, outbox):
    alice, bob, actor = make_user(), make_user(), make_user()
    n = notify([alice.id, bob.id, actor.id, alice.id], KIND, "A ballot opened", "Vote by Friday.",
               "/governance/ballots/3", actor_id=actor.id)
    db.session.commit()
    assert n == 2
    notices = _notices(db)
    assert sorted(x.user_id for x in notices) == sorted([alice.id, bob.id])  # never the actor
    assert all(x.email_state == "sent" and x.read_dt is None for x in notices)
    mails = outbox()
    assert sorted(m.recipient for m in mails) == sorted([alice.email, bob.email])
    mail = next(m for m in mails if m.recipient == alice.email)
    assert mail.subject == "A ballot opened"
    assert "Vote by Friday." in mail.body
    assert "http://localhost/governance/ballots/3" in mail.body
    token = unsubscribe_token(alice.id, KIND)
    assert mail.headers["List-Unsubscribe"] == f"<http://localhost/notifications/unsubscribe/{token}>"
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/notifications/unsubscribe/{token}" in mail.body
    assert "Test news" in mail.body


def test_a_preference_turned_off_sends_nothing(kinds, db, make_user, outbox):
    quiet, keen = make_user(), make_user()
    set_preferences(quiet.id, {KIND: "off"})
    db.session.commit()
    assert notify([quiet.id, keen.id], KIND, "News", link="/x") == 1
    db.session.commit()
    assert [x.user_id for x in _notices(db)] == [keen.id]
    assert [m.recipient for m in outbox()] == [keen.email]


def test_site_only_stores_without_mail_and_inactive_accounts_get_nothing(
    kinds, db, make_user, outbox
):
    site, gone = make_user(), make_user()
    set_preferences(site.id, {KIND: "site"})
    gone.is_active_account = False
    db.session.commit()
    notify([site.id, gone.id], KIND, "News")
    db.session.commit()
    (notice,) = _notices(db)
    assert (notice.user_id, notice.email_state) == (site.id, None)
    assert outbox() == []


def test_kind_default_applies_until_chosen(kinds, db, make_user, outbox):
    person = make_user()
    notify([person.id], "lms.test_quiet", "Quiet")
    db.session.commit()
    assert len(_notices(db)) == 1 and outbox() == []


def test_digest_gathers_notices_into_one_mail_sent_once(kinds, db, make_user, outbox):
    from lms.jobs import Job

    daily, other = make_user(), make_user()
    set_preferences(daily.id, {KIND: "digest", "lms.test_quiet": "digest"})
    set_preferences(other.id, {KIND: "digest"})
    db.session.commit()
    notify([daily.id, other.id], KIND, "First", "One.", "/a")
    notify([daily.id], "lms.test_quiet", "Second", link="/b")
    db.session.commit()
    assert outbox() == []
    (job,) = db.session.scalars(select(Job))  # one digest job waits for the digest hour
    assert (job.name, job.state, job.key) == ("lms.notifications.digest", "queued",
                                              "lms.notifications.digest")
    assert send_digests() == 2
    db.session.commit()
    mails = {m.recipient: m for m in outbox()}
    body = mails[daily.email].body
    assert "* First" in body and "* Second" in body and "http://localhost/b" in body
    token = unsubscribe_token(daily.id, "*digest")
    assert mails[daily.email].headers["List-Unsubscribe"].endswith(f"/unsubscribe/{token}>")
    assert send_digests() == 0  # run twice, sends nothing twice
    db.session.commit()
    assert len(outbox()) == 2
    assert {x.email_state for x in _notices(db)} == {"sent"}


def test_turning_digest_off_drops_waiting_notices_from_it(kinds, db, make_user, outbox):
    person = make_user()
    set_preferences(person.id, {KIND: "digest"})
    db.session.commit()
    notify([person.id], KIND, "Waiting")
    db.session.commit()
    set_preferences(person.id, {KIND: "off"})
    db.session.commit()
    assert send_digests() == 0
    assert outbox() == []
    assert len(_notices(db)) == 1  # what was already received stays on the site


def test_bad_publications_are_refused(kinds, db, make_user):
    person = make_user()
    with pytest.raises(NotificationError):
        notify([person.id], "lms.never_declared", "x")
    for link in ("https://evil.example/", "//evil.example/x", "relative/path", "/\\evil"):
        with pytest.raises(NotificationError):
            notify([person.id], KIND, "x", link=link)
    assert notify([], KIND, "x") == 0


def test_dedupe_key_stores_one_notice_per_person(kinds, db, make_user, outbox):
    person = make_user()
    for _ in range(2):
        notify([person.id], KIND, "Closing soon", dedupe_key="ballot:1:reminder")
        db.session.commit()
    assert len(_notices(db)) == 1 and len(outbox()) == 1


def test_kind_must_carry_owner_prefix_and_be_declared_once(kinds):
    with pytest.raises(PluginError):
        register_notification_kind(kinds, NotificationKind("other.x", "X"), owner="lms")
    with pytest.raises(PluginError):
        register_notification_kind(kinds, NotificationKind(KIND, "Again"), owner="lms")
    with pytest.raises(ValueError):
        NotificationKind("lms.y", "Y", default="sometimes")


def _statements_about_notices(db, client, path):
    """The statements about notices sent while getting ``path``: through the engine and
    read directly (lms.directread)."""
    seen = []

    def before(conn, cursor, statement, *args, **kwargs):
        if "lms_notification" in statement:
            seen.append(statement)

    def direct(statement):
        before(None, None, statement)

    event.listen(db.engine, "before_cursor_execute", before)
    directread.observers.append(direct)
    try:
        response = client.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        directread.observers.remove(direct)
    return response, seen


def test_bell_shows_unread_count_with_one_query(kinds, db, make_user, login, client):
    person = make_user()
    for i in range(3):
        notify([person.id], KIND, f"News {i}")
    db.session.commit()
    response, statements = _statements_about_notices(db, client, "/")
    assert statements == []  # visitors who are not signed in cost nothing
    assert "Notifications" not in html_of(response)
    signed_in = login(person)
    response, statements = _statements_about_notices(db, signed_in, "/account/profile")
    assert len(statements) == 1
    html = html_of(response)
    assert re.search(
        r'class="bell" href="/notifications/">.*Notifications <span class="bell-count">3'
        r'<span class="visually-hidden"> unread</span>', html
    )
    for i in range(120):
        notify([person.id], KIND, f"More {i}")
    db.session.commit()
    assert ">99+<" in html_of(signed_in.get("/"))


def test_bell_counts_only_the_signed_in_persons_unread_notices(kinds, db, make_user, login):
    """The count is loaded with the user (one query): it must be theirs, not everyone's."""
    quiet, busy, other = make_user(), make_user(), make_user()
    for i in range(2):
        notify([busy.id], KIND, f"News {i}")
    for i in range(5):
        notify([other.id], KIND, f"Other {i}")
    db.session.commit()
    first = _notices(db, busy.id)[0]
    db.session.execute(
        update(Notification).where(Notification.id == first.id).values(read_dt=func.now())
    )
    db.session.commit()
    assert 'class="bell-count"' not in html_of(login(quiet).get("/account/profile"))
    assert re.search(r'class="bell-count">1<', html_of(login(busy).get("/account/profile")))
    assert re.search(r'class="bell-count">5<', html_of(login(other).get("/account/profile")))


def test_open_marks_read_and_goes_to_the_link(kinds, db, make_user, login):
    person, other = make_user(), make_user()
    notify([person.id, other.id], KIND, "Ballot open", link="/courses/")
    db.session.commit()
    mine = _notices(db, person.id)[0]
    theirs = _notices(db, other.id)[0]
    client = login(person)
    page = html_of(client.get("/notifications/"))
    assert "Ballot open" in page and "New" in page
    token = csrf_token(client, "/notifications/")
    response = client.post(f"/notifications/{mine.id}/open", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/courses/"
    assert _notices(db, person.id)[0].read_dt is not None
    assert client.post(f"/notifications/{theirs.id}/open",
                       data={"csrf_token": token}).status_code == 404
    assert _notices(db, other.id)[0].read_dt is None
    assert client.post(f"/notifications/{mine.id}/open").status_code == 400  # no CSRF token


def test_mark_one_and_all_read(kinds, db, make_user, login):
    person = make_user()
    notify([person.id], KIND, "One")
    notify([person.id], KIND, "Two")
    db.session.commit()
    first, second = _notices(db, person.id)
    client = login(person)
    token = csrf_token(client, "/notifications/")
    assert client.post(f"/notifications/{first.id}/read",
                       data={"csrf_token": token}).status_code == 303
    assert [x.read_dt is None for x in _notices(db, person.id)] == [False, True]
    assert client.post("/notifications/read", data={"csrf_token": token}).status_code == 303
    assert all(x.read_dt for x in _notices(db, person.id))
    assert "You have no unread notifications." in html_of(client.get("/notifications/"))


def test_preferences_page_saves_and_refuses_unknown_choices(kinds, db, make_user, login):
    person = make_user()
    client = login(person)
    page = html_of(client.get("/notifications/preferences"))
    assert "<legend>Test news</legend>" in page and "When a test has news." in page
    token = csrf_token(client, "/notifications/preferences")
    field = "kind_lms__test_news"
    quiet = "kind_lms__test_quiet"
    bad = client.post("/notifications/preferences",
                      data={"csrf_token": token, field: "loudly", quiet: "site"})
    assert bad.status_code == 400 and "There is a problem" in html_of(bad)
    assert db.session.scalars(select(NotificationPreference)).all() == []
    ok = client.post("/notifications/preferences",
                     data={"csrf_token": token, field: "off", quiet: "site"})
    assert ok.status_code == 303
    db.session.expire_all()
    (pref,) = db.session.scalars(select(NotificationPreference))
    assert (pref.user_id, pref.kind, pref.delivery) == (person.id, KIND, "off")


def test_unsubscribe_link_asks_then_one_click_post_stops_emails(kinds, db, make_user, app):
    person = make_user()
    token = unsubscribe_token(person.id, KIND)
    client = app.test_client()
    page = client.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200 and "Test news" in html_of(page)
    assert db.session.scalars(select(NotificationPreference)).all() == []  # GET changes nothing
    # What a mail client sends for List-Unsubscribe-Post: no session, no CSRF token.
    done = client.post(f"/notifications/unsubscribe/{token}",
                       data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "no more emails" in html_of(done)
    db.session.expire_all()
    (pref,) = db.session.scalars(select(NotificationPreference))
    assert (pref.user_id, pref.kind, pref.delivery) == (person.id, KIND, "site")
    assert client.get("/notifications/unsubscribe/forged.token").status_code == 404
    assert client.post("/notifications/unsubscribe/forged.token").status_code == 404


def test_notification_mail_carries_its_headers_over_smtp(
    kinds, make_app, make_user, smtp_server  # noqa: F811 (the imported fixture)
):
    from lms.db import db as _db

    controller, handler = smtp_server
    smtp_app = make_app({"LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": controller.port})
    register_notification_kind(smtp_app, NotificationKind(KIND, "Test news"), owner="lms")
    person_id = make_user().id
    _db.session.commit()  # the outer session lets go of SQLite before the other app writes
    with smtp_app.app_context():
        notify([person_id], KIND, "Over the wire", link="/x")
        _db.session.commit()
    (envelope,) = handler.envelopes
    message = email.message_from_bytes(envelope.content)
    assert message["Subject"] == "Over the wire"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http://localhost/notifications/unsubscribe/")


def test_dashboard_lists_new_notices_with_one_query(kinds, db, make_user, login):
    person = make_user()
    for i in range(7):
        notify([person.id], KIND, f"Reply {i}", link=f"/courses/?n={i}")
    db.session.commit()
    client = login(person)
    response, statements = _statements_about_notices(db, client, "/")
    assert len(statements) == 2  # the bell's count and the newest unread, whatever their number
    html = html_of(response)
    assert "New for you" in html and "Reply 6" in html and "Reply 1" not in html
    newest = _notices(db, person.id)[-1]
    token = csrf_token(client, "/")
    opened = client.post(f"/notifications/{newest.id}/open", data={"csrf_token": token})
    assert opened.status_code == 303 and opened.location == "/courses/?n=6"
    mark_all = client.post("/notifications/read", data={"csrf_token": token})
    assert mark_all.status_code == 303
    assert "New for you" not in html_of(client.get("/"))


def test_dashboard_without_unread_notices_asks_only_the_bell(kinds, db, make_user, login):
    person = make_user()
    notify([person.id], KIND, "Read already", link="/x")
    db.session.commit()
    client = login(person)
    client.post("/notifications/read", data={"csrf_token": csrf_token(client, "/")})
    response, statements = _statements_about_notices(db, client, "/")
    assert len(statements) == 1  # the bell's count: nought, so no list to read
    assert "New for you" not in html_of(response)


def test_an_empty_list_shows_the_illustrated_empty_state(kinds, db, make_user, login):
    """No notifications yet: the page says so beside a small illustration with a text
    alternative, drawn inline (no image request)."""
    page = html_of(login(make_user()).get("/notifications/"))
    state = page[page.index('<div class="empty-state">'):]
    assert 'role="img" aria-label="An empty tray"' in state
    assert "Nothing yet. When something needs you" in state
    assert "<img" not in page


def test_an_erased_accounts_unsubscribe_link_writes_nothing(kinds, db, make_user, app):
    """Links in mail delivered before an account was erased still arrive (a mail client's
    one-click POST, a late click): they say the account is closed and recreate none of
    the erased choices."""
    from lms.personal_data.drive import erase_user

    person = make_user()
    token = unsubscribe_token(person.id, KIND)
    erase_user(person.id)
    db.session.commit()
    client = app.test_client()
    page = client.get(f"/notifications/unsubscribe/{token}")
    assert page.status_code == 200 and "This account is closed" in html_of(page)
    assert "Stop these emails</button>" not in html_of(page)
    done = client.post(f"/notifications/unsubscribe/{token}",
                       data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "This account is closed" in html_of(done)
    assert db.session.scalars(select(NotificationPreference)).all() == []
