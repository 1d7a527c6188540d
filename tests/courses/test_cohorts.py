"""Cohorts: creating them, tutors, joining, bulk enrolment with invitations, announcements."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import threading

from sqlalchemy import func, select

from courses.cohorts.models import (
    Cohort,
    CohortAnnouncement,
    CohortMember,
    CohortTutor,
    CohortUpload,
)
from courses.models import Enrolment, Progress
from courses.progress import progress_for
from lms.accounts.models import User
from lms.db import utcnow
from lms.tokens import OneTimeToken

from .cohort_helpers import announcement_form, form_token, make_cohort, seat, upload
from .conftest import token


def _members(db, cohort) -> set[str]:
    cohort_id = cohort if isinstance(cohort, int) else cohort.id
    db.session.expire_all()
    return set(
        db.session.scalars(
            select(User.email)
            .join(CohortMember, CohortMember.user_id == User.id)
            .where(CohortMember.cohort_id == cohort_id)
        )
    )


# -- creating cohorts and assigning tutors ------------------------------------------------------


def test_admin_creates_a_cohort(app, db, make_user, login, make_course):
    course = make_course()
    admin = login(make_user(roles=("admin",)))
    path = "/courses/cohorts/new"
    data = {
        "csrf_token": form_token(admin, path),
        "course_id": str(course.id),
        "name": "  Riverside   food co-op ",
        "start_date": "2027-01-15",
        "end_date": "2027-03-31",
        "capacity": "12",
        "enrolment_key": "river-2027",
    }
    response = admin.post(path, data=data)
    assert response.status_code == 303
    cohort = db.session.scalar(select(Cohort))
    assert (cohort.name, cohort.start_date, cohort.end_date, cohort.capacity,
            cohort.enrolment_key) == (
        "Riverside food co-op", dt.date(2027, 1, 15), dt.date(2027, 3, 31), 12, "river-2027"
    )
    page = admin.get(response.location).get_data(as_text=True)
    assert "Riverside food co-op" in page and "river-2027" in page


def test_bad_cohort_details_are_explained_and_nothing_is_saved(app, db, make_user, login,
                                                                make_course):
    course = make_course()
    make_cohort(course, name="Taken")
    admin = login(make_user(roles=("admin",)))
    path = "/courses/cohorts/new"
    base = {"course_id": str(course.id), "name": "New", "start_date": "2027-02-01",
            "end_date": "2027-03-01"}
    cases = [
        ({"end_date": "2027-01-01"}, "The end date cannot be before the start date."),
        ({"capacity": "0"}, "Enter a whole number of places, 1 or more."),
        ({"start_date": "soon"}, "Enter the start date"),
        ({"name": ""}, "Enter a name."),
        ({"enrolment_key": "abc"}, "Use 6 to 64 characters."),
        ({"enrolment_key": "     k"}, "Use 6 to 64 characters."),
        ({"name": "Taken"}, "already has this name"),
    ]
    for change, message in cases:
        data = {**base, **change, "csrf_token": form_token(admin, path)}
        page = admin.post(path, data=data).get_data(as_text=True)
        assert message in page, change
    assert db.session.scalar(select(func.count(Cohort.id))) == 1


def test_capacity_cannot_drop_below_the_learners_seated(app, db, make_user, login, make_course):
    course = make_course()
    cohort = make_cohort(course, capacity=5)
    for _ in range(3):
        seat(cohort, make_user())
    admin = login(make_user(roles=("admin",)))
    path = f"/courses/cohorts/{cohort.id}/edit"
    data = {"csrf_token": form_token(admin, path), "course_id": str(course.id),
            "name": cohort.name, "start_date": str(cohort.start_date),
            "end_date": str(cohort.end_date), "capacity": "2"}
    page = admin.post(path, data=data, follow_redirects=True).get_data(as_text=True)
    assert "3 learners are already in this group" in page
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).capacity == 5


def test_only_tutors_can_be_assigned(app, db, make_user, login, make_course):
    cohort = make_cohort(make_course())
    tutor = make_user(roles=("tutor",), name="Tess Tutor")
    learner = make_user(name="Lee Learner")
    admin = login(make_user(roles=("admin",)))
    url = f"/courses/cohorts/{cohort.id}/tutors"
    page = admin.post(url, data={"csrf_token": token(admin), "email": learner.email},
                      follow_redirects=True).get_data(as_text=True)
    assert "Lee Learner is not a tutor" in page
    page = admin.post(url, data={"csrf_token": token(admin), "email": "nobody@example.org"},
                      follow_redirects=True).get_data(as_text=True)
    assert "No account uses the email address nobody@example.org" in page
    for _ in range(2):  # assigning twice is harmless
        page = admin.post(url, data={"csrf_token": token(admin), "email": tutor.email.upper()},
                          follow_redirects=True).get_data(as_text=True)
    assert "Tess Tutor tutors this group." in page
    assert db.session.scalar(select(func.count(CohortTutor.id))) == 1


def _error_field(html: str) -> str:
    """The form field shown with an error (its label, input and message)."""
    return re.search(r'<div class="field field-error">.*?</div>', html, re.S).group(0)


def test_a_refused_tutor_is_said_by_the_field_with_the_address_kept(app, db, make_user, login,
                                                                      make_course):
    cohort = make_cohort(make_course())
    make_user(name="Lee Learner", email="lee@example.org")
    admin = login(make_user(roles=("admin",)))
    url = f"/courses/cohorts/{cohort.id}/tutors"
    for typed, why in (
        ("nobody@example.org", "No account uses the email address nobody@example.org"),
        ("lee@example.org", "Lee Learner is not a tutor"),
        ("", "Enter the tutor&#39;s email address."),
    ):
        response = admin.post(url, data={"csrf_token": token(admin), "email": typed})
        assert response.status_code == 400, typed
        html = response.get_data(as_text=True)
        # By the field (tied to it for screen readers), the address as typed still in it.
        field = _error_field(html)
        assert why in field and 'aria-invalid="true"' in field
        assert re.search(rf'<input [^>]*name="email"[^>]*value="{re.escape(typed)}"', field)
        assert "Learners" in html  # the group's page itself, not another
    assert db.session.scalar(select(func.count(CohortTutor.id))) == 0


# -- joining with a key, capacity -----------------------------------------------------------------


def test_a_learner_joins_with_the_key_and_sees_dates_and_tutors(app, db, make_user, login,
                                                               make_course):
    course = make_course()
    tutor = make_user(roles=("tutor",), name="Tess Tutor")
    cohort = make_cohort(course, key="river-2027", tutors=[tutor])
    learner = make_user()
    client = login(learner)
    page = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Join a group" in page
    url = f"/courses/cohorts/join/{course.slug}"
    page = client.post(url, data={"csrf_token": token(client), "key": "wrong-key"},
                       follow_redirects=True).get_data(as_text=True)
    assert "does not open any group" in page
    page = client.post(url, data={"csrf_token": token(client), "key": " river-2027 "},
                       follow_redirects=True).get_data(as_text=True)
    assert f"You joined the group “{cohort.name}”" in page
    assert "Your group: <bdi>Spring group</bdi>" in page and "Tess Tutor" in page
    assert db.session.scalar(select(Enrolment).where(Enrolment.user_id == learner.id))
    assert _members(db, cohort) == {learner.email}


def test_a_refused_key_is_said_by_the_field_with_the_key_kept(app, db, make_user, login,
                                                              make_course):
    course = make_course()
    full = make_cohort(course, name="Full", key="full-key-1", capacity=1)
    seat(full, make_user())
    client = login(make_user())
    url = f"/courses/cohorts/join/{course.slug}"
    for typed, why in (
        ("wrong <key>", "That enrolment key does not open any group of this course."),
        ("full-key-1", "This group is full."),
        ("", "Enter the enrolment key your tutor gave you."),
    ):
        response = client.post(url, data={"csrf_token": token(client), "key": typed})
        assert response.status_code == 400, typed
        html = response.get_data(as_text=True)
        # The course page again, the reason by the key and the key as typed in its box.
        assert "Join a group" in html and "Course outline" in html
        field = _error_field(html)
        assert why in field and 'aria-invalid="true"' in field
        shown = typed.replace("<", "&lt;").replace(">", "&gt;")
        assert re.search(rf'<input [^>]*name="key"[^>]*value="{re.escape(shown)}"', field)
    assert db.session.scalar(select(func.count(CohortMember.id))) == 1
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1


def test_a_refused_key_keeps_its_form_when_no_group_takes_keys_any_more(
    app, db, make_user, login, make_course
):
    """The only keyed group ended while the learner typed: the form and its message stay."""
    course = make_course()
    today = utcnow().date()
    make_cohort(course, name="Old", key="old-key-1", start=today - dt.timedelta(days=30),
                end=today - dt.timedelta(days=1))
    client = login(make_user())
    assert "Join a group" not in client.get(f"/courses/{course.slug}").get_data(as_text=True)
    response = client.post(f"/courses/cohorts/join/{course.slug}",
                           data={"csrf_token": token(client), "key": "old-key-1"})
    assert response.status_code == 400
    field = _error_field(response.get_data(as_text=True))
    assert "This group finished on" in field and 'value="old-key-1"' in field


def test_a_finished_or_full_cohort_takes_nobody(app, db, make_user, login, make_course):
    course = make_course()
    today = utcnow().date()
    make_cohort(course, name="Old", key="old-key-1", start=today - dt.timedelta(days=30),
                end=today - dt.timedelta(days=1))
    full = make_cohort(course, name="Full", key="full-key-1", capacity=1)
    seat(full, make_user())
    client = login(make_user())
    url = f"/courses/cohorts/join/{course.slug}"
    page = client.post(url, data={"csrf_token": token(client), "key": "old-key-1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "This group finished on" in page
    page = client.post(url, data={"csrf_token": token(client), "key": "full-key-1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "This group is full." in page
    assert db.session.scalar(select(func.count(CohortMember.id))) == 1


def test_one_group_per_learner_and_course(app, db, make_user, login, make_course):
    course = make_course()
    first = make_cohort(course, name="First", key="first-key")
    make_cohort(course, name="Second", key="second-key")
    learner = make_user()
    seat(first, learner)
    client = login(learner)
    page = client.post(f"/courses/cohorts/join/{course.slug}",
                       data={"csrf_token": token(client), "key": "second-key"},
                       follow_redirects=True).get_data(as_text=True)
    # A member of a group sees their group, not the key form; the rule holds anyway.
    assert "Your group: <bdi>First</bdi>" in page
    assert db.session.scalar(select(func.count(CohortMember.id))) == 1


PARALLEL = 8
CAPACITY = 3


def test_parallel_joins_never_exceed_capacity(app, db, make_user, login, make_course):
    course = make_course()
    cohort_id = make_cohort(course, key="rush-key-1", capacity=CAPACITY).id
    clients = [login(make_user()) for _ in range(PARALLEL)]
    tokens = [token(c) for c in clients]
    url = f"/courses/cohorts/join/{course.slug}"
    db.session.remove()  # the main thread must hold no transaction while the threads write
    barrier = threading.Barrier(PARALLEL)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post(client, csrf):
        try:
            barrier.wait()
            statuses.append(
                client.post(url, data={"csrf_token": csrf, "key": "rush-key-1"}).status_code
            )
        except BaseException as exc:  # report in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=post, args=p) for p in zip(clients, tokens, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    # Those who found it full get the page again (400), saying so by the key they typed.
    assert sorted(statuses) == [303] * CAPACITY + [400] * (PARALLEL - CAPACITY)
    assert len(_members(db, cohort_id)) == CAPACITY


# -- bulk enrolment ------------------------------------------------------------------------------


def _tutor_of(make_user, login, cohort):
    tutor = make_user(roles=("tutor",))
    from lms.db import db

    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor.id))
    db.session.commit()
    return login(tutor)


def test_upload_preview_then_confirm(app, db, make_user, login, make_course, outbox):
    course = make_course()
    cohort = make_cohort(course, capacity=4)
    existing = make_user(email="existing@example.org", name="Ezra Existing")
    already = make_user(email="already@example.org")
    seat(cohort, already)
    tutor = _tutor_of(make_user, login, cohort)
    text = (
        "email,name\n"
        "new.one@example.org,New One\n"
        "EXISTING@example.org,Ezra E\n"
        "already@example.org,Al Ready\n"
        "new.two@example.org,New Two\n"
    )
    response = upload(tutor, cohort.id, text)
    assert response.status_code == 303
    preview = tutor.get(response.location).get_data(as_text=True)
    assert "New account: an invitation will be emailed." in preview
    assert "Existing account: will be invited to join." in preview
    assert "Already in this group: nothing to do." in preview
    assert "Confirm: add or invite 3 learners" in preview
    assert _members(db, cohort) == {already.email}  # the preview changed nothing
    assert outbox() == []

    confirm = response.location + "/confirm"
    page = tutor.post(confirm, data={"csrf_token": token(tutor)},
                      follow_redirects=True).get_data(as_text=True)
    assert ("Done: 2 people invited with a new account, 1 existing account asked to join (it"
            " joins on accepting).") in page
    # The existing account is invited, not added: it joins only if its owner accepts.
    assert _members(db, cohort) == {"new.one@example.org", "new.two@example.org", already.email}
    new = db.session.scalar(select(User).where(User.email == "new.one@example.org"))
    assert new.display_name == "New One" and new.password_hash is None
    assert db.session.get(User, existing.id).display_name == "Ezra Existing"  # not renamed
    mails = {m.recipient: m for m in outbox()}
    assert set(mails) == {"new.one@example.org", "new.two@example.org", existing.email}
    assert "/account/welcome/" in mails["new.one@example.org"].body
    assert "/account/welcome/" not in mails[existing.email].body
    assert cohort.name in mails[existing.email].body
    assert "/courses/cohorts/invitations/" in mails[existing.email].body

    # The same file again changes nothing.
    again = upload(tutor, cohort.id, text)
    preview = tutor.get(again.location).get_data(as_text=True)
    assert preview.count("Already in this group: nothing to do.") == 3
    assert preview.count("Already invited: waiting for their answer") == 1
    before = len(outbox())
    page = tutor.post(again.location + "/confirm", data={"csrf_token": token(tutor)},
                      follow_redirects=True).get_data(as_text=True)
    assert "Nothing to change" in page
    assert len(outbox()) == before
    assert db.session.scalar(select(func.count(User.id))) == 5  # 3 before, 2 new


def test_problems_block_the_whole_upload(app, db, make_user, login, make_course, outbox):
    course = make_course()
    cohort = make_cohort(course, capacity=2)
    other = make_cohort(course, name="Other")
    seat(other, make_user(email="elsewhere@example.org"))
    tutor = _tutor_of(make_user, login, cohort)
    text = (
        "email,name\n"
        "a@example.org,A\n"
        "b@example.org,B\n"
        "c@example.org,C\n"
        "elsewhere@example.org,E\n"
        "a@example.org,A again\n"
        '=HYPERLINK("http://x.example"),Bad\n'
        "not-an-address,Bad\n"
    )
    response = upload(tutor, cohort.id, text)
    preview = tutor.get(response.location).get_data(as_text=True)
    assert "Row 4: Over capacity: the group has 2 places left." in preview
    assert "Row 5: Already in another group of this course." in preview
    assert "The same address as row 2: counted once." in preview
    assert "Row 7: The email starts with “=”" in preview
    assert "Row 8: “not-an-address” is not a valid email address." in preview
    assert "Confirm" not in preview
    # A forged confirmation changes nothing either.
    page = tutor.post(response.location + "/confirm", data={"csrf_token": token(tutor)},
                      follow_redirects=True).get_data(as_text=True)
    assert "Nothing was changed" in page
    assert _members(db, cohort) == set()
    assert outbox() == []
    assert db.session.scalar(select(func.count(User.id))) == 2  # no account made


def test_an_upload_finds_accounts_however_their_address_was_typed(
    app, db, make_user, login, make_course, outbox
):
    """An upload and the account pages keep one form of an address (NFC, lower case, the
    domain as typed): "zoë" with a combining diaeresis is the account "zoë", and a
    punycode domain is not turned into another account's Unicode one."""
    cohort = make_cohort(make_course(), capacity=5)
    zoe = make_user(email="zo\u00eb@example.org")  # registered with a precomposed ë
    noe = make_user(email="NOE\u0308@example.org")  # registered with a combining diaeresis
    ana = make_user(email="ana@xn--bcher-kva.de")
    tutor = _tutor_of(make_user, login, cohort)
    text = (
        "email,name\n"
        "zoe\u0308@example.org,Zoë\n"
        "No\u00eb@Example.org,Noë\n"
        "ANA@xn--bcher-kva.de,Ana\n"
    )
    response = upload(tutor, cohort.id, text)
    preview = tutor.get(response.location).get_data(as_text=True)
    assert preview.count("Existing account: will be invited to join.") == 3
    assert "New account" not in preview
    users = db.session.scalar(select(func.count(User.id)))
    tutor.post(response.location + "/confirm", data={"csrf_token": token(tutor)})
    assert db.session.scalar(select(func.count(User.id))) == users  # nobody twice
    assert {m.recipient for m in outbox()} == {zoe.email, noe.email, ana.email}


