"""Small types that plugins share without importing each other.

A plugin that produces one of these fills it with plain values; a plugin that
consumes it relies only on what is written here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class EnrolmentSnapshot:
    """A learner's enrolment in one course version, as plain data."""

    enrolment_id: int
    user_id: int
    course_slug: str
    course_version: int


@dataclass(frozen=True)
class CompletionSnapshot:
    """What was true at the moment a learner completed a course version.

    Consumers (certificates) keep these values: later edits to the learner or
    the course must never change what was earned.
    """

    enrolment_id: int
    user_id: int
    display_name: str
    email: str
    course_slug: str
    course_title: str
    course_version: int
    completed_dt: dt.datetime
    final_score: float | None = None
    outcomes: tuple[str, ...] = ()
    estimated_hours: float | None = None
    #: The language the learner chose for their account (``None``: none chosen).
    language: str | None = None
    #: The language the course is written in, so of ``course_title`` (a language tag;
    #: ``None``: not known).
    course_language: str | None = None


@dataclass(frozen=True)
class DecisionRecord:
    """A decision taken by the co-op's members, as governance records it."""

    decision_id: int
    kind: str
    title: str
    payload: dict[str, Any]
    passed: bool
    decided_dt: dt.datetime
    url: str = ""


@dataclass(frozen=True)
class EnactmentResult:
    """What enacting a decision did, in words a member can read, and links to it."""

    summary: str
    links: dict[str, str] = field(default_factory=dict)


