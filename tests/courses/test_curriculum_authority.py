"""Curriculum authority: a live course changes only as its authority allows.

With governance loaded (the test app's default), publishing, retiring and
revising a live course need a members' decision, for tutors and
administrators alike; the refusal says how to propose the change. Tutors
prepare revisions (drafts) freely and may make the rulebook's minor
corrections, which are recorded and listed. Without governance, administrators
publish directly, as before. The courses plugin never imports governance.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from courses.models import (
    STATUS_DRAFT,
    STATUS_PUBLISHED,
    STATUS_RETIRED,
    Correction,
    Course,
    Item,
    Module,
    Progress,
)
from lms.audit import AuditEvent

from .conftest import plugins_without, token

PROPOSE_REVISE = "/governance/proposals/new?kind=courses:revise"
PROPOSE_RETIRE = "/governance/proposals/new?kind=courses:retire"


@pytest.fixture()
def course(make_course):
    return make_course(lessons=2)


@pytest.fixture()
def tutor(make_user, login):
    return login(make_user(name="Tam Tutor", roles=("learner", "tutor")))


@pytest.fixture()
def admin(make_user, login):
    return login(make_user(roles=("learner", "admin")))


def _text(response) -> str:
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def _lesson(db, course, key="l1") -> Item:
    db.session.expire_all()
    return db.session.scalar(select(Item).where(Item.course_id == course.id, Item.key == key))


def _lesson_data(client, url, **changes) -> dict[str, str]:
    data = {"csrf_token": token(client, url), "title": "Lesson 1", "body_md": "Text",
            "estimated_minutes": "5", "required": "y", "sources": "", "save": "1"}
    data.update(changes)
    return data


def test_retire_and_republish_by_one_post_are_refused(db, course, tutor, admin):
    for client in (tutor, admin):
        csrf = token(client)
        for action in ("retired", "draft"):
            r = client.post(f"/courses/author/{course.slug}/status",
                            data={"csrf_token": csrf, "action": action})
            assert r.status_code == 403
            assert "Retire a course" in _text(r) and PROPOSE_RETIRE in _text(r)
        # Nor by the details form's retire date.
        r = client.post(f"/courses/author/{course.slug}/edit", data={
            "csrf_token": csrf, "title": course.title, "slug": course.slug, "summary": "S",
            "level": "introductory", "language": "en", "estimated_hours": "1",
            "retire_date": "2099-01-01"})
        assert r.status_code == 403 and "members' decision" in _text(r)
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert (course.status, course.retire_dt, course.title) == (STATUS_PUBLISHED, None,
                                                               "Co Op Basics")
    # Publishing a draft is the members' decision too.
    draft = Course(slug="sketch", title="Sketch", status=STATUS_DRAFT)
    db.session.add(draft)
    db.session.commit()
    r = tutor.post("/courses/author/sketch/status",
                   data={"csrf_token": token(tutor), "action": "published"})
    assert r.status_code == 403 and "Publishing a course is the members' decision" in _text(r)
    assert PROPOSE_REVISE in _text(r)


def test_tutor_editing_a_published_lesson_is_refused_with_the_propose_message(
    db, course, tutor, admin
):
    lesson = _lesson(db, course)
    url = f"/courses/author/{course.slug}/items/{lesson.id}"
    page = _text(tutor.get(url))
    assert "its lessons and quizzes change only by the members' decision" in page
    for client in (tutor, admin):
        r = client.post(url, data=_lesson_data(client, url, body_md="Rewritten freely"))
        assert r.status_code == 403
        text = _text(r)
        assert "Prepare a revision" in text and PROPOSE_REVISE in text
        assert "A passed proposal publishes the revision." in text
        assert "Rewritten freely" in r.get_data(as_text=True)  # what was typed is kept
    assert _lesson(db, course).body_md == "Text"
    # Structure too: a module, a move, a deletion, a question.
    module = course.modules[0]
    csrf = token(tutor)
    for path, data in (
        ("modules", {"title": "Extra"}),
        (f"modules/{module.id}", {"title": "Renamed"}),
        (f"items/{lesson.id}/delete", {"action": "delete"}),
        ("move", {"action": f"item:{lesson.id}:down"}),
    ):
        r = tutor.post(f"/courses/author/{course.slug}/{path}", data={"csrf_token": csrf, **data})
        assert r.status_code == 403 and PROPOSE_REVISE in _text(r), path
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Module.id))) == 1
    assert _lesson(db, course) is not None


def test_a_revision_is_a_draft_copy_that_tutors_edit_freely(db, course, tutor, make_user, enrol):
    learner = make_user()
    e = enrol(learner, course)
    db.session.add(Progress(enrolment_id=e.id, item_id=_lesson(db, course).id))
    db.session.commit()
    r = tutor.post(f"/courses/author/{course.slug}/revision", data={"csrf_token": token(tutor)})
    assert r.status_code == 303 and r.location.endswith("/courses/author/co-op-basics-revision")
    revision = db.session.scalar(select(Course).where(Course.revision_of_id == course.id))
    assert revision.status == STATUS_DRAFT and revision.slug == "co-op-basics-revision"
    assert [i.key for i in revision.items] == [i.key for i in course.items]
    # Asking again opens the same revision.
    again = tutor.post(f"/courses/author/{course.slug}/revision",
                       data={"csrf_token": token(tutor)})
    assert again.location == r.location
    assert db.session.scalar(select(func.count(Course.id))) == 2
    copy = _lesson(db, revision)
    url = f"/courses/author/{revision.slug}/items/{copy.id}"
    r = tutor.post(url, data=_lesson_data(tutor, url, body_md="Better text"))
    assert r.status_code == 303
    assert _lesson(db, revision).body_md == "Better text"
    assert _lesson(db, course).body_md == "Text"  # learners see nothing of it
    page = _text(tutor.get(f"/courses/author/{revision.slug}"))
    assert "This is a revision of “ Co Op Basics ”" in page and PROPOSE_REVISE in page
    # Nobody publishes it directly while governance decides; it never goes live on its own.
    r = tutor.post(f"/courses/author/{revision.slug}/publish-revision",
                   data={"csrf_token": token(tutor)})
    assert r.status_code == 403 and PROPOSE_REVISE in _text(r)
    r = tutor.post(f"/courses/author/{revision.slug}/status",
                   data={"csrf_token": token(tutor), "action": "published"})
    assert r.status_code == 403 and "revision in preparation" in _text(r)
    # The catalogue and the prerequisite choices never offer it.
    assert "co-op-basics-revision" not in tutor.get("/courses/").get_data(as_text=True)
    form = tutor.get("/courses/author/new").get_data(as_text=True)
    assert f'value="{revision.id}"' not in form and f'value="{course.id}"' in form


def test_a_minor_correction_is_saved_audited_and_listed(db, app, course, tutor):
    lesson = _lesson(db, course)
    url = f"/courses/author/{course.slug}/items/{lesson.id}"
    page = tutor.get(url).get_data(as_text=True)
    assert "This is a minor correction" in page and "Spelling, grammar or punctuation" in page
    # Without saying which correction and what it fixes, nothing is saved.
    r = tutor.post(url, data=_lesson_data(tutor, url, body_md="Txet fixed"))
    assert r.status_code == 403 and "Choose which minor correction this is." in _text(r)
    r = tutor.post(url, data=_lesson_data(tutor, url, body_md="Text, fixed",
                                          **{"fix-correction": "spelling",
                                             "fix-correction_note": ""}))
    assert r.status_code == 403 and "Say what you corrected." in _text(r)
    # Whether the lesson is required is not a correction.
    data = _lesson_data(tutor, url, body_md="Text, fixed", **{
        "fix-correction": "spelling", "fix-correction_note": "A comma"})
    del data["required"]
    r = tutor.post(url, data=data)
    assert r.status_code == 403 and "not a minor correction" in _text(r)
    assert _lesson(db, course).body_md == "Text"
    version = course.version
    r = tutor.post(url, data=_lesson_data(tutor, url, body_md="Text, fixed", **{
        "fix-correction": "spelling", "fix-correction_note": "A missing comma"}))
    assert r.status_code == 303
    assert _lesson(db, course).body_md == "Text, fixed"
    correction = db.session.scalar(select(Correction))
    assert (correction.kind, correction.note, correction.previous_md) == (
        "spelling", "A missing comma", "Text")
    assert db.session.get(Course, course.id).version == version
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "courses.item.corrected"))
    assert event.data["kind"] == "spelling" and event.data["item"] == "l1"
    listed = _text(app.test_client().get(f"/courses/{course.slug}/changes"))
    assert "Spelling, grammar or punctuation A missing comma Tam Tutor" in listed
    assert f'href="/courses/{course.slug}/changes"' in app.test_client().get(
        f"/courses/{course.slug}").get_data(as_text=True)


def test_without_governance_administrators_publish_directly(
    db, make_app, make_user, login, course, enrol
):
    app = make_app({"LMS_PLUGINS": plugins_without("governance")})
    tutor = login(make_user(roles=("learner", "tutor")), app.test_client())
    admin = login(make_user(roles=("learner", "admin")), app.test_client())
    learner = make_user()
    e = enrol(learner, course)
    lesson = _lesson(db, course)
    db.session.add(Progress(enrolment_id=e.id, item_id=lesson.id))
    db.session.commit()
    status = f"/courses/author/{course.slug}/status"
    r = tutor.post(status, data={"csrf_token": token(tutor), "action": "retired"})
    assert r.status_code == 403 and "Only an administrator publishes or retires" in _text(r)
    url = f"/courses/author/{course.slug}/items/{lesson.id}"
    r = tutor.post(url, data=_lesson_data(tutor, url, body_md="Mine"))
    assert r.status_code == 403 and "ask an administrator to publish it" in _text(r)
    # The tutor prepares a revision; an administrator publishes it.
    tutor.post(f"/courses/author/{course.slug}/revision", data={"csrf_token": token(tutor)})
    revision = db.session.scalar(select(Course).where(Course.revision_of_id == course.id))
    copy = _lesson(db, revision)
    copy_url = f"/courses/author/{revision.slug}/items/{copy.id}"
    assert tutor.post(copy_url, data=_lesson_data(tutor, copy_url, body_md="Revised")
                      ).status_code == 303
    r = tutor.post(f"/courses/author/{revision.slug}/publish-revision",
                   data={"csrf_token": token(tutor)})
    assert r.status_code == 403
    version = course.version
    r = admin.post(f"/courses/author/{revision.slug}/publish-revision",
                   data={"csrf_token": token(admin)})
    assert r.status_code == 303 and r.location.endswith(f"/courses/author/{course.slug}")
    db.session.expire_all()
    live = db.session.get(Course, course.id)
    assert live.version == version + 1 and _lesson(db, live).body_md == "Revised"
    assert _lesson(db, live).id == lesson.id  # the same row: the learner keeps their progress
    assert db.session.scalar(select(func.count(Progress.id))) == 1
    assert db.session.scalar(select(Course).where(Course.revision_of_id == course.id)) is None
    # Administrators edit and retire directly, as before governance.
    r = admin.post(url, data=_lesson_data(admin, url, title="Lesson 1", body_md="Direct"))
    assert r.status_code == 303 and _lesson(db, live).body_md == "Direct"
    r = admin.post(status, data={"csrf_token": token(admin), "action": "retired"})
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Course, course.id).status == STATUS_RETIRED


def test_the_courses_plugin_never_imports_governance():
    root = Path(__file__).resolve().parents[2] / "courses"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "governance" for n in names), path