def test_file_level_problems_keep_the_tutor_on_the_form(app, db, make_user, login, make_course,
                                                        app_config):
    cohort = make_cohort(make_course())
    tutor = _tutor_of(make_user, login, cohort)
    response = upload(tutor, cohort.id, "mail,nom\nx@example.org,X\n")
    assert response.status_code == 422
    assert "Missing: “email”, “name”" in response.get_data(as_text=True)
    response = upload(tutor, cohort.id, "email,name\nRen\xe9@example.org,X\n".encode("latin-1"))
    assert "not UTF-8" in response.get_data(as_text=True)
    big = "email,name\n" + "".join(f"p{n}@example.org,P {n}\n" for n in range(2001))
    response = upload(tutor, cohort.id, big)
    assert "more than 2000 rows" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CohortUpload.id))) == 0


def test_an_upload_belongs_to_its_cohort(app, db, make_user, login, make_course):
    course = make_course()
    mine, theirs = make_cohort(course), make_cohort(course, name="Theirs")
    tutor = _tutor_of(make_user, login, mine)
    _tutor_of(make_user, login, theirs)
    stored = CohortUpload(cohort_id=theirs.id, rows=[], filename="x.csv")
    db.session.add(stored)
    db.session.commit()
    assert tutor.get(f"/courses/cohorts/{mine.id}/upload/{stored.id}").status_code == 404


