"""One rule for "at risk": the dashboard, the matrix, its CSV and a learner's page agree.

The edge cases of :func:`courses.cohorts.risk.verdicts`, with the clock held
still so that "idle" can be tested exactly at its boundary: a learner who
finished, one with no progress rows at all, one last active exactly seven
days ago (not idle) and one a microsecond earlier (idle), both stored from
other time zones; an overdue module without required items (it never makes
anyone behind); a group that has not started (nobody is idle or behind in
it); a course without required items (never finished). Three groups with
different rules meet in one dashboard statement.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest

from courses.cohorts import group_figures, matrix_csv, tutor_dashboard
from courses.cohorts import matrix as matrix_module
from courses.cohorts.models import CohortMember
from courses.models import Enrolment, Progress
from lms.db import utcnow

from .cohort_helpers import make_cohort, seat

IDLE = "no activity for %d days"
BEHIND = "behind the group's schedule"
KARACHI = dt.timezone(dt.timedelta(hours=5))
LOS_ANGELES = dt.timezone(dt.timedelta(hours=-8))


@pytest.fixture()
def now(monkeypatch):
    """The clock every page reads, held still (and a microsecond off the second)."""
    frozen = utcnow().replace(microsecond=250_001)
    for module in (tutor_dashboard, matrix_module, matrix_csv):
        monkeypatch.setattr(module, "utcnow", lambda: frozen)
    return frozen


def _learner(db, make_user, cohort, name, *, done=(), active=None, joined_days=20, now):
    """Seat ``name`` in ``cohort``, joined ``joined_days`` ago, with ``done`` items done."""
    user = make_user(name=name)
    enrolment = seat(cohort, user)
    enrolment.last_activity_dt = active
    db.session.query(CohortMember).filter_by(user_id=user.id).one().joined_dt = (
        now - dt.timedelta(days=joined_days))
    db.session.add_all(Progress(enrolment_id=enrolment.id, item_id=item.id) for item in done)
    db.session.commit()
    return user


def _world(db, make_user, make_course, now):
    """The tutor, their three groups, and who should be at risk in each, with why."""
    tutor = make_user(roles=("learner", "tutor"), name="Tess Tutor")
    # l1 l2 in m0 (overdue); l3 l4 in m1 (overdue, both optional: no required item); l5 in m2.
    course = make_course(slug="rule-course", lessons=5, modules=3, quiz=False)
    modules = sorted(course.modules, key=lambda m: m.position)
    for module, days in zip(modules, (0, 5, 10), strict=True):
        module.unlock_after_days = days
    items = {i.key: i for i in course.items}
    items["l3"].required = items["l4"].required = False
    db.session.commit()
    today = now.date()
    started = make_cohort(course, name="Started", tutors=(tutor,),
                          start=today - dt.timedelta(days=20))
    waiting = make_cohort(course, name="Not started", tutors=(tutor,),
                          start=today + dt.timedelta(days=5))
    optional = make_course(slug="rule-optional", lessons=1, quiz=False)
    (only,) = optional.items
    only.required = False
    db.session.commit()
    no_required = make_cohort(optional, name="Nothing required", tutors=(tutor,),
                              start=today - dt.timedelta(days=20))
    week = dt.timedelta(days=7)
    first = (items["l1"], items["l2"])
    learn = lambda cohort, name, **kw: _learner(db, make_user, cohort, name, now=now, **kw)  # noqa: E731
    learn(started, "Fay Finished", done=(*first, items["l5"]),
          active=now - dt.timedelta(days=30))
    learn(started, "Nell Nothing")
    learn(started, "Bo Boundary", done=first, active=(now - week).astimezone(KARACHI))
    learn(started, "Ida Idle", done=first,
          active=(now - week - dt.timedelta(microseconds=1)).astimezone(LOS_ANGELES))
    learn(started, "Ben Behind", done=first[:1], active=now)
    learn(started, "Olly Optional", done=first, active=now)
    learn(started, "Jo Joined", joined_days=3)
    learn(waiting, "Nat Not-started")
    learn(waiting, "Pat Past", done=first, active=now - dt.timedelta(days=30))
    learn(no_required, "Al All-optional", done=(only,), active=now - dt.timedelta(days=10))
    learn(no_required, "Vi Active", active=now)
    expected = {
        started.id: {
            "Nell Nothing": (IDLE % 20, BEHIND), "Ida Idle": (IDLE % 7,),
            "Jo Joined": (BEHIND,), "Ben Behind": (BEHIND,),
        },
        waiting.id: {},
        # Never finished (nothing is required), but only the idle one is at risk.
        no_required.id: {"Al All-optional": (IDLE % 10,)},
    }
    return tutor, (started, waiting, no_required), expected


def test_every_page_agrees_on_who_is_at_risk_and_why(app, db, make_user, make_course, login,
                                                     now):
    from courses.cohorts.matrix import build_matrix, with_cells
    from courses.cohorts.tutor_dashboard import tutor_groups

    tutor, groups, expected = _world(db, make_user, make_course, now)
    client = login(tutor)
    with app.test_request_context():
        cards = {card.cohort.id: card for card in tutor_groups(tutor)}
    for cohort in groups:
        want = expected[cohort.id]
        card = cards[cohort.id]
        # The dashboard: every learner at risk named (fewer than it shows), most at risk first.
        assert {a.name: a.risks for a in card.at_risk} == want, cohort.name
        assert card.at_risk_count == len(want)
        # The matrix: counts, and the rows' verdicts and words.
        built = build_matrix(db.session.get(type(cohort), cohort.id))
        rows = with_cells(built, built.rows)
        assert {r.name: r.risks for r in rows if r.at_risk} == want, cohort.name
        assert all(not r.risks for r in rows if not r.at_risk)
        assert built.at_risk == len(want)
        assert card.learners == len(rows)
        assert card.completed == sum(r.completed for r in rows)
        # Its CSV, as a spreadsheet reads it.
        body = client.get(f"/courses/cohorts/{cohort.id}/progress.csv").get_data(as_text=True)
        lines = list(csv.DictReader(io.StringIO(body)))
        assert {line["Name"]: tuple(line["At risk"].split("; ")) for line in lines
                if line["At risk"]} == want, cohort.name
        # Each learner's page.
        for row in rows:
            page = client.get(f"/courses/cohorts/{cohort.id}/learners/{row.user_id}")
            shown = re.search(r"<dt>At risk</dt><dd>(.*?)</dd>", page.get_data(as_text=True))
            words = html.unescape(shown.group(1))
            if row.name in want:
                assert all(reason in words for reason in want[row.name]), (row.name, words)
            else:
                assert words == "No", (row.name, words)
    started = cards[groups[0].id]
    assert [a.name for a in started.at_risk] == ["Nell Nothing", "Ida Idle", "Jo Joined",
                                                 "Ben Behind"]
    assert (started.learners, started.completed) == (7, 1)
    assert (cards[groups[1].id].learners, cards[groups[2].id].completed) == (2, 0)


def test_the_dashboard_reads_a_bounded_number_of_rows(app, db, make_user, make_course, now,
                                                      monkeypatch):
    """Whatever the size of the groups: a row per learner named, one per group otherwise."""
    from courses.cohorts.risk import group_summaries
    from courses.cohorts.tutor_dashboard import AT_RISK_SHOWN, tutor_groups

    tutor, groups, _expected = _world(db, make_user, make_course, now)
    for n in range(AT_RISK_SHOWN + 5):
        _learner(db, make_user, groups[0], f"Zed {n:02d}", now=now)
    read = []

    def counting(rules, named):
        rows = group_summaries(rules, named).all()
        read.append(len(rows))
        return rows

    monkeypatch.setattr(group_figures, "group_summaries", counting)
    with app.test_request_context():
        cards = tutor_groups(tutor)
    assert [card.cohort.name for card in cards] == ["Started", "Nothing required", "Not started"]
    assert [len(card.at_risk) for card in cards] == [AT_RISK_SHOWN, 1, 0]
    assert cards[0].at_risk_count == 4 + AT_RISK_SHOWN + 5
    # The names shown, and the group where nobody is at risk: its counts only.
    assert read == [AT_RISK_SHOWN + 1 + 1]


def test_enrolment_dates_are_compared_as_instants(app, db, make_user, make_course, now):
    """A last activity stored from another time zone is idle by its instant, not its digits."""
    from courses.cohorts.matrix import build_matrix

    _tutor, (started, _w, _n), _expected = _world(db, make_user, make_course, now)
    built = build_matrix(started)
    by_name = {r.name: r for r in built.rows}
    # Karachi's wall clock reads five hours later than UTC, Los Angeles' eight earlier.
    assert not by_name["Bo Boundary"].idle and by_name["Ida Idle"].idle
    stored = db.session.get(Enrolment, by_name["Bo Boundary"].enrolment_id).last_activity_dt
    assert stored == now - dt.timedelta(days=7)
