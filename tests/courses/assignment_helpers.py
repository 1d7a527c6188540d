"""Builders for the assignment tests."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from courses.models import KIND_ASSIGNMENT, Item
from lms.db import db

from .cohort_helpers import make_cohort, seat
from .conftest import token

SPEC = {
    "due_after_days": 14,
    "text": True,
    "files": {"types": ["pdf", "docx", "txt"], "max_kb": 4, "max_count": 2, "archives": False},
    "rubric": [
        {"id": "membership", "title": "Who can join",
         "levels": [{"id": "missing", "title": "Missing", "points": 0},
                    {"id": "clear", "title": "Clear and fair", "points": 2}]},
        {"id": "length", "title": "Length",
         "levels": [{"id": "short", "title": "Too short", "points": 0},
                    {"id": "right", "title": "300 to 500 words", "points": 1}]},
    ],
}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return out.getvalue()


def add_assignment(course, key="policy", required=True, spec=None, module=None):
    """Add an assignment item at the end of ``course`` (committed)."""
    module = module or course.modules[-1]
    item = Item(
        course=course, module=module, key=key, kind=KIND_ASSIGNMENT,
        title="Draft your membership policy", position=100, required=required,
        body_md="Draft your co-op's **membership policy**.",
        body_html="<p>Draft your co-op's <strong>membership policy</strong>.</p>",
        assignment=spec or SPEC,
    )
    db.session.add(item)
    db.session.commit()
    return item


def assignment_world(make_user, make_course, lessons=1):
    """A course ending in the assignment, a learner in a group with its tutor, another group
    with another tutor: ``(course, item, tutor, other_tutor, learner, enrolment)``."""
    course = make_course(lessons=lessons, quiz=False)
    item = add_assignment(course)
    tutor, other_tutor = make_user(roles=("tutor",)), make_user(roles=("tutor",))
    learner = make_user()
    group = make_cohort(course, tutors=[tutor], start=dt.date(2026, 1, 5))
    make_cohort(course, name="Autumn group", tutors=[other_tutor])
    enrolment = seat(group, learner)
    return course, item, tutor, other_tutor, learner, enrolment


def csrf(client, path):
    """The session's CSRF token (the same for every form), read from ``path`` if it has one."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return match.group(1) if match else token(client)


def answer(client, slug, key, text="My policy", action="save"):
    page = f"/courses/{slug}/learn/{key}"
    return client.post(f"/courses/assignments/{slug}/{key}/answer",
                       data={"csrf_token": csrf(client, page), "text": text, "action": action})


def attach(client, slug, key, data: bytes, name="policy.pdf"):
    page = f"/courses/{slug}/learn/{key}"
    return client.post(
        f"/courses/assignments/{slug}/{key}/files",
        data={"csrf_token": csrf(client, page), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def mark(client, submission_id, outcome="passed", levels=None, feedback="Good work.",
         lock_version=None):
    path = f"/courses/assignments/submissions/{submission_id}"
    html = client.get(path).get_data(as_text=True)
    csrf_token = csrf(client, path)
    if lock_version is None:
        lock_version = re.search(r'name="lock_version" type="hidden" value="(\d+)"', html).group(1)
    levels = levels or {"membership": "clear", "length": "right"}
    data = {"csrf_token": csrf_token, "lock_version": str(lock_version), "feedback": feedback,
            "outcome": outcome, **{f"c-{k}": v for k, v in levels.items()}}
    return client.post(path, data=data)


def send(client, slug, key, action, text=None, upload: tuple[bytes, str] | None = None,
         path=None):
    """Press ``action`` in the page's one form (``save``, ``attach``, ``submit``), with the
    answer typed (``text``, left out when ``None``) and the file chosen (``(data, name)``)."""
    page = f"/courses/{slug}/learn/{key}"
    data = {"csrf_token": csrf(client, page), "action": action}
    if text is not None:
        data["text"] = text
    if upload is not None:
        data["file"] = (io.BytesIO(upload[0]), upload[1])
    return client.post(path or f"/courses/assignments/{slug}/{key}/answer", data=data,
                       content_type="multipart/form-data")