# -- invitations ---------------------------------------------------------------------------------


def _invite(db, make_user, login, make_course, outbox):
    course = make_course()
    cohort = make_cohort(course)
    tutor = _tutor_of(make_user, login, cohort)
    response = upload(tutor, cohort.id, "email,name\nnew@example.org,Nia New\n")
    tutor.post(response.location + "/confirm", data={"csrf_token": token(tutor)})
    body = outbox()[-1].body
    return course, cohort, tutor, re.search(r"https?://\S+(/account/welcome/\S+)", body).group(1)


def test_an_invitation_sets_the_password_once(app, db, make_user, login, make_course, outbox):
    course, _cohort, _tutor, link = _invite(db, make_user, login, make_course, outbox)
    client = app.test_client()
    page = client.get(link).get_data(as_text=True)
    assert "Welcome, <bdi>Nia New</bdi>" in page and "new@example.org" in page
    data = {"csrf_token": form_token(client, link), "password": "a long new passphrase",
            "confirm": "a long new passphrase"}
    response = client.post(link, data=data)
    assert response.status_code == 302
    assert client.get("/courses/my").status_code == 200  # logged in
    assert course.title in client.get("/").get_data(as_text=True)
    used = app.test_client().get(link)
    assert used.status_code == 410
    assert "already been used" in used.get_data(as_text=True)
    assert "Request a new link" in used.get_data(as_text=True)
    fresh = app.test_client()
    login(db.session.scalar(select(User).where(User.email == "new@example.org")), fresh,
          password="a long new passphrase")


