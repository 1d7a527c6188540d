"""The assignment writes: check, mutate, flush, notify; never commit.

Two guards make the integrity rules hold under concurrency. Submitting moves
the submission out of ``draft``/``returned`` with one conditional ``UPDATE``:
a form sent twice finds it already ``submitted`` and adds no version (and the
unique ``(submission_id, number)`` backs it). Marking applies only when the
submission's ``lock_version`` is still the one the tutor's form was built
from: a second tutor marking at the same time is told, and their marks are
not written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select, update

from lms import audit
from lms.accounts.models import User
from lms.contracts import NotificationKind
from lms.db import db, insert_unless_exists, utcnow
from lms.notifications import notify

from .. import operations as course_ops
from ..markdown import render_markdown
from ..models import Course, Enrolment, Item, Progress
from . import files
from .models import (
    STATE_DRAFT,
    STATE_PASSED,
    STATE_RETURNED,
    STATE_SUBMITTED,
    Submission,
    SubmissionFile,
    SubmissionMark,
    SubmissionVersion,
)
from .spec import AssignmentSpec

EDITABLE = (STATE_DRAFT, STATE_RETURNED)
KIND_MARKED = "courses.assignment_marked"
NOTIFICATION_KINDS = (
    NotificationKind(
        KIND_MARKED, _l("Your assignments marked"),
        _l("A tutor passed your assignment or asked you to submit it again, with feedback."),
    ),
)


class AssignmentError(Exception):
    """The action cannot be done; the message says why in plain words."""


class NotEditable(AssignmentError):
    """The work was submitted or passed (from another tab, say): the draft takes no change."""


class FileNotTaken(AssignmentError):
    """The chosen file cannot be attached (none taken, too many, too big, empty, wrong type)."""


class MarkConflict(AssignmentError):
    """Someone changed the submission since the marking form was opened."""


def find(enrolment: Enrolment, item: Item) -> Submission | None:
    return db.session.scalar(
        select(Submission).where(
            Submission.enrolment_id == enrolment.id, Submission.item_id == item.id
        )
    )


def open_submission(enrolment: Enrolment, item: Item) -> Submission:
    """The learner's submission for ``item``, made (as an empty draft) if need be."""
    found = find(enrolment, item)
    if found is not None:
        return found
    submission = Submission(enrolment_id=enrolment.id, item_id=item.id, state=STATE_DRAFT,
                            draft_text="", updated_dt=utcnow())
    if not insert_unless_exists(submission):
        return find(enrolment, item)
    return submission


def ensure_editable(submission: Submission) -> None:
    """Refuse a change to work that was submitted (until it is marked) or passed.

    :raises NotEditable: saying which, in plain words.
    """
    if submission.state == STATE_SUBMITTED:
        raise NotEditable(_("You submitted this assignment. Wait for your tutor's marking."))
    if submission.state == STATE_PASSED:
        raise NotEditable(_("You passed this assignment: there is nothing more to send."))


def _lock_editable(submission: Submission) -> None:
    """Lock the submission's row, read its state again, then :func:`ensure_editable`.

    The learner's page may have been loaded before a submit from another tab
    committed: a draft saved on that stale read would overwrite the text sent,
    and a file added would stay behind as a draft of submitted work. With the
    row locked (PostgreSQL; SQLite's writer holds the database's lock), the
    conditional update of :func:`submit` waits for this transaction.
    """
    db.session.refresh(submission, with_for_update=True)
    ensure_editable(submission)


def save_draft(submission: Submission, text: str) -> None:
    """Keep ``text`` as the draft.

    :raises NotEditable: the work was submitted or passed meanwhile.
    """
    _lock_editable(submission)
    submission.draft_text = text
    submission.updated_dt = utcnow()
    db.session.flush()


def draft_files(submission: Submission) -> list[SubmissionFile]:
    return list(
        db.session.scalars(
            select(SubmissionFile)
            .where(SubmissionFile.submission_id == submission.id,
                   SubmissionFile.version_id.is_(None))
            .order_by(SubmissionFile.id)
        )
    )


