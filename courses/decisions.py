"""The curriculum decisions the members can take: add, revise and retire a course.

Each kind follows :class:`lms.contracts.DecisionKind`; governance lists them,
validates proposals with them and calls :meth:`enact` when a ballot passes.
Governance is never imported: a decision arrives as a
:class:`~lms.contracts.DecisionRecord` and leaves a
:class:`~courses.models.CourseDecision` row on the course it shaped, which the
course page lists.

Payload fields are described by ``fields()`` as dicts with ``name``,
``label``, ``type`` (``text``, ``textarea``, ``email``, ``date``, ``choice``
or ``boolean``), ``required``, and where useful ``choices`` (value, label
pairs), ``default``, ``max_length`` and ``help``. Cleaned payloads hold only
JSON values (dates as ISO strings).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms import audit
from lms.accounts.emails import normalise_email
from lms.accounts.models import User, UserRole
from lms.contracts import DecisionRecord, EnactmentResult, PayloadError
from lms.db import db, lock_for_update, utcnow
from lms.permissions import ROLE_TUTOR

from . import authoring
from . import operations as ops
from .forms import RESERVED_SLUGS, slugify
from .models import STATUS_DRAFT, STATUS_PUBLISHED, Course, CourseDecision
from .revisions import content_digest, publish_revision, revision_of

#: Advisory-lock namespace for enacting one decision (PostgreSQL; SQLite holds the write lock).
_DECISION_LOCK = 0x44_0000_0000
LEARNERS_MAY_FINISH = "may_finish"
_TRUE = {"1", "true", "on", "y", "yes"}


# -- payload helpers ------------------------------------------------------------------------


def _text(payload, name, errors, *, required=True, max_length=None, message=None) -> str:
    value = payload.get(name)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors[name] = message or _("This field is required.")
    elif max_length and len(value) > max_length:
        errors[name] = ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.",
                                max_length)
    return value


def _flag(payload, name) -> bool:
    value = payload.get(name)
    return value if isinstance(value, bool) else str(value or "").strip().lower() in _TRUE


def _course_choice(payload, errors, statuses) -> Course | None:
    slug = _text(payload, "course", errors, message=_("Choose a course."))
    if not slug:
        return None
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None or course.status not in statuses or course.revision_of_id is not None:
        errors["course"] = _("Choose one of the courses in the list.")
        return None
    return course


def _course_choices(statuses) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(Course.slug, Course.title)
        .where(Course.status.in_(statuses), Course.revision_of_id.is_(None))
        .order_by(Course.title, Course.slug)
    )
    return [(slug, title) for slug, title in rows]


def _decided_course(decision: DecisionRecord) -> Course:
    """The course a revise or retire decision names; a gone course fails the enactment."""
    slug = decision.payload.get("course", "")
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise LookupError(_("The course “%(slug)s” no longer exists.", slug=slug))
    return course


def _already(decision: DecisionRecord) -> CourseDecision | None:
    """The record of an earlier enactment of ``decision`` (it may run only once)."""
    lock_for_update(_DECISION_LOCK + decision.decision_id)
    return db.session.scalar(
        select(CourseDecision).where(
            CourseDecision.decision_id == decision.decision_id,
            CourseDecision.kind == decision.kind,
        )
    )


def _record(course: Course, decision: DecisionRecord) -> CourseDecision:
    row = CourseDecision(
        course_id=course.id,
        decision_id=decision.decision_id,
        kind=decision.kind,
        title=decision.title[:300],
        url=decision.url[:500],
        enacted_dt=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "courses.course.decision_enacted",
        subject_type="course",
        subject_id=course.slug,
        data={"decision_id": decision.decision_id, "kind": decision.kind},
    )
    return row


def _links(course: Course) -> dict[str, str]:
    # Built on the URL map, not url_for: enactment also runs from the CLI (close-due), where
    # there is no request to take a host from; a site-relative path is what the pages need.
    adapter = current_app.url_map.bind("localhost")
    return {course.title: adapter.build("courses.course_page", {"slug": course.slug})}


def _repeat(row: CourseDecision) -> EnactmentResult:
    course = db.session.get(Course, row.course_id)
    return EnactmentResult(
        _("Already enacted on %(date)s: “%(title)s”.", date=format_date(row.enacted_dt, "long"),
          title=course.title),
        _links(course),
    )


# -- the kinds ------------------------------------------------------------------------------


class AddCourse:
    """Add a course: a new draft with the proposer's outline, for the tutors to build."""

    key = "courses:add"
    label = _l("Add a course")
    resolution = "ordinary"

    def fields(self) -> list[dict[str, Any]]:
        return [
            {"name": "title", "label": _("Course title"), "type": "text", "required": True,
             "max_length": 200},
            {"name": "summary", "label": _("Summary"), "type": "text", "required": True,
             "max_length": 500, "help": _("One or two sentences for the catalogue.")},
            {"name": "outline", "label": _("Outline"), "type": "textarea", "required": True,
             "max_length": 20000,
             "help": _("What the course covers, module by module. Markdown is allowed.")},
            {"name": "tutor_email", "label": _("Proposed tutor (optional)"), "type": "email",
             "required": False, "max_length": 320,
             "help": _("The email address of a tutor with an account here.")},
        ]

    def validate(self, payload: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        title = _text(payload, "title", errors, max_length=200, message=_("Enter a title."))
        summary = _text(payload, "summary", errors, max_length=500,
                        message=_("Enter a summary."))
        outline = _text(payload, "outline", errors, max_length=20000,
                        message=_("Enter an outline."))
        email = normalise_email(
            _text(payload, "tutor_email", errors, required=False, max_length=320)
        )
        if email and "tutor_email" not in errors and _tutor(email) is None:
            errors["tutor_email"] = _("No tutor has this email address.")
        if errors:
            raise PayloadError(errors)
        return {"title": title, "summary": summary, "outline": outline, "tutor_email": email}

    def describe(self, payload: dict[str, Any]) -> str:
        return _("Add a course, “%(title)s”: %(summary)s", title=payload.get("title", ""),
                 summary=payload.get("summary", ""))

    def enact(self, decision: DecisionRecord) -> EnactmentResult:
        done = _already(decision)
        if done is not None:
            return _repeat(done)
        payload = decision.payload
        description = payload["outline"]
        tutor = _tutor(payload.get("tutor_email") or "")
        if tutor is not None:
            description += "\n\n" + _("Proposed tutor: %(name)s", name=tutor.display_name)
        course = Course(
            slug=_free_slug(payload["title"]),
            title=payload["title"][:200],
            summary=payload["summary"][:500],
            description=description,
            outcomes=[],
        )
        authoring.save_course(course)
        _record(course, decision)
        return EnactmentResult(
            _("A new draft course, “%(title)s”, is ready for the tutors to build.",
              title=course.title),
            _links(course),
        )


def _tutor(email: str) -> User | None:
    if not email:
        return None
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        # normalise_email again: a decision proposed before addresses were kept in NFC.
        .where(User.email == normalise_email(email), UserRole.role == ROLE_TUTOR)
    )


