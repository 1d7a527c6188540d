"""PostgreSQL's pooled connections are pinged before use only after resting in the pool
(``LMS_DB_PING_AFTER_IDLE_SECONDS``), and a dead one costs at most one request."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from lms.db import _LAST_USED


@pytest.fixture()
def postgres(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the pool is pinged on PostgreSQL only")
    return db


def _count_pings(dialect, monkeypatch) -> list:
    sent: list = []
    do_ping = dialect.do_ping

    def counted(dbapi_connection):
        sent.append(dbapi_connection)
        return do_ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return sent


@pytest.fixture()
def pings(postgres, monkeypatch) -> list:
    """The pings sent from now on (``pool_pre_ping`` would go through ``do_ping`` too)."""
    return _count_pings(postgres.engine.dialect, monkeypatch)


@pytest.fixture()
def terminate(postgres):
    """End a backend from another session, as a server restart or an administrator would."""
    admin = create_engine(postgres.engine.url, isolation_level="AUTOCOMMIT", poolclass=None)

    def do_terminate(pid: int) -> None:
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()

    yield do_terminate
    admin.dispose()


def _pooled(db) -> tuple[int, dict]:
    """The backend pid of the connection the next checkout gets, and its record's ``info``.

    The ``info`` dict lives as long as the connection: changing it after the
    connection went back to the pool is how a test makes it look idle.
    """
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        cursor.close()
        return pid, connection.info
    finally:
        connection.close()


def _idle(info: dict) -> None:
    info[_LAST_USED] -= 3600


def test_a_connection_used_within_the_window_is_not_pinged(app, postgres, pings, make_user, login):
    client = login(make_user())
    assert client.get("/").status_code == 200
    pings.clear()
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
        assert client.get("/").status_code == 200
    assert pings == []


def test_a_new_connection_is_not_pinged(app, postgres, pings, client):
    assert client.get("/healthz").status_code == 200
    assert pings == []


def test_an_idle_live_connection_is_pinged_once_and_kept(app, postgres, pings, client):
    pid, info = _pooled(postgres)
    _idle(info)
    assert client.get("/healthz").status_code == 200
    assert len(pings) == 1
    assert client.get("/healthz").status_code == 200  # just used: not pinged again
    assert len(pings) == 1
    assert _pooled(postgres)[0] == pid


def test_an_idle_connection_whose_server_went_away_is_replaced_unseen(
    app, postgres, pings, terminate, make_user, login
):
    client = login(make_user())
    pid, info = _pooled(postgres)
    terminate(pid)
    _idle(info)
    assert client.get("/healthz").status_code == 200
    assert len(pings) == 1
    assert client.get("/").status_code == 200
    new_pid, _info = _pooled(postgres)
    assert new_pid != pid


def test_the_window_is_the_setting(make_app, postgres, monkeypatch):
    always = make_app({"LMS_DB_PING_AFTER_IDLE_SECONDS": 0})
    with always.app_context():
        pings = _count_pings(postgres.engine.dialect, monkeypatch)
        client = always.test_client()
        assert client.get("/healthz").status_code == 200  # a new connection: no ping
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz").status_code == 200
    assert len(pings) == 2


def test_a_recently_used_dead_connection_fails_one_request_and_stales_the_pool(
    app, postgres, terminate
):
    # Two connections in the pool, both used just now; then the server "restarts".
    first, second = postgres.engine.raw_connection(), postgres.engine.raw_connection()
    pids = []
    for connection in (first, second):
        cursor = connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        pids.append(cursor.fetchone()[0])
        cursor.close()
    first.close()
    second.close()
    for pid in pids:
        terminate(pid)
    client = app.test_client()
    # Within the window nothing is checked: the first probe meets a dead connection.
    response = client.get("/healthz")
    assert response.status_code == 503
    # The failure marked every older connection stale (as SQLAlchemy does after a
    # disconnect in its own execution), so the other dead one is replaced unused.
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert not set(pids) & {_pooled(postgres)[0]}
