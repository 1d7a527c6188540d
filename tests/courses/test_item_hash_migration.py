"""Migration ``courses_0220`` fills the stored hash of items that existed before it."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import func, inspect, select

from courses.importing import CONTENT_DIR, import_path
from courses.models import Enrolment, Item, Progress
from lms.accounts.models import User
from lms.db import db as _db
from tests.lms.conftest import fresh_database_url  # noqa: F401  (a fixture)


def _hashes() -> dict[int, str]:
    return dict(_db.session.execute(select(Item.id, Item.source_hash)).all())


def test_existing_items_get_the_hash_the_models_keep(fresh_database_url, make_app):  # noqa: F811
    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        import_path(CONTENT_DIR)  # lessons, quizzes and an assignment, hashed on flush
        user = User(email="learner@example.org", display_name="Learner")
        _db.session.add(user)
        _db.session.flush()
        enrolment = Enrolment(user_id=user.id, course_id=_db.session.scalar(select(Item.course_id)))
        _db.session.add(enrolment)
        _db.session.flush()
        _db.session.add(Progress(enrolment_id=enrolment.id,
                                 item_id=_db.session.scalar(select(Item.id))))
        _db.session.commit()
        kept = _hashes()
        assert kept and all(len(value) == 12 for value in kept.values())
        _db.session.remove()

        flask_migrate.downgrade(revision="courses_0200")
        columns = {c["name"] for c in inspect(_db.engine).get_columns("courses_item")}
        assert "source_hash" not in columns
        flask_migrate.upgrade(revision="heads")
        filled = _hashes()
        # Nothing went with the column (SQLite alters courses_item in place).
        progress = _db.session.scalar(select(func.count()).select_from(Progress))
        _db.session.remove()
    assert filled == kept
    assert progress == 1
