"""A group's figures version moves with every change the tutor's dashboard counts, and only then.

The dashboard keeps each group's counts under that version
(:mod:`courses.cohorts.group_figures`), so a change the triggers miss would
show a tutor old figures: each kind of change is made here as the
application and as a bulk statement would make it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, text, update

from courses.cohorts import tutor_dashboard
from courses.cohorts.models import Cohort, CohortMember
from courses.models import Enrolment, Item, Progress
from lms.accounts.models import User
from lms.db import utcnow

from .cohort_helpers import make_cohort, seat


def _version(db, cohort) -> int:
    return db.session.execute(
        select(Cohort.figures_version).where(Cohort.id == cohort.id)).scalar_one()


def _world(db, make_user, make_course):
    course = make_course(slug="figures-course", lessons=2, modules=2)
    tutor = make_user(roles=("learner", "tutor"), name="Tess Tutor")
    mine = make_cohort(course, name="Mine", tutors=(tutor,))
    other = make_cohort(course, name="Other")
    learner = make_user(name="Lee Learner")
    enrolment = seat(mine, learner)
    bystander = seat(other, make_user(name="Bea Bystander"))
    return tutor, course, mine, other, learner, enrolment, bystander


def test_each_change_a_member_makes_moves_their_group_only(app, db, make_user, make_course):
    _tutor, course, mine, other, learner, enrolment, bystander = _world(
        db, make_user, make_course)
    item = db.session.scalars(select(Item).where(Item.course_id == course.id)).first()

    def moves(change, *, mine_by=1, other_by=0):
        before = (_version(db, mine), _version(db, other))
        change()
        db.session.commit()
        assert (_version(db, mine) - before[0], _version(db, other) - before[1]) == (
            mine_by, other_by), change.__doc__

    def progress_added():
        """A progress row (the learner's click)."""
        db.session.add(Progress(enrolment_id=enrolment.id, item_id=item.id))

    def progress_removed():
        """That row removed by a bulk statement."""
        db.session.execute(delete(Progress).where(Progress.enrolment_id == enrolment.id))

    def progress_bulk():
        """A bulk insert."""
        db.session.execute(insert(Progress), [{"enrolment_id": enrolment.id, "item_id": item.id,
                                               "completed_dt": utcnow()}])

    def activity():
        """The last activity (idle is judged on it)."""
        db.session.execute(update(Enrolment).where(Enrolment.id == enrolment.id)
                           .values(last_activity_dt=utcnow()))

    def renamed():
        """The learner's name (the dashboard names learners at risk)."""
        db.session.get(User, learner.id).display_name = "Lee Renamed"

    def email_changed():
        """Nothing the dashboard shows."""
        db.session.get(User, learner.id).email = "lee.renamed@example.org"

    def bystander_progress():
        """Progress in the other group."""
        db.session.add(Progress(enrolment_id=bystander.id, item_id=item.id))

    def item_not_required():
        """What counts as done, in every group of the course."""
        db.session.execute(update(Item).where(Item.id == item.id).values(required=False))

    def moved():
        """The learner moved to the other group: both."""
        db.session.execute(text("UPDATE courses_cohort_member SET cohort_id = :other "
                                "WHERE enrolment_id = :e"), {"other": other.id, "e": enrolment.id})

    def left():
        """A member removed."""
        db.session.execute(delete(CohortMember).where(CohortMember.enrolment_id == bystander.id))

    moves(progress_added)
    moves(progress_removed)
    moves(progress_bulk)
    moves(activity)
    moves(renamed)
    moves(email_changed, mine_by=0)
    moves(bystander_progress, mine_by=0, other_by=1)
    moves(item_not_required, other_by=1)
    moves(moved, other_by=1)
    moves(left, mine_by=0, other_by=1)


def test_a_kept_answer_holds_until_a_learner_turns_idle(app, db, make_user, make_course,
                                                         monkeypatch):
    """Time alone makes a learner idle: the kept answer ends then, with no change in the data."""
    tutor, _course, mine, _other, _learner, enrolment, _b = _world(db, make_user, make_course)
    start = utcnow()
    enrolment.last_activity_dt = start - dt.timedelta(days=tutor_dashboard.IDLE_DAYS - 1)
    db.session.commit()
    clock = {"now": start}
    monkeypatch.setattr(tutor_dashboard, "utcnow", lambda: clock["now"])

    def card():
        with app.test_request_context():
            (found,) = [c for c in tutor_dashboard.tutor_groups(tutor) if c.cohort.id == mine.id]
        return found

    assert card().at_risk_count == 0
    clock["now"] = start + dt.timedelta(hours=23)  # still within the idle days: kept
    assert card().at_risk_count == 0
    clock["now"] = start + dt.timedelta(days=1, seconds=1)  # a day on: idle, counted again
    idle = card()
    assert idle.at_risk_count == 1
    assert idle.at_risk[0].risks == ("no activity for 7 days",)
