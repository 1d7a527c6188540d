"""A migration that rebuilds a SQLite table keeps the rows that reference it.

Alembic's batch mode (``render_as_batch`` on SQLite) changes a table by
copying it and dropping the old one; with foreign keys on, that ``DROP``
deletes every row that references the table (``ON DELETE CASCADE``).
``courses_0030`` rebuilds ``courses_item``, which progress, questions and
attempts reference: going down past it and up again must keep them all.
"""

from __future__ import annotations

import flask_migrate
from sqlalchemy import delete, func, select

from courses.importing import CONTENT_DIR, import_path
from courses.models import Enrolment, Item, Progress, Question
from lms.accounts.models import User
from lms.db import db as _db


def _counts() -> tuple[int, int]:
    return (_db.session.scalar(select(func.count()).select_from(Progress.__table__)),
            _db.session.scalar(select(func.count()).select_from(Question.__table__)))


def test_rebuilt_tables_keep_the_rows_that_reference_them(tmp_path, make_app):
    # SQLite in both suites: PostgreSQL alters tables in place and never rebuilds them.
    app = make_app({"LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'rebuilds.sqlite3'}"})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        import_path(CONTENT_DIR)
        user = User(email="learner@example.org", display_name="Learner")
        _db.session.add(user)
        _db.session.flush()
        enrolment = Enrolment(user_id=user.id, course_id=_db.session.scalar(select(Item.course_id)))
        _db.session.add(enrolment)
        _db.session.flush()
        _db.session.add(Progress(enrolment_id=enrolment.id,
                                 item_id=_db.session.scalar(select(Item.id))))
        # Items the schema before courses_0030 can hold (assignments came later).
        _db.session.execute(delete(Item).where(Item.kind == "assignment"))
        _db.session.commit()
        before = _counts()
        _db.session.remove()

        flask_migrate.downgrade(revision="courses_0003")  # courses_0030 rebuilds courses_item
        down = _counts()
        _db.session.remove()
        flask_migrate.upgrade(revision="heads")
        up = _counts()
        _db.session.remove()
    assert before[0] == 1 and before[1] > 0
    assert down == before
    assert up == before
