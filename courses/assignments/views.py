"""Assignment pages (blueprint ``courses_assign`` at ``/courses/assignments``).

The learner's page is the course item page (``courses.item`` renders it with
:func:`assignment_page`); the answer, files and submission are POSTs here.
Tutors and admins mark from the queue. Files are served only to the learner
and those who may mark their work, always as attachments, with ``nosniff``
and a sandboxing Content-Security-Policy.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import load_only

from lms.accounts.models import User
from lms.db import db
from lms.permissions import login_required, require

from ..cohorts.models import Cohort, CohortMember
from ..forms import action_is_valid
from ..models import KIND_ASSIGNMENT, Course, Enrolment, Item
from ..permissions import COURSES_ASSIGNMENT_MARK
from ..shown import NO_LANG, lang_attributes, page_language
from ..titles import item_title
from ..views.in_language import in_language, neighbours
from ..views.learn import _learning, _not_enrolled, _refuse_locked
from . import files
from . import operations as ops
from .access import can_mark, markable
from .forms import ACTION_ATTACH, ACTION_SAVE, ACTION_SUBMIT, AnswerForm, mark_form
from .models import STATE_SUBMITTED, Submission, SubmissionFile, SubmissionVersion
from .spec import FILE_TYPES, spec_of

bp = Blueprint(
    "courses_assign", "courses", url_prefix="/courses/assignments", template_folder="templates"
)
QUEUE_SIZE = 50
#: Downloads never render in the browser: no script, no plug-in, no same-origin access.
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
}


def _history(submission: Submission | None):
    """The versions sent, newest first, with their marks and files (three queries)."""
    if submission is None or not submission.version_count:
        return []
    versions = list(db.session.scalars(
        select(SubmissionVersion).where(SubmissionVersion.submission_id == submission.id)
        .order_by(SubmissionVersion.number.desc())
    ))
    ids = [v.id for v in versions]
    marks, attached = ops.marks_of(ids), ops.files_of(ids)
    markers = {u.id: u.display_name for u in db.session.scalars(
        select(User).where(User.id.in_({v.marked_by_id for v in versions if v.marked_by_id}))
    )}
    return [(v, marks.get(v.id, {}), attached.get(v.id, []), markers.get(v.marked_by_id))
            for v in versions]


def _due_on(item: Item, cohort_id: int | None):
    if cohort_id is None:
        return None
    start = db.session.scalar(select(Cohort.start_date).where(Cohort.id == cohort_id))
    return spec_of(item.assignment).due_on(start)


def assignment_page(course, enrolment, item, progress, modules, *, schedule=None,
                    cohort_id=None, answer_form=None, unsent=None, status=200):
    """The learner's assignment page: prompt, rubric, due date, their answer and feedback.

    Assignments are not translated: on a page in another language than the course's, the
    prompt and rubric say so and are marked with the course's language (the course's title
    and outline are translated where they can be, as on its other pages).

    :param answer_form: the learner's form as they sent it (refused: its errors and their
        text shown again); by default the form with the saved draft.
    :param unsent: the answer they sent that could not be kept (the work was submitted or
        passed meanwhile), shown read-only to copy.
    """
    spec = spec_of(item.assignment)
    submission = ops.find(enrolment, item)
    if answer_form is None:
        answer_form = AnswerForm(formdata=None, text=submission.draft_text if submission else "")
    course, item, progress, modules, note = in_language(course, item, progress, modules)
    before, after = neighbours(course, progress, item.id)
    return render_template(
        "courses/assignments/assignment.html",
        course=course,
        item=item,
        lang_note=note,
        text_lang=note.attributes if note else NO_LANG,
        spec=spec,
        state=progress.item(item.id),
        progress=progress,
        modules=modules,
        before=before,
        after=after,
        schedule=schedule,
        submission=submission,
        draft=ops.draft_files(submission) if submission else [],
        history=_history(submission),
        form=answer_form,
        unsent=unsent,
        due_on=_due_on(item, cohort_id),
        file_types=FILE_TYPES,
    ), status


def _assignment(slug: str, key: str):
    course, enrolment, item, cohort_id = _learning(slug, key)
    if enrolment is None:
        return course, None, None, None, _not_enrolled(course)
    if item is None or item.kind != KIND_ASSIGNMENT:
        abort(404)
    refused = _refuse_locked(course, item, cohort_id)
    return course, enrolment, item, cohort_id, refused


def _back(course, item):
    return redirect(url_for("courses.item", slug=course.slug, key=item.key) + "#answer", 303)


@bp.route("/<slug>/<key>/answer", methods=["POST"])
@login_required
def answer(slug: str, key: str):
    """The learner's one form: save the draft, attach a file (keeping the answer) or submit.

    The button pressed is ``action``: ``save``, ``attach`` or ``submit``. A file chosen is
    attached whichever it is; refused, nothing of the action is done.
    """
    return _work(slug, key, ACTION_SAVE)


@bp.route("/<slug>/<key>/files", methods=["POST"])
@login_required
def upload(slug: str, key: str):
    """Attach a file to the draft: checked by its content against the author's types and size.

    The page's form posts to :func:`answer`; this address stays for forms sent from
    pages opened before, which carry the file only.
    """
    return _work(slug, key, ACTION_ATTACH)


def _again(course, enrolment, item, cohort_id, form, status, unsent=None):
    """The page again with the learner's form as they sent it: nothing they typed is lost."""
    from ..outline_progress import outline_for

    progress, modules = outline_for(enrolment)
    return assignment_page(course, enrolment, item, progress, modules, cohort_id=cohort_id,
                           answer_form=form, unsent=unsent, status=status)