def test_an_expired_invitation_says_so_and_offers_a_new_link(app, db, make_user, login,
                                                             make_course, outbox):
    _course, _cohort, _tutor, link = _invite(db, make_user, login, make_course, outbox)
    row = db.session.scalar(select(OneTimeToken).where(OneTimeToken.purpose == "invitation"))
    row.expires_dt = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    response = app.test_client().get(link)
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "This link has expired." in page and "/account/reset" in page
    unknown = app.test_client().get("/account/welcome/not-a-real-token")
    assert unknown.status_code == 404


def test_invitation_tokens_are_stored_hashed(app, db, make_user, login, make_course, outbox):
    _course, _cohort, _tutor, link = _invite(db, make_user, login, make_course, outbox)
    token_text = link.rsplit("/", 1)[1]
    row = db.session.scalar(select(OneTimeToken).where(OneTimeToken.purpose == "invitation"))
    assert token_text not in row.token_hash and len(row.token_hash) == 64
    days = (row.expires_dt - row.created_dt).total_seconds() / 86400
    assert round(days) == app.config["LMS_INVITATION_DAYS"]


def test_the_tutor_can_send_a_fresh_invitation(app, db, make_user, login, make_course, outbox):
    _course, cohort, tutor, old = _invite(db, make_user, login, make_course, outbox)
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    page = tutor.get(f"/courses/cohorts/{cohort.id}/learners/{user.id}").get_data(as_text=True)
    assert "has not set a password yet" in page
    tutor.post(f"/courses/cohorts/{cohort.id}/learners/{user.id}/invite",
               data={"csrf_token": token(tutor)})
    new = re.search(r"(/account/welcome/\S+)", outbox()[-1].body).group(1)
    assert new != old
    client = app.test_client()
    data = {"csrf_token": form_token(client, new), "password": "another passphrase here",
            "confirm": "another passphrase here"}
    assert client.post(new, data=data).status_code == 302
    # Accepting one invitation uses up the other copies.
    assert app.test_client().get(old).status_code == 410