def _free_slug(title: str) -> str:
    """A slug made from ``title`` that no course uses and no page of the site needs."""
    base = slugify(title)[:72].strip("-") or "course"
    taken = set(
        db.session.scalars(
            select(Course.slug).where(func.lower(Course.slug).like(f"{base}%"))
        )
    ) | RESERVED_SLUGS
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


class ReviseCourse:
    """Revise a course: record the changes asked for and, if chosen, publish them.

    "Publish it" publishes a draft course, or makes a published course match
    the revision its tutors prepared (:mod:`courses.revisions`). Either way the
    proposal pins the content (``content``: its digest when the proposal is
    raised), so the enactment publishes exactly what members voted on and fails,
    recorded as failed, if the draft or revision changed since.
    """

    key = "courses:revise"
    label = _l("Revise a course")
    resolution = "ordinary"
    statuses = (STATUS_DRAFT, STATUS_PUBLISHED)

    def fields(self) -> list[dict[str, Any]]:
        return [
            {"name": "course", "label": _("Course"), "type": "choice", "required": True,
             "choices": _course_choices(self.statuses)},
            {"name": "changes", "label": _("What changes"), "type": "textarea",
             "required": True, "max_length": 20000},
            {"name": "publish", "label": _("Publish it"),
             "type": "boolean", "required": False, "default": False,
             "help": _("A draft course goes live as it is now; a published course takes the "
                       "revision its tutors prepared, as it is now.")},
        ]

    def validate(self, payload: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        course = _course_choice(payload, errors, self.statuses)
        changes = _text(payload, "changes", errors, max_length=20000,
                        message=_("Say what should change."))
        publish = _flag(payload, "publish")
        content = ""
        if course is not None and publish:
            target = course if course.status == STATUS_DRAFT else revision_of(course)
            if target is None:
                errors["publish"] = _("No revision of this course is prepared yet: its tutors "
                                      "prepare one in Course authoring first.")
            elif not any(i.required for i in target.items):
                errors["publish"] = _("It has no lesson or quiz yet: there is nothing to "
                                      "publish.")
            else:
                content = content_digest(target)
        if errors:
            raise PayloadError(errors)
        cleaned = {"course": course.slug, "changes": changes, "publish": publish}
        if content:
            cleaned["content"] = content
        return cleaned

    def describe(self, payload: dict[str, Any]) -> str:
        if payload.get("publish"):
            return _("Revise the course “%(slug)s” and publish it: %(changes)s",
                     slug=payload.get("course", ""), changes=payload.get("changes", ""))
        return _("Revise the course “%(slug)s”: %(changes)s", slug=payload.get("course", ""),
                 changes=payload.get("changes", ""))

    def enact(self, decision: DecisionRecord) -> EnactmentResult:
        done = _already(decision)
        if done is not None:
            return _repeat(done)
        course = _decided_course(decision)
        if course.status not in self.statuses:
            raise ops.CourseError(_("The course has been retired; it cannot be revised."))
        summary = _("The changes are recorded on “%(title)s” for its tutors.", title=course.title)
        content = decision.payload.get("content")
        if decision.payload.get("publish"):
            if course.status == STATUS_DRAFT:
                if content and content_digest(course) != content:
                    raise ops.CourseError(_("The draft has changed since the members' decision; "
                                            "propose the current draft again."))
                authoring.set_status(course, STATUS_PUBLISHED)
                summary = _("“%(title)s” is published (version %(version)d).",
                            title=course.title, version=course.version)
            elif content:
                revision = revision_of(course)
                if revision is None:
                    raise ops.CourseError(_("The revision members decided on is gone."))
                publish_revision(revision, expected_digest=content)
                summary = _("“%(title)s” now shows the revision members decided on "
                            "(version %(version)d).", title=course.title,
                            version=course.version)
            else:
                summary = _("“%(title)s” was already published (version %(version)d); the "
                            "changes are recorded for its tutors.", title=course.title,
                            version=course.version)
        _record(course, decision)
        return EnactmentResult(summary, _links(course))


class RetireCourse:
    """Retire a course: it leaves the catalogue on a date; enrolled learners may finish."""

    key = "courses:retire"
    label = _l("Retire a course")
    resolution = "special"
    statuses = (STATUS_PUBLISHED,)

    def fields(self) -> list[dict[str, Any]]:
        return [
            {"name": "course", "label": _("Course"), "type": "choice", "required": True,
             "choices": _course_choices(self.statuses)},
            {"name": "from_date", "label": _("Leaves the catalogue on"), "type": "date",
             "required": True, "help": _("Today or a later day.")},
            {"name": "learners", "label": _("Learners already in the course"),
             "type": "choice", "required": True, "default": LEARNERS_MAY_FINISH,
             "choices": [(LEARNERS_MAY_FINISH, _("may finish it"))]},
        ]

    def validate(self, payload: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        course = _course_choice(payload, errors, self.statuses)
        raw = _text(payload, "from_date", errors, message=_("Enter the day it leaves."))
        day = None
        if raw:
            try:
                day = dt.date.fromisoformat(raw)
            except ValueError:
                errors["from_date"] = _("Enter a date as YYYY-MM-DD.")
            else:
                if day < dt.datetime.now(dt.UTC).date():
                    errors["from_date"] = _("Choose today or a later day.")
        learners = str(payload.get("learners") or LEARNERS_MAY_FINISH)
        if learners != LEARNERS_MAY_FINISH:
            errors["learners"] = _("Choose one of the options in the list.")
        if errors:
            raise PayloadError(errors)
        return {"course": course.slug, "from_date": day.isoformat(), "learners": learners}

    def describe(self, payload: dict[str, Any]) -> str:
        return _("Retire the course “%(slug)s” from %(date)s; learners already in it may "
                 "finish it.", slug=payload.get("course", ""), date=payload.get("from_date", ""))

    def enact(self, decision: DecisionRecord) -> EnactmentResult:
        done = _already(decision)
        if done is not None:
            return _repeat(done)
        course = _decided_course(decision)
        day = dt.date.fromisoformat(decision.payload["from_date"])
        # The start of the day in UTC, as the authoring form stores it; the course stays
        # published, so its enrolled learners keep opening and finishing it.
        authoring.save_course(course, retire_dt=dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC))
        _record(course, decision)
        return EnactmentResult(
            _("“%(title)s” leaves the catalogue on %(date)s; learners already in it may "
              "finish it.", title=course.title, date=format_date(day, "long")),
            _links(course),
        )


KINDS = (AddCourse(), ReviseCourse(), RetireCourse())