class PayloadError(ValueError):
    """A decision payload is invalid; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@runtime_checkable
class DecisionKind(Protocol):
    """A kind of decision that members can propose and that enacts itself.

    Plugins register kinds with :func:`lms.plugins.register_decision_kind`;
    governance lists them, validates payloads and calls :meth:`enact` when a
    ballot passes.
    """

    #: A stable key, prefixed with the providing plugin's name, e.g. ``courses:add``.
    key: str
    #: A translatable, human label.
    label: str
    #: ``ordinary`` or ``special``: the resolution class the kind needs by default.
    resolution: str

    def fields(self) -> list[dict[str, Any]]:
        """Describe the payload's fields (name, label, type, required, choices)."""

    def validate(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Return the cleaned payload or raise :class:`PayloadError`."""

    def describe(self, payload: dict[str, Any]) -> str:
        """Summarise a payload in one readable sentence."""

    def enact(self, decision: DecisionRecord) -> EnactmentResult:
        """Carry out a passed decision inside the caller's transaction.

        Must be idempotent: enacting the same decision twice changes nothing
        the second time. Raise an exception to report failure; the caller
        rolls back and records the reason.
        """


#: Changes to the curriculum that may need a members' decision: a draft course goes live;
#: a live course leaves the catalogue (retired, unpublished or given a retire date); a live
#: course's content changes (its details, modules, lessons or quizzes).
CURRICULUM_PUBLISH, CURRICULUM_RETIRE, CURRICULUM_REVISE = "publish", "retire", "revise"
CURRICULUM_CHANGES = (CURRICULUM_PUBLISH, CURRICULUM_RETIRE, CURRICULUM_REVISE)


@dataclass(frozen=True)
class CurriculumRuling:
    """The answer to "may this change to the curriculum be made directly?".

    :param needs_decision: the change is the members' to decide; nobody makes
        it directly (a passed decision enacts it).
    :param propose_path: where members raise a proposal (a site path), to say
        how to propose the change.
    :param minor_corrections: corrections to a live course's lessons that
        authors may make without a decision, key -> label (each audited and
        listed publicly by the course's plugin); the labels as the rules hold
        them, which a correction records.
    :param correction_labels: the same corrections' labels as the reader's
        language shows them, key -> text (a label that is still the one the
        rules shipped with, translated; one the co-op wrote, as written, isolated
        in ``<bdi>``): what pages print. Empty: print ``minor_corrections``'.
    """

    needs_decision: bool
    propose_path: str = ""
    minor_corrections: Mapping[str, str] = field(default_factory=dict)
    correction_labels: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class CurriculumAuthority(Protocol):
    """Who decides changes to the curriculum (governance provides it, from its rulebook).

    The courses plugin asks before every change to a live course or its status
    (:func:`lms.plugins.curriculum_authority`); when no loaded plugin provides
    an authority, the permission ``courses:course:publish`` (admins) decides.
    """

    def ruling(self, change: str, course_slug: str) -> CurriculumRuling:
        """Rule on ``change`` (one of :data:`CURRICULUM_CHANGES`) to course ``course_slug``."""


@dataclass(frozen=True)
class CohortRoster:
    """A cohort as other plugins see it: its course and its learners."""

    cohort_id: int
    name: str
    course_slug: str
    learner_ids: tuple[int, ...]


@runtime_checkable
class CohortDirectory(Protocol):
    """Who is in which cohort and who tutors it, for plugins that act per cohort.

    The courses plugin provides it (:func:`lms.plugins.provide_cohort_directory`);
    certificates uses it to issue for a cohort. What a tutor may see is not
    the directory's to say: :func:`lms.scope.tutor_scope` decides it from the
    directory's facts. Every method reads only; none commits.
    """

    def roster(self, cohort_id: int) -> CohortRoster | None:
        """The cohort ``cohort_id``, or ``None`` if there is none."""

    def cohorts_of(self, tutor_id: int | None) -> list[CohortRoster]:
        """The cohorts ``tutor_id`` is assigned to, or every cohort when ``tutor_id`` is
        ``None``; their members only (people invited who have not accepted are not in them).
        """

    def cohort_ids_of(self, tutor_id: int) -> list[int]:
        """The ids of the cohorts ``tutor_id`` is assigned to, without reading their members
        (a tutor's dashboard asks for nothing more, whatever the size of the groups).
        """


@dataclass(frozen=True)
class SeatingPlan:
    """What putting some people in a cohort does (or did), person by person.

    :param cohort_id: the cohort.
    :param to_add: the people who join (or joined), in the order asked.
    :param already: the people who are members already (nothing to do).
    :param refused: person -> why they cannot join, in words for the tutor
        (in another group of the course, switched off, prerequisites not
        completed, no place left).
    :param refusal: why the cohort takes nobody now (it has finished, its
        course is closed), or ``None``; then ``to_add`` is empty.
    """

    cohort_id: int
    to_add: tuple[int, ...] = ()
    already: tuple[int, ...] = ()
    refused: Mapping[int, str] = field(default_factory=dict)
    refusal: str | None = None


@runtime_checkable
class CohortSeating(Protocol):
    """The one way another package puts people in a cohort (the LTI roster, say).

    The courses plugin provides it (:func:`lms.plugins.provide_cohort_seating`)
    with the same rules as its own ways in: places, dates, one group per course,
    prerequisites. Whether the caller may act on the cohort is the caller's to
    check (:func:`lms.scope.tutor_scope`). Nothing commits.
    """

    def plan_seating(self, cohort_id: int, user_ids: Collection[int]) -> SeatingPlan:
        """What :meth:`seat` would do now (reads only; a constant number of queries).

        :raises LookupError: there is no such cohort.
        """

    def seat(self, cohort_id: int, user_ids: Collection[int], *, via: str) -> SeatingPlan:
        """Plan again under the cohort's lock and seat ``to_add`` (enrolled where needed).

        :param via: what brought them, recorded in the audit log (``lti``).
        :raises LookupError: there is no such cohort.
        """


#: How a person receives one kind of notification: ``off`` (nothing at all),
#: ``site`` (in the site's notification list only), ``email`` (in the site and
#: one email each), ``digest`` (in the site and one daily email gathering them).
NOTIFY_OFF, NOTIFY_SITE, NOTIFY_EMAIL, NOTIFY_DIGEST = "off", "site", "email", "digest"
NOTIFY_DELIVERIES = (NOTIFY_OFF, NOTIFY_SITE, NOTIFY_EMAIL, NOTIFY_DIGEST)


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification a plugin sends, which each person may turn off or on.

    Plugins declare their kinds (``Plugin(notification_kinds=[...])`` or
    :func:`lms.plugins.register_notification_kind` from ``setup``) and then
    publish with :func:`lms.notifications.notify`. The core stores, shows and
    emails them according to each person's preference for the kind, or
    ``default`` when they have not chosen.

    :param key: ``<owner>.<what>``, e.g. ``governance.ballot_opened``; kept
        in the database with every notice and preference, so keep it stable.
    :param label: a lazily translated, short name shown on the preferences
        page and in every email's footer ("Ballots opening").
    :param description: a lazily translated sentence saying when it is sent.
    :param default: one of :data:`NOTIFY_DELIVERIES`.
    """

    key: str
    label: Any
    description: Any = ""
    default: str = NOTIFY_EMAIL

    def __post_init__(self) -> None:
        if self.default not in NOTIFY_DELIVERIES:
            raise ValueError(f"notification kind {self.key!r}: unknown default {self.default!r}")


@runtime_checkable
class EnrolmentRules(Protocol):
    """The one check of who may start a course, for any plugin that puts people in one.

    The courses plugin provides it (:func:`lms.plugins.provide_enrolment_rules`)
    and uses the same function for self-enrolment, enrolment keys, cohort
    uploads and invitations; another plugin (a decision enacted by governance,
    say) reaches it through :func:`lms.plugins.enrolment_rules` instead of
    importing courses. Reads only.
    """

    def unmet_prerequisites(
        self, course_slug: str, user_ids: Collection[int]
    ) -> dict[int, tuple[str, ...]]:
        """For each of ``user_ids`` who may not start ``course_slug`` yet, the titles of the
        prerequisite courses they have still to complete; the others are absent.

        :raises LookupError: there is no such course.
        """