def _work(slug: str, key: str, default_action: str):
    course, enrolment, item, cohort_id, refused = _assignment(slug, key)
    if refused is not None:
        return refused
    form = AnswerForm()
    if form.action.data not in (ACTION_SAVE, ACTION_ATTACH, ACTION_SUBMIT):
        form.action.data = default_action

    def again(status, unsent=None):
        return _again(course, enrolment, item, cohort_id, form, status, unsent)

    if not form.validate():
        return again(400)
    spec = spec_of(item.assignment)
    submission = ops.open_submission(enrolment, item)
    # A form from a page opened before this one form (the file only) sends no answer: the
    # draft is left as it is.
    sent_text = "text" in request.form
    text = form.text.data or ""
    # A file chosen goes whichever button was pressed: "Save" or "Submit" instead of
    # "Attach" must not drop it. Refused, it refuses the whole action.
    chosen = form.file.data
    messages = []
    try:
        if form.action.data == ACTION_SUBMIT:
            # A submitting form sent twice carries the file the first one sent: not a change.
            if chosen and not ops.sent_with(submission, spec, chosen):
                row = ops.add_file(submission, spec, chosen)
                messages.append(_("“%(name)s” is attached.", name=row.original_name))
            version = ops.submit(submission, spec, text)
            if version is None and sent_text and text != submission.draft_text:
                # Not a form sent twice: submitted from another tab, with other words than
                # these. Refused as a change would be, and these words are not lost.
                db.session.refresh(submission)
                ops.ensure_editable(submission)
            messages.append(_("Submitted. Your tutor will mark it.") if version is not None
                            else _("You had submitted this already."))
        else:
            # "Save" writes the draft (and is refused on work already sent); "Attach" keeps
            # the answer typed only when the form carried one.
            if sent_text or form.action.data == ACTION_SAVE:
                ops.save_draft(submission, text)
            if chosen or form.action.data == ACTION_ATTACH:
                row = ops.add_file(submission, spec, chosen)
                messages.append(_("“%(name)s” is attached.", name=row.original_name))
            if form.action.data == ACTION_SAVE:
                messages.append(_("Your draft is saved."))
    except ops.NotEditable as exc:
        # Submitted or passed meanwhile (another tab): the answer they sent is shown to copy.
        db.session.rollback()
        flash(str(exc), "error")
        return again(409, unsent=text if sent_text and text.strip() else None)
    except ops.FileNotTaken as exc:
        # The file refused (type, size, empty, too many): said by the file input, with
        # the answer still in its box, and nothing else of the action done.
        db.session.rollback()
        form.file.errors = [*form.file.errors, str(exc)]
        return again(400)
    except ops.AssignmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(course, item)
    db.session.commit()
    for message in messages:
        flash(message, "success")
    return _back(course, item)


def _file_and_owner(file_id: int):
    row = db.session.execute(
        select(SubmissionFile, Submission, Enrolment, Course, Item, CohortMember.cohort_id)
        .join(Submission, Submission.id == SubmissionFile.submission_id)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .join(Course, Course.id == Enrolment.course_id)
        .join(Item, Item.id == Submission.item_id)
        .outerjoin(CohortMember, CohortMember.enrolment_id == Enrolment.id)
        .where(SubmissionFile.id == file_id)
    ).one_or_none()
    if row is None:
        abort(404)
    return row


@bp.route("/files/<int:file_id>/remove", methods=["POST"])
@login_required
def remove(file_id: int):
    """The learner removes a file from their draft.

    Its button is in the page's one form, so the answer typed so far comes too and is
    kept as the draft (a form from an older page sends none, and the draft stays).
    """
    row, submission, enrolment, course, item, cohort_id = _file_and_owner(file_id)
    if enrolment.user_id != current_user.id:
        abort(404)
    if not action_is_valid():
        abort(400)
    form = AnswerForm()
    sent_text = "text" in request.form
    if sent_text and not form.validate():
        return _again(course, enrolment, item, cohort_id, form, 400)
    try:
        if sent_text:
            ops.save_draft(submission, form.text.data or "")
        ops.remove_file(submission, row)
    except ops.NotEditable as exc:
        db.session.rollback()
        flash(str(exc), "error")
        text = form.text.data or ""
        return _again(course, enrolment, item, cohort_id, form, 409,
                      unsent=text if text.strip() else None)
    except ops.AssignmentError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _back(course, item)
    db.session.commit()
    flash(_("The file is removed."), "success")
    return _back(course, item)


