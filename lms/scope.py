"""A tutor's scope: the one rule for whom, in which course, a tutor sees and reports on.

A tutor reaches the learners of the cohorts they tutor **for that cohort's
course only**: a learner of the tutor's group for course X is in scope for X
and for nothing else (not their certificate of course Y, not their progress in
Y, even when they are in the tutor's group for X). Every view and query that
shows or acts on a learner for a tutor asks :func:`tutor_scope`: the cohort
pages, the progress matrix and its CSV, the learner pages, the certificates
lists, downloads and bulk actions.

It lives in the core so that the courses plugin (which keeps the cohorts) and
the certificates plugin (which keeps the certificates) use the same rule
without importing each other. The facts come from the
:class:`~lms.contracts.CohortDirectory` a plugin provides; the rule is here.
Roles and assignments are read on every request, so taking either away takes
effect on the tutor's next request. People invited to a group but who have not
accepted are not members, so they are in nobody's scope.

Administrators' and certificate officers' wider reach is not a tutor scope:
each plugin grants it with its own named permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, false, or_

from .contracts import CohortDirectory, CohortRoster
from .permissions import ROLE_TUTOR
from .plugins import cohort_directory


@dataclass(frozen=True)
class TutorScope:
    """The cohorts one tutor tutors and, through them, the (learner, course) pairs they reach."""

    user_id: int | None
    cohorts: tuple[CohortRoster, ...] = ()
    #: course slug -> ids of the learners the tutor reaches in that course.
    by_course: dict[str, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, user_id: int | None, cohorts: Iterable[CohortRoster]) -> TutorScope:
        cohorts = tuple(cohorts)
        learners: dict[str, set[int]] = {}
        for roster in cohorts:
            learners.setdefault(roster.course_slug, set()).update(roster.learner_ids)
        return cls(user_id, cohorts, {k: frozenset(v) for k, v in learners.items()})

    @property
    def cohort_ids(self) -> frozenset[int]:
        return frozenset(c.cohort_id for c in self.cohorts)

    def __bool__(self) -> bool:
        return bool(self.cohorts)

    def cohort(self, cohort_id: int) -> CohortRoster | None:
        """The tutored cohort ``cohort_id``, or ``None`` (as if it did not exist)."""
        return next((c for c in self.cohorts if c.cohort_id == cohort_id), None)

    def covers(self, learner_id: int, course_slug: str) -> bool:
        """Tell whether the tutor reaches ``learner_id``'s work in the course ``course_slug``."""
        return learner_id in self.by_course.get(course_slug, ())

    def learners_in(self, course_slug: str) -> frozenset[int]:
        """The learners the tutor reaches in ``course_slug`` (and in no other course)."""
        return self.by_course.get(course_slug, frozenset())

    def where(self, learner_column, course_column) -> ColumnElement[bool]:
        """A SQL condition for rows (of any plugin's table) the tutor reaches.

        :param learner_column: the column holding the learner's user id.
        :param course_column: the column holding the course's slug.
        """
        clauses = [
            and_(course_column == slug, learner_column.in_(sorted(ids)))
            for slug, ids in sorted(self.by_course.items())
            if ids
        ]
        return or_(*clauses) if clauses else false()


def _signed_in(user) -> bool:
    return getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def _directory_for(user) -> CohortDirectory | None:
    """The directory to ask for the cohorts ``user`` (signed in) tutors; ``None``: none."""
    # Tutoring needs the tutor role as well as the assignment: an admin who takes the
    # role away ends the reach at once, without touching the assignments.
    if ROLE_TUTOR not in user.role_names:
        return None
    return cohort_directory(current_app)


def _decide(user) -> TutorScope:
    if not _signed_in(user):
        return TutorScope(None)
    directory = _directory_for(user)
    if directory is None:
        return TutorScope(user.id)
    return TutorScope.of(user.id, directory.cohorts_of(user.id))


def tutor_scope(user=None) -> TutorScope:
    """The scope of ``user`` (default: the current user) as a tutor.

    Empty for anyone who is not signed in, is switched off, does not hold the
    tutor role or tutors no cohort. Read from the database on every call (two
    small queries), so nothing stale outlives a change of roles or cohorts.
    """
    return _decide(current_user if user is None else user)


def tutor_cohort_ids(user=None) -> frozenset[int]:
    """The ids of the cohorts ``user`` (default: the current user) tutors, by the same rule
    as :func:`tutor_scope`, without reading who is in them (one small query).

    For a page about the tutor's groups that never lists their learners from the
    scope (the tutor's dashboard): :func:`tutor_scope` reads every member of every
    group, a cost that grows with the groups.
    """
    user = current_user if user is None else user
    directory = _directory_for(user) if _signed_in(user) else None
    return frozenset(directory.cohort_ids_of(user.id)) if directory is not None else frozenset()
