"""The dashboard and the outline run a constant number of queries, whatever the size."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from courses import operations as ops
from lms import directread


@contextmanager
def count_queries(engine):
    """Count the statements sent to ``engine`` (and read directly); ``counter["statements"]``
    has their text."""
    counter = {"n": 0, "statements": []}

    def before(conn, cursor, statement, *args, **kwargs):
        counter["n"] += 1
        counter["statements"].append(statement.lstrip())

    def direct(statement):
        before(None, None, statement)

    event.listen(engine, "before_cursor_execute", before)
    # Reads run directly (lms.directread) do not pass the engine's events.
    directread.observers.append(direct)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)
        directread.observers.remove(direct)


def _count(db, client, path):
    client.get(path)  # warm-up: the first request of a client may load more
    with count_queries(db.engine) as counter:
        assert client.get(path).status_code == 200
    return counter["n"]


def test_dashboard_constant_queries(app, db, make_user, login, make_course, enrol, request_ctx):
    small, large = make_user(), make_user()
    for n in range(50):
        course = make_course(slug=f"c{n}", lessons=2)
        if n == 0:
            e = enrol(small, course)
            ops.complete_lesson(e, course.items[0])
        e = enrol(large, course)
        ops.complete_lesson(e, course.items[0])
    db.session.commit()
    small_client, large_client = login(small), login(large)
    for path in ("/courses/my", "/"):
        assert _count(db, small_client, path) == _count(db, large_client, path), path


def test_outline_constant_queries(app, db, make_user, login, make_course, enrol):
    user = make_user()
    short = make_course(slug="short", lessons=3, modules=2)
    long = make_course(slug="long", lessons=100, modules=10)
    enrol(user, short)
    enrol(user, long)
    client = login(user)
    for suffix in ("", "/learn/l1"):
        assert _count(db, client, f"/courses/short{suffix}") == _count(
            db, client, f"/courses/long{suffix}"
        ), suffix


def test_learning_pages_read_courses_twice(app, db, make_user, login, make_course, enrol):
    """Course, enrolment and item in one query, the outline with progress in another."""
    user = make_user()
    course = make_course(slug="long", lessons=20, modules=4)
    enrol(user, course)
    client = login(user)
    client.get("/courses/long/learn/l1")
    with count_queries(db.engine) as counter:
        assert client.get("/courses/long/learn/l2").status_code == 200
    assert len([s for s in counter["statements"] if "courses_" in s]) == 2
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        client.get("/courses/long/learn/l1").get_data(as_text=True),
    ).group(1)
    client.post("/courses/long/learn/l1/complete", data={"csrf_token": token})
    with count_queries(db.engine) as counter:
        r = client.post("/courses/long/learn/l1/complete", data={"csrf_token": token})
    assert r.status_code == 303
    assert len([s for s in counter["statements"] if "courses_" in s]) == 2


def _courses_statements(db, client, path):
    client.get(path)
    with count_queries(db.engine) as counter:
        assert client.get(path).status_code == 200
    return [s for s in counter["statements"] if "courses_" in s]


def test_dashboard_reads_courses_in_four_queries(app, db, make_user, login, make_course, enrol):
    """The learner's courses with their progress in one query, the catalogue's count in
    another, their groups and their invitations: four, whatever the number of courses."""
    user = make_user()
    for n in range(5):
        course = make_course(slug=f"c{n}", lessons=3, modules=2)
        e = enrol(user, course)
        ops.complete_lesson(e, course.items[0])
    db.session.commit()
    assert len(_courses_statements(db, login(user), "/")) == 4
    # A new learner is pointed to the first course, read with the count: as many.
    assert len(_courses_statements(db, login(make_user()), "/")) == 4


def test_course_page_reads_courses_in_four_queries(app, db, make_user, login, make_course,
                                                   enrol, client):
    """For a learner in the course: the course with their enrolment and group, the outline
    with their progress, the courses to finish first and the decisions; the courses to
    finish first are named and linked for learners and visitors alike."""
    basics = make_course(slug="basics", title="Co-op basics")
    finance = make_course(slug="finance", lessons=12, modules=3, requires=(basics,))
    user = make_user()
    enrol(user, finance)
    learner = login(user)
    statements = _courses_statements(db, learner, "/courses/finance")
    assert len(statements) == 4
    for page in (learner.get("/courses/finance"), client.get("/courses/finance")):
        text = page.get_data(as_text=True)
        assert "Finish first" in text
        assert '<a href="/courses/basics"><bdi>Co-op basics</bdi></a>' in text
