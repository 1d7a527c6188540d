"""A group's figures version: a counter the database moves whenever a member's figures change.

The tutor's dashboard counts each group's learners, finished and at risk
(:func:`.risk.group_query`), which reads every member's progress: for a
tutor of a thousand learners that is most of the page's cost. Between two
views nothing may have changed, so the dashboard keeps each group's answer
(:mod:`.group_figures`) under the group's ``courses_cohort.figures_version``,
and counts again only when the version has moved (or time alone changes the
answer: see there).

The version is moved by triggers, not by the application's write paths:
progress is recorded, erased and imported by many of them (the learner's
click, a quiz, a bulk upload, an account's erasure, the bench's bulk
inserts), and a trigger cannot be forgotten by the next one. Each statement
below adds one to the version of the groups it touches:

- a progress row added or removed (the member's group);
- an enrolment's last activity changed (idle is judged on it);
- a member added, removed or moved (both groups);
- a learner's name changed (the dashboard names learners at risk);
- a course's item added, removed, made required or not, or moved to another
  module (every group of the course: what counts as done changes).

Everything else the answer depends on (the group's dates, its course's
modules and their required counts, today's date) is read on every view and
is part of the kept answer's key.

Migration ``courses_0230`` creates these triggers from this module; changing
one takes a new migration that drops and creates them again.
"""

from __future__ import annotations

from sqlalchemy import DDL, MetaData, event

#: ``(name, table, event, which groups)``: the ``WHERE`` of the bump, over ``NEW``/``OLD``.
_TRIGGERS = (
    ("courses_figures_progress_added", "courses_progress", "INSERT",
     "id = (SELECT cohort_id FROM courses_cohort_member WHERE enrolment_id = NEW.enrolment_id)"),
    ("courses_figures_progress_removed", "courses_progress", "DELETE",
     "id = (SELECT cohort_id FROM courses_cohort_member WHERE enrolment_id = OLD.enrolment_id)"),
    ("courses_figures_activity", "courses_enrolment", "UPDATE OF last_activity_dt",
     "id = (SELECT cohort_id FROM courses_cohort_member WHERE enrolment_id = NEW.id)"),
    ("courses_figures_member_added", "courses_cohort_member", "INSERT", "id = NEW.cohort_id"),
    ("courses_figures_member_removed", "courses_cohort_member", "DELETE", "id = OLD.cohort_id"),
    ("courses_figures_member_changed", "courses_cohort_member", "UPDATE",
     "id IN (NEW.cohort_id, OLD.cohort_id)"),
    ("courses_figures_renamed", "lms_user", "UPDATE OF display_name",
     "id IN (SELECT cohort_id FROM courses_cohort_member WHERE user_id = NEW.id)"),
    ("courses_figures_item_added", "courses_item", "INSERT", "course_id = NEW.course_id"),
    ("courses_figures_item_removed", "courses_item", "DELETE", "course_id = OLD.course_id"),
    ("courses_figures_item_changed", "courses_item", "UPDATE OF required, module_id",
     "course_id IN (NEW.course_id, OLD.course_id)"),
)

_BUMP = "UPDATE courses_cohort SET figures_version = figures_version + 1 WHERE {where}"


def _sqlite_statements() -> list[str]:
    return [
        f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW "
        f"BEGIN {_BUMP.format(where=where)}; END"
        for name, table, when, where in _TRIGGERS
    ]


def _postgres_statements() -> list[str]:
    # A PostgreSQL trigger runs a function: one per trigger, with the same WHERE as
    # SQLite's (NEW is null in a DELETE and OLD in an INSERT since PostgreSQL 11).
    statements = []
    for name, table, when, where in _TRIGGERS:
        statements.append(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{_BUMP.format(where=where)}; RETURN NULL; END $$"
        )
        statements.append(
            f"CREATE TRIGGER {name} AFTER {when} ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {name}()"
        )
    return statements


def create_statements(dialect: str) -> list[str]:
    """The statements that create the triggers on ``dialect`` ("sqlite" or "postgresql")."""
    return _postgres_statements() if dialect == "postgresql" else _sqlite_statements()


def drop_statements(dialect: str) -> list[str]:
    """The statements that remove them."""
    statements = []
    for name, table, _when, _where in _TRIGGERS:
        if dialect == "postgresql":
            statements += [f"DROP TRIGGER IF EXISTS {name} ON {table}",
                           f"DROP FUNCTION IF EXISTS {name}()"]
        else:
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
    return statements


def install_on_create(metadata: MetaData) -> None:
    """Create the triggers whenever ``metadata.create_all`` creates the schema (tests).

    Migrations create them too (``courses_0230``). After the whole schema, since
    they name tables of the core and of the courses.
    """
    for dialect in ("sqlite", "postgresql"):
        for statement in create_statements(dialect):
            event.listen(metadata, "after_create", DDL(statement).execute_if(dialect=dialect))
