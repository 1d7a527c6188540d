"""The generated dataset: a migrated database with the shipped curriculum, many users
and one known learner, enrolled in one shipped course; then the plugins' data
(:mod:`bench.plugin_data`): a certificate to verify, ballots to vote in and count,
and completions to issue certificates for."""

from __future__ import annotations

import datetime as dt
import gc
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .scenarios import BULK_PASSWORD, COURSE_SLUG, LEARNER_EMAIL, LEARNER_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"


def prepare_postgres(url: str = POSTGRES_URL) -> None:
    """Create the bench database if missing, else empty it (it only ever holds bench data)."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')
            return
    target = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@contextmanager
def in_process_app(env: dict[str, str], settings: dict[str, object]) -> Iterator[object]:
    """The real app in this process, with the served app's instance folder.

    The instance folder holds the certificates' signing keys and ``lms.cfg``:
    the in-process app must use the same ones as gunicorn, not the checkout's.
    """
    from lms import create_app

    saved = os.environ.get("LMS_INSTANCE_PATH")
    os.environ["LMS_INSTANCE_PATH"] = env["LMS_INSTANCE_PATH"]
    try:
        app = create_app(settings)
        # As wsgi.py does in every served worker: what is loaded now lives as long as
        # the process, so the collector's full passes need not rescan it.
        gc.collect()
        gc.freeze()
        with app.app_context():
            yield app
            from lms.db import db

            db.session.remove()
            db.engine.dispose()
    finally:
        if saved is None:
            os.environ.pop("LMS_INSTANCE_PATH", None)
        else:
            os.environ["LMS_INSTANCE_PATH"] = saved


def bulk_users(prefix: str, count: int, password_hash: str) -> list[int]:
    """Insert ``count`` learners ``<prefix>-NNNNNN@example.org``; return their ids in order."""
    from sqlalchemy import insert, select

    from lms.accounts.models import User, UserRole
    from lms.db import db

    if not count:
        return []
    now = dt.datetime.now(dt.UTC)
    db.session.execute(
        insert(User),
        [
            {
                "email": f"{prefix}-{n:06d}@example.org",
                "display_name": f"{prefix.replace('-', ' ').title()} {n}",
                "password_hash": password_hash,
                "session_token": secrets.token_urlsafe(16),
                "is_active_account": True,
                "created_dt": now,
            }
            for n in range(count)
        ],
    )
    ids = list(db.session.scalars(
        select(User.id).where(User.email.like(f"{prefix}-%")).order_by(User.email)
    ))
    db.session.execute(
        insert(UserRole), [{"user_id": uid, "role": "learner", "granted_dt": now} for uid in ids]
    )
    return ids


def _api_token(learner) -> None:
    """The learner's API token with every scope, with the known secret the API scenarios send."""
    import datetime as dt

    from lms.api.models import ApiToken
    from lms.api.tokens import digest
    from lms.db import db, utcnow

    from .scenarios import API_SCOPES, API_TOKEN

    now = utcnow()
    db.session.add(ApiToken(
        user_id=learner.id, name="bench", scopes=" ".join(API_SCOPES), token_hash=digest(API_TOKEN),
        prefix=API_TOKEN[:10], created_dt=now, expires_dt=now + dt.timedelta(days=30),
    ))


def generate(env: dict[str, str], settings: dict[str, object], users: int) -> dict[str, object]:
    """Migrate through ``flask lms init`` (as an operator would), then add ``users`` users.

    ``flask lms init`` also imports the shipped curriculum; the known learner
    is then enrolled in :data:`~bench.scenarios.COURSE_SLUG` through the
    courses plugin's own operation, as the enrol button does. The generated
    users share one password, :data:`~bench.scenarios.BULK_PASSWORD`, so some
    of them can log in (the voters). Returns the facts the scenarios' paths
    need (see :func:`bench.plugin_data.seed`).

    :param env: the environment the app runs with (``LMS_*`` variables).
    :param settings: the same settings as a config mapping, for the in-process app.
    :param users: how many learners to bulk-insert, besides the known learner.
    """
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "lms", "init"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )
    from sqlalchemy import select

    from courses import operations as course_ops
    from courses.models import Course
    from lms.accounts import operations as ops
    from lms.accounts.passwords import hash_password
    from lms.db import db

    from . import plugin_data

    with in_process_app(env, settings):
        learner = ops.create_user(LEARNER_EMAIL, "Bench Learner", LEARNER_PASSWORD)
        course = db.session.scalar(select(Course).where(Course.slug == COURSE_SLUG))
        if course is None:
            raise SystemExit(f"bench: `flask lms init` did not import the course {COURSE_SLUG!r}")
        course_ops.enrol(learner, course)
        _api_token(learner)
        # One real argon2id hash shared by every generated user: hashing each
        # one at production cost would take minutes and measure nothing.
        shared_hash = hash_password(BULK_PASSWORD)
        ids = bulk_users("bench-user", users, shared_hash)
        db.session.commit()
        facts = plugin_data.seed(learner.id, ids, shared_hash)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load in production.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
    return facts
