"""Parallel requests: one row, one signal."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from courses.models import Completion, Progress

from .conftest import token

PARALLEL = 20


def test_parallel_complete_leaves_one_row_and_one_signal(
    app, db, make_user, login, make_course, enrol, completions
):
    course = make_course(lessons=1, quiz=False)
    user = make_user()
    enrol(user, course)
    clients = [login(user) for _ in range(PARALLEL)]
    tokens = [token(c) for c in clients]
    url = f"/courses/{course.slug}/learn/l1/complete"
    db.session.remove()  # the main thread must hold no transaction while the threads write
    barrier = threading.Barrier(PARALLEL)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post(client, csrf):
        try:
            barrier.wait()
            statuses.append(client.post(url, data={"csrf_token": csrf}).status_code)
        except BaseException as exc:  # report in the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=post, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert statuses == [303] * PARALLEL
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Progress)) == 1
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 1
    assert len(completions) == 1