# -- the matrix agrees with the learner ----------------------------------------------------------


def test_the_matrix_shows_the_numbers_the_learner_sees(app, db, make_user, login, make_course,
                                                       enrol):
    course = make_course(lessons=4)
    cohort = make_cohort(course)
    learners = [make_user(name=f"Learner {n}") for n in range(3)]
    for n, learner in enumerate(learners):
        enrolment = seat(cohort, learner)
        for item in course.items[:n + 1]:
            if item.kind == "lesson":
                db.session.add(Progress(enrolment_id=enrolment.id, item_id=item.id))
    db.session.commit()
    tutor = _tutor_of(make_user, login, cohort)
    matrix = tutor.get(f"/courses/cohorts/{cohort.id}/progress").get_data(as_text=True)
    enrolments = db.session.scalars(select(Enrolment).order_by(Enrolment.id)).all()
    progress = progress_for(enrolments)
    for learner, enrolment in zip(learners, enrolments, strict=True):
        p = progress[enrolment.id]
        own = login(learner).get(f"/courses/{course.slug}").get_data(as_text=True)
        assert f"{p.done} of {p.total} done ({p.percent}%)" in own
        row = re.search(rf"{learner.display_name}</a>.*?<td>(\d+)%</td>", matrix, re.S)
        assert int(row.group(1)) == p.percent
    csv_text = tutor.get(f"/courses/cohorts/{cohort.id}/progress.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0][:3] == ["Name", "Email", "Percent done"]
    by_name = {r[0]: int(r[2]) for r in rows[1:]}
    assert by_name == {
        learner.display_name: progress[e.id].percent
        for learner, e in zip(learners, enrolments, strict=True)
    }


def test_the_csv_download_neutralises_names(app, db, make_user, login, make_course):
    cohort = make_cohort(make_course())
    seat(cohort, make_user(name="=HYPERLINK(\"http://evil.example\")"))
    tutor = _tutor_of(make_user, login, cohort)
    response = tutor.get(f"/courses/cohorts/{cohort.id}/progress.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\")"


def test_at_risk_filter(app, db, make_user, login, make_course):
    course = make_course(lessons=2)
    cohort = make_cohort(course, start=utcnow().date() - dt.timedelta(days=20))
    idle, busy = make_user(name="Ida Idle"), make_user(name="Bo Busy")
    seat(cohort, idle).last_activity_dt = utcnow() - dt.timedelta(days=10)
    seat(cohort, busy).last_activity_dt = utcnow() - dt.timedelta(hours=2)
    db.session.commit()
    db.session.execute(
        CohortMember.__table__.update().values(joined_dt=utcnow() - dt.timedelta(days=20))
    )
    db.session.commit()
    tutor = _tutor_of(make_user, login, cohort)
    url = f"/courses/cohorts/{cohort.id}/progress?show=at-risk&idle_days=7"
    page = tutor.get(url).get_data(as_text=True)
    assert "Ida Idle" in page and "Bo Busy" not in page
    assert "no activity for 10 days" in page
    page = tutor.get(url.replace("idle_days=7", "idle_days=14")).get_data(as_text=True)
    assert "Ida Idle" not in page
    page = tutor.get(f"/courses/cohorts/{cohort.id}/progress?sort=bogus&idle_days=-3")
    assert page.status_code == 200


# -- announcements -------------------------------------------------------------------------------


def test_an_announcement_reaches_dashboards_and_inboxes(app, db, make_user, login, make_course,
                                                        outbox):
    course = make_course()
    cohort = make_cohort(course)
    other = make_cohort(course, name="Other")
    member, outsider = make_user(name="Mo Member"), make_user()
    seat(cohort, member)
    seat(other, outsider)
    tutor = _tutor_of(make_user, login, cohort)
    url = f"/courses/cohorts/{cohort.id}/announcements"
    page = tutor.post(url, data={**announcement_form(tutor, url), "subject": "Week 2",
                                 "body": "Read **module 2** <script>x()</script>"},
                      follow_redirects=True).get_data(as_text=True)
    assert "Posted, and emailed to the group." in page
    assert "<strong>module 2</strong>" in page and "<script>" not in page
    assert [m.recipient for m in outbox()] == [member.email]
    assert "Week 2" in outbox()[0].subject
    home = login(member).get("/").get_data(as_text=True)
    assert "Week 2" in home and "<strong>module 2</strong>" in home
    assert "Week 2" not in login(outsider).get("/").get_data(as_text=True)
    blank = tutor.post(url, data={"csrf_token": token(tutor), "subject": "", "body": ""})
    assert "Enter a subject." in blank.get_data(as_text=True)


def test_an_announcement_sent_twice_is_posted_and_emailed_once(app, db, make_user, login,
                                                                make_course, outbox):
    cohort = make_cohort(make_course())
    members = [make_user(), make_user()]
    for member in members:
        seat(cohort, member)
    tutor = _tutor_of(make_user, login, cohort)
    url = f"/courses/cohorts/{cohort.id}/announcements"
    form = announcement_form(tutor, url)
    # Refused first (no subject): the page keeps the form's token, so fixing it and
    # sending, twice (a double click), posts once.
    refused = tutor.post(url, data={**form, "subject": "", "body": "Meet on Tuesday."})
    assert f'value="{form["submit_token"]}"' in refused.get_data(as_text=True)
    sent = {**form, "subject": "Tuesday", "body": "Meet on Tuesday."}
    assert [tutor.post(url, data=sent).status_code for _ in range(2)] == [303, 303]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(CohortAnnouncement.id))) == 1
    assert sorted(m.recipient for m in outbox()) == sorted(m.email for m in members)
    # A new visit to the page is a new form: a second announcement is posted.
    tutor.post(url, data={**announcement_form(tutor, url), "subject": "Again", "body": "B"})
    assert db.session.scalar(select(func.count(CohortAnnouncement.id))) == 2
    assert len(outbox()) == 4


