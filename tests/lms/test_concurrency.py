"""Concurrent read-modify-write requests never lose an update."""

from __future__ import annotations

import threading
import time

from flask import Blueprint
from sqlalchemy import Column, Integer, MetaData, Table, select, update

from lms.db import db as _db
from lms.extensions import csrf
from lms.permissions import POLICY_ATTR, public

THREADS = 10
BUMPS_EACH = 3

_metadata = MetaData()
counter = Table(
    "test_counter",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("value", Integer, nullable=False),
)


def _counter_blueprint() -> Blueprint:
    bp = Blueprint("test_counter", __name__, url_prefix="/test-counter")

    @bp.route("/bump", methods=["POST"])
    @public
    def bump():
        # Read, think, write: the pattern that loses updates without a write lock.
        # PostgreSQL needs the row lock; SQLite ignores FOR UPDATE and relies on
        # the BEGIN IMMEDIATE that lms.db issues for every non-GET request.
        value = _db.session.execute(
            select(counter.c.value).where(counter.c.id == 1).with_for_update()
        ).scalar_one()
        time.sleep(0.002)
        _db.session.execute(update(counter).where(counter.c.id == 1).values(value=value + 1))
        _db.session.commit()
        return str(value + 1)

    csrf.exempt(bump)
    return bp


def test_no_lost_updates_under_concurrent_requests(make_app):
    app = make_app()
    app.register_blueprint(_counter_blueprint())
    assert hasattr(app.view_functions["test_counter.bump"], POLICY_ATTR)
    with app.app_context():
        engine = _db.engine
        _metadata.drop_all(engine)
        _metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(counter.insert().values(id=1, value=0))
    statuses: list[int] = []
    start = threading.Barrier(THREADS)

    def worker():
        client = app.test_client()
        start.wait()
        for _ in range(BUMPS_EACH):
            statuses.append(client.post("/test-counter/bump").status_code)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        with app.app_context(), engine.connect() as conn:
            total = conn.execute(select(counter.c.value)).scalar_one()
    finally:
        with app.app_context():
            _metadata.drop_all(engine)
    assert statuses == [200] * (THREADS * BUMPS_EACH)
    assert total == THREADS * BUMPS_EACH
