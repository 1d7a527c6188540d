"""How a writing request's transaction ends when its view does not commit.

Whatever the view wrote, flushed or left pending is rolled back. On
PostgreSQL a transaction that only read ends with ``COMMIT`` instead, so
that psycopg keeps the statements it has prepared on the pooled connection
(it forgets them all on ``ROLLBACK``).
"""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import event, func, insert, select, text

from lms.accounts.models import User
from lms.db import _Session
from lms.db import db as _db


def _people(app) -> int:
    with app.app_context():
        return _db.session.scalar(
            select(func.count()).select_from(User).where(User.email.like("ending%"))
        )


@pytest.fixture()
def served(make_app):
    """An app with POST views that read, write without committing, or fail; and the
    list of how each request's transaction ended (``"commit"`` or ``"rollback"``)."""
    app = make_app({"WTF_CSRF_ENABLED": False})
    ends: list[str] = []

    def count() -> int:
        return _db.session.scalar(select(func.count()).select_from(User))

    @app.post("/t/read")
    def read():
        count()
        return "read"

    @app.post("/t/read-then-refuse")
    def read_then_refuse():
        count()
        abort(400)

    @app.post("/t/write-then-fail")
    def write_then_fail():
        _db.session.add(User(email="ending4@example.org", display_name="Ending 4"))
        _db.session.flush()
        raise LookupError("the view failed")

    @app.post("/t/flushed")
    def flushed():
        count()
        _db.session.add(User(email="ending1@example.org", display_name="Ending 1"))
        _db.session.flush()
        return "flushed, not committed"

    @app.post("/t/pending")
    def pending():
        count()
        _db.session.add(User(email="ending2@example.org", display_name="Ending 2"))
        return "pending, not committed"

    @app.post("/t/core")
    def core():
        count()
        _db.session.execute(
            insert(User.__table__).values(email="ending3@example.org", display_name="Ending 3")
        )
        return "inserted, not committed"

    @app.post("/t/prepared")
    def prepared():
        names = _db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
        return {"prepared": names}

    with app.app_context():
        engine = _db.engine
        postgres = engine.dialect.name == "postgresql"

    def committed(conn):
        ends.append("commit")

    def rolled_back(conn):
        ends.append("rollback")

    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)
    yield app, ends, postgres
    event.remove(engine, "commit", committed)
    event.remove(engine, "rollback", rolled_back)


@pytest.mark.parametrize("path", ["/t/read", "/t/read-then-refuse"])
def test_a_transaction_that_only_read_commits_on_postgresql(served, path):
    app, ends, postgres = served
    response = app.test_client().post(path)
    assert response.status_code in (200, 400)
    assert ends == (["commit"] if postgres else ["rollback"])


@pytest.mark.parametrize("path", ["/t/flushed", "/t/pending", "/t/core"])
def test_what_a_view_did_not_commit_is_rolled_back(served, path):
    app, ends, _postgres = served
    assert app.test_client().post(path).status_code == 200
    assert ends == ["rollback"]
    assert _people(app) == 0


def test_a_view_that_fails_after_writing_is_rolled_back(served):
    app, ends, _postgres = served
    assert app.test_client().post("/t/write-then-fail").status_code == 500
    # The error page's own reads (the layout) may open a transaction after it.
    assert ends[0] == "rollback"
    assert _people(app) == 0


def test_prepared_statements_outlive_requests_that_only_read(served):
    """psycopg prepares a statement on its sixth run on a connection; the requests
    that only read must not throw it away, or every request would plan it again."""
    app, ends, postgres = served
    client = app.test_client()
    for _ in range(8):
        assert client.post("/t/read").status_code == 200
    if postgres:
        prepared = client.post("/t/prepared").get_json()["prepared"]
        assert any("count(*)" in statement for statement in prepared), prepared
        assert ends == ["commit"] * 9
    else:
        assert ends == ["rollback"] * 8


def test_a_failed_commit_of_reads_leaves_the_answer_as_it_was(served, monkeypatch, caplog):
    app, ends, postgres = served

    def refuse(session):
        raise RuntimeError("the connection broke")

    monkeypatch.setattr(_Session, "commit", refuse)
    response = app.test_client().post("/t/read")
    assert response.status_code == 200 and response.text == "read"
    assert ends == ["rollback"]
    failed = [r for r in caplog.records if "read-only transaction failed" in r.getMessage()]
    assert len(failed) == (1 if postgres else 0)
