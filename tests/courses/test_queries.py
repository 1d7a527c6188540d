"""The dashboard and the outline run a constant number of queries, whatever the size."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from courses import operations as ops


@contextmanager
def count_queries(engine):
    counter = {"n": 0}

    def before(*args, **kwargs):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before)


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