def test_a_refused_announcement_is_a_400_with_its_words_kept(app, db, make_user, login,
                                                             make_course, outbox):
    cohort = make_cohort(make_course())
    seat(cohort, make_user())
    tutor = _tutor_of(make_user, login, cohort)
    url = f"/courses/cohorts/{cohort.id}/announcements"
    form = announcement_form(tutor, url)
    long_body = "Meet <b>on</b> Tuesday. " + "x" * 20_000
    for sent, why in (
        ({"subject": "", "body": ""}, ("Enter a subject.", "Write the message.")),
        ({"subject": "Tues<day>", "body": long_body}, ("cannot be longer than 20000",)),
        ({"subject": "Two\nlines", "body": "Meet on Tuesday."},
         ("Write this on one line",)),
    ):
        response = tutor.post(url, data={**form, **sent})
        assert response.status_code == 400, sent["subject"]
        html = response.get_data(as_text=True)
        assert "There is a problem" in html and all(w in html for w in why)
        # What the tutor wrote is still in the form, to fix and send.
        escaped = {k: v.replace("<", "&lt;").replace(">", "&gt;") for k, v in sent.items()}
        assert re.search(rf'<input [^>]*name="subject"[^>]*value="{re.escape(escaped["subject"])}"',
                         html)
        assert escaped["body"] + "</textarea>" in html
        assert f'value="{form["submit_token"]}"' in html
    db.session.expire_all()
    assert db.session.scalar(select(func.count(CohortAnnouncement.id))) == 0 and not outbox()


