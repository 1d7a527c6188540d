"""The generated dataset: a migrated database with the shipped curriculum, many users
and one known learner, enrolled in one shipped course."""

from __future__ import annotations

import datetime as dt
import secrets
import subprocess
import sys
from pathlib import Path

from .scenarios import COURSE_SLUG, LEARNER_EMAIL, LEARNER_PASSWORD

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


def generate(env: dict[str, str], settings: dict[str, object], users: int) -> None:
    """Migrate through ``flask lms init`` (as an operator would), then add ``users`` users.

    ``flask lms init`` also imports the shipped curriculum; the known learner
    is then enrolled in :data:`~bench.scenarios.COURSE_SLUG` through the
    courses plugin's own operation, as the enrol button does.

    :param env: the environment the app runs with (``LMS_*`` variables).
    :param settings: the same settings as a config mapping, for the in-process app.
    :param users: how many learners to bulk-insert, besides the known learner.
    """
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "lms", "init"],
        cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
    )
    from sqlalchemy import insert, select

    from courses import operations as course_ops
    from courses.models import Course
    from lms import create_app
    from lms.accounts import operations as ops
    from lms.accounts.models import User, UserRole
    from lms.accounts.passwords import hash_password
    from lms.db import db

    app = create_app(settings)
    with app.app_context():
        learner = ops.create_user(LEARNER_EMAIL, "Bench Learner", LEARNER_PASSWORD)
        course = db.session.scalar(select(Course).where(Course.slug == COURSE_SLUG))
        if course is None:
            raise SystemExit(f"bench: `flask lms init` did not import the course {COURSE_SLUG!r}")
        course_ops.enrol(learner, course)
        # One real argon2id hash shared by every generated user: hashing each
        # one at production cost would take minutes and measure nothing.
        shared_hash = hash_password(secrets.token_urlsafe(12))
        now = dt.datetime.now(dt.UTC)
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"bench-user-{n:06d}@example.org",
                    "display_name": f"Bench User {n}",
                    "password_hash": shared_hash,
                    "session_token": secrets.token_urlsafe(16),
                    "is_active_account": True,
                    "created_dt": now,
                }
                for n in range(users)
            ],
        )
        ids = db.session.scalars(
            select(User.id).where(User.email.like("bench-user-%"))
        ).all()
        db.session.execute(
            insert(UserRole),
            [{"user_id": uid, "role": "learner", "granted_dt": now} for uid in ids],
        )
        db.session.commit()
        db.engine.dispose()