def add_file(submission: Submission, spec: AssignmentSpec, upload) -> SubmissionFile:
    """Check ``upload`` (a Werkzeug ``FileStorage``) by its content and keep it with the draft.

    :raises NotEditable: the work was submitted or passed meanwhile.
    :raises FileNotTaken: too many files, too big, empty, or not an allowed type.
    """
    _lock_editable(submission)
    if not spec.files:
        raise FileNotTaken(_("This assignment takes no files."))
    if len(draft_files(submission)) >= spec.max_count:
        raise FileNotTaken(
            ngettext("You can attach at most %(num)d file. Remove it first.",
                     "You can attach at most %(num)d files. Remove one first.", spec.max_count)
        )
    try:
        data = files.read_limited(upload.stream, spec.max_bytes)
    except files.FileRefused:
        raise FileNotTaken(
            _("The file is bigger than %(kb)d KB, the limit for this assignment.", kb=spec.max_kb)
        ) from None
    if not data:
        raise FileNotTaken(_("The file is empty."))
    kind = files.sniff(data)
    if kind is None or not spec.allows(kind):
        allowed = ", ".join(spec.labels())
        raise FileNotTaken(
            _("This file is not one of the types this assignment takes (%(allowed)s). "
              "Its content was checked, not its name.", allowed=allowed)
        )
    stored, digest = files.store(data)
    name = (upload.filename or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    row = SubmissionFile(
        submission_id=submission.id, stored_name=stored, original_name=name, file_type=kind,
        size=len(data), sha256=digest, uploaded_dt=utcnow(),
    )
    db.session.add(row)
    submission.updated_dt = utcnow()
    db.session.flush()
    return row


def sent_with(submission: Submission, spec: AssignmentSpec, upload) -> bool:
    """Whether ``upload`` went with the work last sent: the same submitting form sent twice.

    Only for work submitted or passed (a draft sent nothing). The file is recognised by
    its content; the stream is rewound, so it can still be attached (or refused).
    """
    if submission.state not in (STATE_SUBMITTED, STATE_PASSED):
        return False
    try:
        data = files.read_limited(upload.stream, spec.max_bytes)
    except files.FileRefused:
        return False  # not one that could have been taken
    finally:
        upload.stream.seek(0)
    digest = hashlib.sha256(data).hexdigest()
    version = latest_version(submission)
    return version is not None and db.session.scalar(
        select(SubmissionFile.id).where(
            SubmissionFile.version_id == version.id, SubmissionFile.sha256 == digest
        ).limit(1)
    ) is not None


def remove_file(submission: Submission, row: SubmissionFile) -> None:
    _lock_editable(submission)
    if row.submission_id != submission.id or row.version_id is not None:
        raise AssignmentError(_("Only a file of your draft can be removed."))
    stored = row.stored_name
    db.session.delete(row)
    db.session.flush()
    files.discard_after_commit([stored])


def submit(submission: Submission, spec: AssignmentSpec, text: str) -> SubmissionVersion | None:
    """Send the draft as a new version; ``None`` when it was already sent (a form sent twice).

    :raises AssignmentError: nothing to send, or not allowed now.
    """
    if submission.state in (STATE_SUBMITTED, STATE_PASSED):
        return None
    attached = draft_files(submission)
    if spec.text and not spec.files and not text.strip():
        raise AssignmentError(_("Write your answer before you submit it."))
    if spec.files and not spec.text and not attached:
        raise AssignmentError(_("Attach your file before you submit."))
    if not text.strip() and not attached:
        raise AssignmentError(_("Write your answer or attach a file before you submit."))
    now = utcnow()
    moved = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.state.in_(EDITABLE))
        .values(
            state=STATE_SUBMITTED, version_count=Submission.version_count + 1,
            submitted_dt=now, updated_dt=now, draft_text=text,
            lock_version=Submission.lock_version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return None
    db.session.refresh(submission)
    version = SubmissionVersion(
        submission_id=submission.id, number=submission.version_count, text=text,
        submitted_dt=now,
    )
    db.session.add(version)
    db.session.flush()
    db.session.execute(
        update(SubmissionFile)
        .where(SubmissionFile.submission_id == submission.id, SubmissionFile.version_id.is_(None))
        .values(version_id=version.id)
        .execution_options(synchronize_session=False)
    )
    enrolment = db.session.get(Enrolment, submission.enrolment_id)
    enrolment.last_item_id = submission.item_id
    enrolment.last_activity_dt = now
    db.session.flush()
    return version


def latest_version(submission: Submission) -> SubmissionVersion | None:
    return db.session.scalar(
        select(SubmissionVersion)
        .where(SubmissionVersion.submission_id == submission.id)
        .order_by(SubmissionVersion.number.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Marking:
    """What a tutor decided: a level per criterion, feedback and the outcome."""

    levels: dict[str, str]
    feedback: str
    outcome: str  # STATE_PASSED or STATE_RETURNED


def mark(submission: Submission, spec: AssignmentSpec, marker: User, lock_version: int,
         marking: Marking, course: Course, item: Item) -> SubmissionVersion:
    """Mark the latest version, if nobody changed the submission since ``lock_version``.

    Passing records the item as done and completes the course when it was the
    last required item, through the same code as lessons and quizzes.

    :raises MarkConflict: another tutor marked it (or the learner changed it) meanwhile.
    """
    if marking.outcome not in (STATE_PASSED, STATE_RETURNED):
        raise AssignmentError(_("Choose whether the assignment passes."))
    moved = db.session.execute(
        update(Submission)
        .where(
            Submission.id == submission.id,
            Submission.lock_version == lock_version,
            Submission.state == STATE_SUBMITTED,
        )
        .values(state=marking.outcome, lock_version=Submission.lock_version + 1,
                updated_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise MarkConflict(
            _("Someone marked this submission (or it changed) while you were marking it. "
              "Your marks were not saved; here it is as it is now.")
        )
    db.session.refresh(submission)
    version = latest_version(submission)
    now = utcnow()
    version.outcome = marking.outcome
    version.feedback_md = marking.feedback
    version.feedback_html = render_markdown(marking.feedback)
    version.marked_by_id = marker.id
    version.marked_dt = now
    for criterion in spec.rubric:
        level = criterion.level(marking.levels[criterion.key])
        db.session.add(SubmissionMark(version_id=version.id, criterion=criterion.key,
                                      level=level.key, points=level.points))
    enrolment = db.session.get(Enrolment, submission.enrolment_id)
    if marking.outcome == STATE_RETURNED:
        submission.draft_text = version.text
    db.session.flush()
    if marking.outcome == STATE_PASSED:
        _record_pass(enrolment, item)
    audit.record(
        "courses.assignment.marked", subject_type="course", subject_id=course.slug,
        data={"submission_id": submission.id, "version": version.number,
              "learner_id": enrolment.user_id, "item": item.key, "outcome": marking.outcome},
    )
    notify(
        [enrolment.user_id],
        KIND_MARKED,
        _l("“%(title)s” passed", title=item.title) if marking.outcome == STATE_PASSED
        else _l("“%(title)s”: please submit it again", title=item.title),
        _l("%(name)s marked your assignment and wrote feedback.", name=marker.display_name),
        url_for("courses.item", slug=course.slug, key=item.key) + "#feedback",
        actor_id=marker.id,
    )
    return version


def _record_pass(enrolment: Enrolment, item: Item) -> None:
    exists = db.session.scalar(
        select(Progress.id).where(Progress.enrolment_id == enrolment.id,
                                  Progress.item_id == item.id)
    )
    if exists is None:
        insert_unless_exists(
            Progress(enrolment_id=enrolment.id, item_id=item.id, completed_dt=utcnow())
        )
    course_ops.check_completion(enrolment)


def marks_of(version_ids: list[int]) -> dict[int, dict[str, SubmissionMark]]:
    """The marks of several versions: version id -> criterion -> mark (one query)."""
    out: dict[int, dict[str, SubmissionMark]] = {}
    if not version_ids:
        return out
    for row in db.session.scalars(
        select(SubmissionMark).where(SubmissionMark.version_id.in_(version_ids))
    ):
        out.setdefault(row.version_id, {})[row.criterion] = row
    return out


def files_of(version_ids: list[int]) -> dict[int, list[SubmissionFile]]:
    out: dict[int, list[SubmissionFile]] = {}
    if not version_ids:
        return out
    for row in db.session.scalars(
        select(SubmissionFile).where(SubmissionFile.version_id.in_(version_ids))
        .order_by(SubmissionFile.id)
    ):
        out.setdefault(row.version_id, []).append(row)
    return out