# -- the directory other plugins use -------------------------------------------------------------


def test_the_cohort_directory(app, db, make_user, make_course):
    from lms.accounts.operations import revoke_role
    from lms.contracts import CohortDirectory
    from lms.plugins import cohort_directory
    from lms.scope import tutor_cohort_ids, tutor_scope

    course = make_course()
    tutor, other = make_user(roles=("tutor",)), make_user(roles=("tutor",))
    mine = make_cohort(course, tutors=[tutor])
    theirs = make_cohort(course, name="Theirs", tutors=[other])
    a, b, c = make_user(), make_user(), make_user()
    seat(mine, a)
    seat(mine, b)
    seat(theirs, c)
    directory = cohort_directory(app)
    assert isinstance(directory, CohortDirectory)
    roster = directory.roster(mine.id)
    assert (roster.name, roster.course_slug, roster.learner_ids) == (
        "Spring group", course.slug, tuple(sorted((a.id, b.id)))
    )
    assert directory.roster(9999) is None
    assert tutor_scope(tutor).learners_in(course.slug) == {a.id, b.id}
    assert [r.cohort_id for r in directory.cohorts_of(other.id)] == [theirs.id]
    assert {r.cohort_id for r in directory.cohorts_of(None)} == {mine.id, theirs.id}
    assert directory.cohort_ids_of(tutor.id) == [mine.id]
    assert tutor_cohort_ids(tutor) == tutor_scope(tutor).cohort_ids == {mine.id}
    assert tutor_cohort_ids(a) == frozenset()  # a learner tutors nothing
    revoke_role(tutor, "tutor")
    db.session.commit()
    assert tutor_scope(tutor).learners_in(course.slug) == set()
    assert tutor_cohort_ids(tutor) == frozenset()
    # The directory states facts; the scope (lms.scope) decides who reaches what.
    assert [r.cohort_id for r in directory.cohorts_of(tutor.id)] == [mine.id]


