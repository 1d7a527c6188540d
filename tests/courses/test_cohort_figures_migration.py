"""Migration ``courses_0230`` alters ``courses_cohort`` in place: its members stay."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import func, inspect, select

from courses.cohorts.models import Cohort, CohortMember, CohortTutor
from courses.models import Course, Enrolment, Item, Progress
from lms.accounts.models import User
from lms.db import db as _db
from tests.lms.conftest import fresh_database_url  # noqa: F401  (a fixture)


def _counts() -> tuple[int, int]:
    return (_db.session.scalar(select(func.count()).select_from(CohortMember)),
            _db.session.scalar(select(func.count()).select_from(CohortTutor)))


def _version(cohort_id: int) -> int:
    return _db.session.scalar(select(Cohort.figures_version).where(Cohort.id == cohort_id))


def test_groups_keep_their_members_through_the_migration(fresh_database_url,  # noqa: F811
                                                         make_app):
    import datetime as dt

    from courses.importing import CONTENT_DIR, import_path

    app = make_app({"LMS_DATABASE_URL": fresh_database_url})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        import_path(CONTENT_DIR)
        course = _db.session.scalars(select(Course).order_by(Course.id)).first()
        learner = User(email="learner@example.org", display_name="Learner")
        tutor = User(email="tutor@example.org", display_name="Tutor")
        _db.session.add_all([learner, tutor])
        _db.session.flush()
        today = dt.date.today()
        cohort = Cohort(course_id=course.id, name="Group", start_date=today,
                        end_date=today + dt.timedelta(days=30))
        _db.session.add(cohort)
        _db.session.flush()
        enrolment = Enrolment(user_id=learner.id, course_id=course.id)
        _db.session.add(enrolment)
        _db.session.flush()
        _db.session.add_all([
            CohortMember(cohort_id=cohort.id, course_id=course.id, user_id=learner.id,
                         enrolment_id=enrolment.id, source="admin"),
            CohortTutor(cohort_id=cohort.id, user_id=tutor.id),
        ])
        _db.session.commit()
        cohort_id, enrolment_id = cohort.id, enrolment.id
        item_id = _db.session.scalar(select(Item.id).where(Item.course_id == course.id))
        assert _counts() == (1, 1)
        _db.session.remove()

        flask_migrate.downgrade(revision="courses_0220")
        columns = {c["name"] for c in inspect(_db.engine).get_columns("courses_cohort")}
        assert "figures_version" not in columns
        down = (_db.session.execute(select(func.count()).select_from(CohortMember.__table__))
                .scalar(), _db.session.execute(
                    select(func.count()).select_from(CohortTutor.__table__)).scalar())
        _db.session.remove()
        flask_migrate.upgrade(revision="heads")
        up = _counts()
        before = _version(cohort_id)
        _db.session.add(Progress(enrolment_id=enrolment_id, item_id=item_id))
        _db.session.commit()
        after = _version(cohort_id)
        _db.session.remove()
    assert down == (1, 1)
    assert up == (1, 1)
    # The triggers are back with the column.
    assert after == before + 1