@bp.route("/files/<int:file_id>")
@login_required
def download(file_id: int):
    """A submitted file, for its learner and those who may mark their work; 404 for others."""
    row, _submission, enrolment, course, _item, cohort_id = _file_and_owner(file_id)
    if enrolment.user_id != current_user.id and not can_mark(enrolment.user_id, course,
                                                             cohort_id):
        abort(404)
    try:
        path = files.path_of(row.stored_name)
        response = send_file(
            path, mimetype=FILE_TYPES[row.file_type][0], as_attachment=True,
            download_name=row.original_name, max_age=0, conditional=False,
        )
    except FileNotFoundError:
        abort(404)
    response.headers.update(DOWNLOAD_HEADERS)
    return response


# -- marking ---------------------------------------------------------------------------------


def _queue_query():
    # The course and the item with what their titles need in the marker's language
    # (courses_title, courses_item_title): ids, titles, the course's language and version.
    return (
        select(Submission, Enrolment.user_id, User.display_name, Item, Course,
               CohortMember.cohort_id)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .join(Item, Item.id == Submission.item_id)
        .join(Course, Course.id == Enrolment.course_id)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(CohortMember, CohortMember.enrolment_id == Enrolment.id)
        .where(Submission.state == STATE_SUBMITTED, markable())
        .options(load_only(Item.id, Item.key, Item.title),
                 load_only(Course.id, Course.slug, Course.title, Course.language,
                           Course.updated_dt))
    )


@bp.route("/marking")
@require(COURSES_ASSIGNMENT_MARK)
def queue():
    """Submissions waiting for marking that the user may mark, oldest first."""
    rows = db.session.execute(
        _queue_query().order_by(Submission.submitted_dt, Submission.id).limit(QUEUE_SIZE + 1)
    ).all()
    return render_template("courses/assignments/queue.html", rows=rows[:QUEUE_SIZE],
                           more=len(rows) > QUEUE_SIZE)


def _submission_for_marker(submission_id: int):
    row = db.session.execute(
        select(Submission, Enrolment, Course, Item, User, CohortMember.cohort_id)
        .join(Enrolment, Enrolment.id == Submission.enrolment_id)
        .join(Course, Course.id == Enrolment.course_id)
        .join(Item, Item.id == Submission.item_id)
        .join(User, User.id == Enrolment.user_id)
        .outerjoin(CohortMember, CohortMember.enrolment_id == Enrolment.id)
        .where(Submission.id == submission_id)
    ).one_or_none()
    if row is None or not can_mark(row[1].user_id, row[2], row[5]):
        abort(404)
    return row


def _mark_page(submission, course, item, learner, form, status=200):
    """The marking page, in the marker's language: the assignment (never translated) is
    marked with the course's language when it is not the page's."""
    lang = "" if page_language() == course.language else course.language
    return render_template(
        "courses/assignments/mark.html",
        submission=submission, course=course, item=item, learner=learner,
        title=item_title(course, item), text_lang=lang_attributes(lang),
        spec=spec_of(item.assignment), history=_history(submission), form=form,
        markable=submission.state == STATE_SUBMITTED, file_types=FILE_TYPES,
    ), status


@bp.route("/submissions/<int:submission_id>", methods=["GET", "POST"])
@login_required
def mark(submission_id: int):
    """Mark the latest version against the rubric: feedback, then pass or ask again."""
    submission, enrolment, course, item, learner, _cohort = _submission_for_marker(submission_id)
    spec = spec_of(item.assignment)
    if request.method == "GET":
        form = mark_form(spec, formdata=None, lock_version=str(submission.lock_version))
        return _mark_page(submission, course, item, learner, form)
    form = mark_form(spec)
    if not form.validate():
        return _mark_page(submission, course, item, learner, form, 400)
    marking = ops.Marking(
        levels={c.key: form[f"c-{c.key}"].data for c in spec.rubric},
        feedback=form.feedback.data,
        outcome=form.outcome.data,
    )
    try:
        ops.mark(submission, spec, current_user, int(form.lock_version.data), marking, course,
                 item)
    except ops.MarkConflict as exc:
        db.session.rollback()
        flash(str(exc), "error")
        db.session.expire_all()
        submission = db.session.get(Submission, submission_id)
        # Everything the tutor chose comes back (levels, feedback, outcome), on the form as
        # the submission now is: to send again when it still waits, or to copy when not.
        fresh = mark_form(spec, formdata=None, data={
            **{name: value for name, value in form.data.items() if name != "csrf_token"},
            "lock_version": str(submission.lock_version),
        })
        return _mark_page(submission, course, item, learner, fresh, 409)
    db.session.commit()
    flash(_("Marked. %(name)s is told.", name=learner.display_name), "success")
    return redirect(url_for(".queue"), 303)