def test_when_mail_cannot_go_the_upload_applies_and_invitations_wait(
    app, db, make_app, make_user, login, make_course
):
    import socket

    from lms.mail import OutboxMessage

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = make_app({"LMS_SMTP_HOST": "127.0.0.1", "LMS_SMTP_PORT": port,
                     "LMS_SMTP_TIMEOUT": 2})
    cohort = make_cohort(make_course())
    tutor_user = make_user(roles=("tutor",))
    db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor_user.id))
    db.session.commit()
    tutor = login(tutor_user, down.test_client())
    response = upload(tutor, cohort.id, "email,name\nnew@example.org,Nia New\n")
    page = tutor.post(response.location + "/confirm", data={"csrf_token": token(tutor)},
                      follow_redirects=True).get_data(as_text=True)
    assert "We could not send" not in page
    assert _members(db, cohort) == {"new@example.org"}
    # The invitation is in the outbox, waiting for the mail server.
    (invitation,) = db.session.scalars(select(OutboxMessage)).all()
    assert (invitation.recipient, invitation.status) == ("new@example.org", "queued")


def test_a_group_whose_course_went_back_to_draft_keeps_its_course_when_edited(
    app, db, make_user, login, make_course
):
    from courses.models import STATUS_DRAFT

    make_course("a-first", title="A first course")
    course = make_course("later", title="Later course")
    cohort = make_cohort(course)
    course.status = STATUS_DRAFT  # unpublished, with its group and tutors still there
    db.session.commit()
    admin = login(make_user(roles=("admin",)))
    path = f"/courses/cohorts/{cohort.id}/edit"
    page = admin.get(path).get_data(as_text=True)
    assert f'<option selected value="{course.id}">Later course</option>' in page
    data = {"csrf_token": form_token(admin, path), "course_id": str(course.id),
            "name": "Renamed", "start_date": str(cohort.start_date),
            "end_date": str(cohort.end_date)}
    assert admin.post(path, data=data).status_code == 303
    db.session.expire_all()
    saved = db.session.get(Cohort, cohort.id)
    assert (saved.name, saved.course_id) == ("Renamed", course.id)
    # A new group is still only for courses open to groups.
    new_page = admin.get("/courses/cohorts/new").get_data(as_text=True)
    assert "Later course" not in new_page and "A first course" in new_page
