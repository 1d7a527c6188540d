"""A cohort upload naming an existing account invites its owner; it never hands them over.

Before issue 16, uploading any existing account's email in a cohort file put
that person in the group at once: the uploading tutor saw their progress and
their certificate for the course (and could act on it). Now the person gets an
invitation (a page on the site and an email), and the tutor reaches nothing of
theirs until they accept.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from certificates.models import Certificate
from courses.cohorts.models import CohortInvitation, CohortMember
from lms import signals
from lms.audit import AuditEvent
from lms.db import utcnow
from lms.scope import tutor_scope
from tests.certificates.conftest import snapshot

from .cohort_helpers import form_token, make_cohort, upload
from .conftest import token


def _world(db, make_user, login, make_course, app):
    course = make_course()
    tutor = make_user(roles=("tutor",), name="Tess Tutor")
    cohort = make_cohort(course, name="Spring group", tutors=[tutor])
    person = make_user(email="ezra@example.org", name="Ezra Existing")
    # Ezra finished the course on his own and holds its certificate.
    signals.course_completed.send(app, completion=snapshot(person, slug=course.slug,
                                                           title=course.title))
    db.session.commit()
    cert = db.session.scalar(select(Certificate).where(Certificate.user_id == person.id))
    return course, cohort, tutor, login(tutor), person, cert


def _upload_and_confirm(tutor_client, cohort, text):
    response = upload(tutor_client, cohort.id, text)
    assert response.status_code == 303
    preview = tutor_client.get(response.location).get_data(as_text=True)
    page = tutor_client.post(response.location + "/confirm",
                             data={"csrf_token": token(tutor_client)},
                             follow_redirects=True).get_data(as_text=True)
    return preview, page


def _is_member(db, cohort, person) -> bool:
    db.session.expire_all()
    return db.session.scalar(select(CohortMember.id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == person.id)) is not None


def _tutor_reaches(tutor_client, cohort, person, cert) -> dict[str, bool]:
    return {
        "learner page": tutor_client.get(
            f"/courses/cohorts/{cohort.id}/learners/{person.id}").status_code == 200,
        "matrix": person.display_name in tutor_client.get(
            f"/courses/cohorts/{cohort.id}/progress").get_data(as_text=True),
        "csv": person.display_name in tutor_client.get(
            f"/courses/cohorts/{cohort.id}/progress.csv").get_data(as_text=True),
        "certificate list": cert.code in tutor_client.get(
            "/certificates/manage").get_data(as_text=True),
        "certificate": tutor_client.get(
            f"/certificates/manage/{cert.code}").status_code == 200,
        "pdf": tutor_client.get(f"/certificates/{cert.code}/certificate.pdf").status_code != 404,
    }


def test_an_uploaded_existing_account_gives_the_tutor_nothing_until_accepted(
    app, db, make_user, login, make_course, outbox
):
    course, cohort, tutor, tutor_client, person, cert = _world(db, make_user, login,
                                                               make_course, app)
    preview, page = _upload_and_confirm(tutor_client, cohort, "email,name\nEZRA@example.org,E\n")
    assert "Existing account: will be invited to join." in preview
    assert "1 existing account asked to join" in page
    assert not _is_member(db, cohort, person)
    assert not tutor_scope(tutor).covers(person.id, course.slug)
    assert _tutor_reaches(tutor_client, cohort, person, cert) == dict.fromkeys(
        ("learner page", "matrix", "csv", "certificate list", "certificate", "pdf"), False
    )
    # The tutor sees only that the address they gave was invited.
    cohort_page = tutor_client.get(f"/courses/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Invited to join" in cohort_page and "ezra@example.org" in cohort_page
    assert "Ezra Existing" not in cohort_page

    # The invitation reaches the person by email and on their dashboard.
    (mail,) = [m for m in outbox()
               if m.recipient == person.email and "invited to join" in m.subject]
    invitation = db.session.scalar(select(CohortInvitation))
    assert f"/courses/cohorts/invitations/{invitation.id}" in mail.body
    assert "Nothing changes unless you accept" in mail.body
    client = login(person)
    home = client.get("/").get_data(as_text=True)
    assert "Invitations to join a group" in home and "Spring group" in home
    page = client.get(f"/courses/cohorts/invitations/{invitation.id}").get_data(as_text=True)
    assert "Accept and join the group" in page and "Decline" in page

    answer = client.post(f"/courses/cohorts/invitations/{invitation.id}/accept",
                         data={"csrf_token": token(client)}, follow_redirects=True)
    assert "You joined the group “Spring group”" in answer.get_data(as_text=True)
    assert _is_member(db, cohort, person)
    assert all(_tutor_reaches(tutor_client, cohort, person, cert).values())
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"courses.cohort.invited", "courses.cohort.invitation_accepted"} <= actions
    # Answered: it can be answered no more.
    again = client.post(f"/courses/cohorts/invitations/{invitation.id}/decline",
                        data={"csrf_token": token(client)}, follow_redirects=True)
    assert "You have already accepted this invitation." in again.get_data(as_text=True)
    assert _is_member(db, cohort, person)


def test_a_pending_invitation_names_the_groups_course_after_it_changed(
    app, db, make_user, login, make_course, outbox
):
    course, cohort, tutor, tutor_client, person, cert = _world(db, make_user, login,
                                                               make_course, app)
    _upload_and_confirm(tutor_client, cohort, "email,name\nezra@example.org,E\n")
    other = make_course(slug="housing-co-ops", title="Housing Co-ops")
    invited_mails = len(outbox())
    # The group has no learners yet, so an admin may still give it another course.
    admin = login(make_user(roles=("admin",)))
    path = f"/courses/cohorts/{cohort.id}/edit"
    data = {"csrf_token": form_token(admin, path), "course_id": str(other.id),
            "name": cohort.name, "start_date": str(cohort.start_date),
            "end_date": str(cohort.end_date)}
    assert admin.post(path, data=data).status_code == 303

    invitation = db.session.scalar(select(CohortInvitation))
    client = login(person)
    home = client.get("/").get_data(as_text=True)
    assert "“Spring group” for Housing Co-ops" in home  # (his certificate names the other)
    for page in ("/courses/cohorts/invitations/", f"/courses/cohorts/invitations/{invitation.id}"):
        html = client.get(page).get_data(as_text=True)
        assert "Housing Co-ops" in html and course.title not in html, page
    # The mail named the course it was then: the invitee is told the one it is now.
    (renewed,) = outbox()[invited_mails:]
    assert renewed.recipient == person.email
    assert "Housing Co-ops" in renewed.subject and course.title not in renewed.body
    assert f"/courses/cohorts/invitations/{invitation.id}" in renewed.body
    # Changing anything else sends nothing.
    data["name"] = "Spring group, renamed"
    assert admin.post(path, data=data).status_code == 303
    assert len(outbox()) == invited_mails + 1


def test_declining_keeps_everything_from_the_tutor_and_is_not_asked_again(
    app, db, make_user, login, make_course, outbox
):
    course, cohort, tutor, tutor_client, person, cert = _world(db, make_user, login,
                                                               make_course, app)
    _upload_and_confirm(tutor_client, cohort, "email,name\nezra@example.org,E\n")
    invitation = db.session.scalar(select(CohortInvitation))
    client = login(person)
    page = client.post(f"/courses/cohorts/invitations/{invitation.id}/decline",
                       data={"csrf_token": token(client)}, follow_redirects=True)
    assert "You declined the invitation." in page.get_data(as_text=True)
    assert not _is_member(db, cohort, person)
    assert not any(_tutor_reaches(tutor_client, cohort, person, cert).values())
    assert "courses.cohort.invitation_declined" in set(
        db.session.scalars(select(AuditEvent.action)))
    mails = len(outbox())
    preview, page = _upload_and_confirm(tutor_client, cohort, "email,name\nezra@example.org,E\n")
    assert "Declined an invitation to this group: not asked again." in preview
    assert len(outbox()) == mails
    assert "Declined" in tutor_client.get(f"/courses/cohorts/{cohort.id}").get_data(as_text=True)


def test_an_expired_invitation_cannot_be_accepted_and_a_new_upload_renews_it(
    app, db, make_user, login, make_course, outbox
):
    course, cohort, tutor, tutor_client, person, cert = _world(db, make_user, login,
                                                               make_course, app)
    _upload_and_confirm(tutor_client, cohort, "email,name\nezra@example.org,E\n")
    invitation = db.session.scalar(select(CohortInvitation))
    invitation.invited_dt = utcnow() - dt.timedelta(days=20)
    invitation.expires_dt = utcnow() - dt.timedelta(days=1)
    db.session.commit()
    client = login(person)
    assert "Invitations to join a group" not in client.get("/").get_data(as_text=True)
    page = client.get(f"/courses/cohorts/invitations/{invitation.id}").get_data(as_text=True)
    assert "This invitation has expired." in page and "Accept and join" not in page
    answer = client.post(f"/courses/cohorts/invitations/{invitation.id}/accept",
                         data={"csrf_token": token(client)}, follow_redirects=True)
    assert "This invitation expired on" in answer.get_data(as_text=True)
    assert not _is_member(db, cohort, person)
    assert "Expired on" in tutor_client.get(f"/courses/cohorts/{cohort.id}").get_data(
        as_text=True)

    preview, _page = _upload_and_confirm(tutor_client, cohort, "email,name\nezra@example.org,E\n")
    assert "Existing account: will be invited to join." in preview
    db.session.expire_all()
    renewed = db.session.get(CohortInvitation, invitation.id)
    assert renewed.status == "pending" and renewed.expires_dt > utcnow()
    answer = client.post(f"/courses/cohorts/invitations/{invitation.id}/accept",
                         data={"csrf_token": token(client)}, follow_redirects=True)
    assert _is_member(db, cohort, person)


def test_new_accounts_from_an_upload_join_at_once_as_before(
    app, db, make_user, login, make_course, outbox
):
    course = make_course()
    tutor = make_user(roles=("tutor",))
    cohort = make_cohort(course, tutors=[tutor])
    _preview, page = _upload_and_confirm(login(tutor), cohort, "email,name\nnew@example.org,N\n")
    assert "Done: 1 person invited with a new account, 0 existing accounts" in page
    db.session.expire_all()
    assert db.session.scalar(select(CohortInvitation.id)) is None
    (member,) = db.session.scalars(select(CohortMember)).all()
    assert member.user.email == "new@example.org"
