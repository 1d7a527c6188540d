"""Discussion pages (blueprint ``courses_discuss`` at ``/courses/discuss``).

Every page needs an account, and every page first opens the space through
:func:`.access.open_space`, which answers 404 to anyone outside it. Posting
(a thread or a reply) is rate limited per person; "Preview" sends the same
form and shows the rendered message without saving it, so it needs no
JavaScript. The moderators' pages are in :mod:`.moderation_views`.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import load_only

from lms.accounts.models import User
from lms.db import db
from lms.extensions import limiter
from lms.paging import MAX_PAGE, int_arg
from lms.permissions import login_required

from ..forms import action_is_valid
from ..models import KIND_LESSON, Course, Item
from ..views.common import course_by_slug
from . import operations as ops
from .access import COURSE_SPACE, Space, open_space, spaces_of
from .forms import EditForm, ReplyForm, ThreadForm
from .models import DiscussionFollow, DiscussionPost, DiscussionThread
from .operations import PAGE_SIZE

bp = Blueprint(
    "courses_discuss", "courses", url_prefix="/courses/discuss", template_folder="templates"
)
#: Posting limit per person unless ``COURSES_DISCUSSION_POST_LIMIT`` says otherwise.
DEFAULT_POST_LIMIT = "10 per minute; 100 per hour"


def _post_limit() -> str:
    return current_app.config.get("COURSES_DISCUSSION_POST_LIMIT", DEFAULT_POST_LIMIT)


def _user_key() -> str:
    return f"user:{current_user.id}"


def _previewing() -> bool:
    return request.form.get("action") == "preview"


posting_limit = limiter.shared_limit(
    _post_limit, scope="courses_discuss_post", key_func=_user_key, methods=["POST"],
    exempt_when=_previewing,
)


def _page_arg() -> int:
    # int_arg: ASCII digits only ("²" is a digit to str.isdigit, not to int).
    return int_arg("page", 1, maximum=MAX_PAGE)


def _thread_and_space(thread_id: int) -> tuple[DiscussionThread, Space]:
    row = db.session.execute(
        select(DiscussionThread, Course)
        .join(Course, Course.id == DiscussionThread.course_id)
        .where(DiscussionThread.id == thread_id)
    ).one_or_none()
    if row is None:
        abort(404)
    thread, course = row
    key = COURSE_SPACE if thread.cohort_id is None else str(thread.cohort_id)
    return thread, open_space(course, key)


def _post_in_space(post_id: int) -> tuple[DiscussionPost, DiscussionThread, Space]:
    post = db.session.get(DiscussionPost, post_id) or abort(404)
    thread, space = _thread_and_space(post.thread_id)
    return post, thread, space


def _thread_url(thread: DiscussionThread, number: int | None = None) -> str:
    if number is None:
        return url_for("courses_discuss.thread", thread_id=thread.id)
    return url_for(
        "courses_discuss.thread", thread_id=thread.id, page=ops.page_of(number)
    ) + f"#post-{number}"


# -- spaces ---------------------------------------------------------------------------------


@bp.route("/course/<slug>")
@login_required
def course_spaces(slug: str):
    """The spaces of a course the user may open: a learner goes straight to theirs."""
    course = course_by_slug(slug)
    spaces = spaces_of(course)
    if not spaces:
        abort(404)
    lesson = request.args.get("lesson", "")
    if len(spaces) == 1:
        args = {"lesson": lesson} if lesson else {}
        return redirect(url_for(".space", slug=slug, space=spaces[0].key, **args))
    return render_template(
        "courses/discuss/spaces.html", course=course, spaces=spaces, lesson=lesson
    )


def _lesson_item(course: Course, key: str) -> Item | None:
    if not key:
        return None
    return db.session.scalar(
        select(Item).where(Item.course_id == course.id, Item.key == key, Item.kind == KIND_LESSON)
    ) or abort(404)


def _space_page(space: Space, form: ThreadForm, lesson_item: Item | None, preview=None,
                status=200):
    query = select(DiscussionThread).where(
        DiscussionThread.course_id == space.course.id,
        DiscussionThread.cohort_id.is_(None)
        if space.cohort is None
        else DiscussionThread.cohort_id == space.cohort.id,
    )
    if lesson_item is not None:
        query = query.where(DiscussionThread.item_id == lesson_item.id)
    page = _page_arg()
    # Each thread with its lesson's id and title (courses_item_title shows it translated).
    threads = db.session.execute(
        query.add_columns(Item)
        .outerjoin(Item, Item.id == DiscussionThread.item_id)
        .options(load_only(Item.id, Item.title))
        .order_by(
            DiscussionThread.is_pinned.desc(),
            DiscussionThread.last_post_dt.desc(),
            DiscussionThread.id.desc(),
        )
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    return render_template(
        "courses/discuss/space.html",
        space=space,
        course=space.course,
        threads=threads[:PAGE_SIZE],
        has_next=len(threads) > PAGE_SIZE,
        page=page,
        form=form,
        lesson=lesson_item,
        preview=preview,
    ), status


@bp.route("/course/<slug>/space/<space>")
@login_required
def space(slug: str, space: str):
    """A space's threads (pinned first, then by latest post) and the form to start one."""
    course = course_by_slug(slug)
    opened = open_space(course, space)
    lesson_item = _lesson_item(course, request.args.get("lesson", ""))
    form = ThreadForm(formdata=None, lesson=lesson_item.key if lesson_item else "").fresh()
    return _space_page(opened, form, lesson_item)


@bp.route("/course/<slug>/space/<space>", methods=["POST"])
@login_required
@posting_limit
def start(slug: str, space: str):
    """Start a thread (or preview it)."""
    course = course_by_slug(slug)
    opened = open_space(course, space)
    form = ThreadForm()
    lesson_item = _lesson_item(course, form.lesson.data or "")
    if not form.validate():
        return _space_page(opened, form, lesson_item, status=400)
    if _previewing():
        return _space_page(
            opened, form, lesson_item, preview=ops.render_post(form.body.data, course.slug)
        )
    thread = ops.start_thread(
        course=course,
        cohort_id=opened.cohort.id if opened.cohort else None,
        item_id=lesson_item.id if lesson_item else None,
        author=current_user,
        title=form.title.data.strip(),
        body=form.body.data,
        token=form.submit_token.data,
    )
    db.session.commit()
    flash(_("Your thread is started. You will be told of replies."), "success")
    return redirect(_thread_url(thread), 303)


# -- threads --------------------------------------------------------------------------------


def _thread_page(thread, space, form, preview=None, status=200):
    page = _page_arg()
    first = (page - 1) * PAGE_SIZE + 1
    posts = db.session.execute(
        select(DiscussionPost, User.display_name)
        .outerjoin(User, User.id == DiscussionPost.author_id)
        .where(
            DiscussionPost.thread_id == thread.id,
            DiscussionPost.number.between(first, first + PAGE_SIZE - 1),
        )
        .order_by(DiscussionPost.number)
    ).all()
    if page > 1 and not posts:
        abort(404)
    following = db.session.scalar(
        select(DiscussionFollow.id).where(
            DiscussionFollow.thread_id == thread.id, DiscussionFollow.user_id == current_user.id
        )
    ) is not None
    lesson_item = db.session.get(Item, thread.item_id) if thread.item_id else None
    pages = (thread.post_count - 1) // PAGE_SIZE + 1
    return render_template(
        "courses/discuss/thread.html",
        thread=thread,
        space=space,
        course=space.course,
        posts=posts,
        page=page,
        pages=pages,
        following=following,
        form=form,
        preview=preview,
        lesson=lesson_item,
        now=ops.utcnow(),
        can_edit=ops.can_edit,
    ), status


@bp.route("/thread/<int:thread_id>")
@login_required
def thread(thread_id: int):
    """A thread's posts, 50 to a page, oldest first, and the reply form on the last page."""
    found, space = _thread_and_space(thread_id)
    return _thread_page(found, space, ReplyForm(formdata=None).fresh())


@bp.route("/thread/<int:thread_id>", methods=["POST"])
@login_required
@posting_limit
def reply(thread_id: int):
    """Reply (or preview the reply)."""
    found, space = _thread_and_space(thread_id)
    form = ReplyForm()
    if not form.validate():
        return _thread_page(found, space, form, status=400)
    if _previewing():
        return _thread_page(found, space, form, preview=ops.render_post(form.body.data,
                                                                        space.course.slug))
    try:
        post = ops.reply(found, current_user, form.body.data, form.submit_token.data,
                         space.course.slug)
    except ops.DiscussionError as exc:
        # Locked meanwhile, or a reply numbered at the same moment: the page again, with
        # the message still in the form (or shown to copy, when the thread is locked).
        db.session.rollback()
        flash(str(exc), "error")
        return _thread_page(found, space, form, status=409)
    db.session.commit()
    return redirect(_thread_url(found, post.number), 303)


@bp.route("/thread/<int:thread_id>/follow", methods=["POST"])
@login_required
def follow(thread_id: int):
    """Follow or stop following a thread (``follow=1`` or ``0``)."""
    found, _space = _thread_and_space(thread_id)
    if not action_is_valid():
        abort(400)
    on = request.form.get("follow") == "1"
    ops.follow(found, current_user.id, on)
    db.session.commit()
    flash(_("You follow this thread.") if on else _("You no longer follow this thread."),
          "success")
    return redirect(_thread_url(found), 303)


# -- posts ----------------------------------------------------------------------------------


@bp.route("/post/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    """The author changes their post within 30 minutes of posting it, unless it is locked."""
    post, found, space = _post_in_space(post_id)
    if post.author_id != current_user.id:
        abort(403)
    form = EditForm(body=post.body_md) if request.method == "GET" else EditForm()
    refusal = ops.edit_refusal(post, found, current_user.id)
    if refusal is not None:
        flash(refusal, "error")
        if request.method == "GET":
            return redirect(_thread_url(found, post.number), 303)
        # The time ran out, a moderator hid the post or locked the thread while they wrote:
        # keep their words.
        return _edit_page(post, found, space, form, closed=True, status=409)
    preview = None
    if request.method == "POST" and form.validate():
        if _previewing():
            preview = ops.render_post(form.body.data, space.course.slug)
        else:
            try:
                ops.edit(post, found, current_user, form.body.data, space.course.slug)
            except ops.DiscussionError as exc:
                db.session.rollback()
                flash(str(exc), "error")
                return _edit_page(post, found, space, form, closed=True, status=409)
            db.session.commit()
            flash(_("Your post is changed."), "success")
            return redirect(_thread_url(found, post.number), 303)
    return _edit_page(post, found, space, form, preview=preview,
                      status=400 if form.errors else 200)


def _edit_page(post, thread, space, form, *, preview=None, closed=False, status=200):
    return render_template(
        "courses/discuss/edit.html", post=post, thread=thread, course=space.course, form=form,
        preview=preview, closed=closed,
    ), status


@bp.route("/post/<int:post_id>/delete", methods=["POST"])
@login_required
def delete(post_id: int):
    """The author deletes their post; a placeholder keeps its place."""
    post, found, _space = _post_in_space(post_id)
    if post.author_id != current_user.id:
        abort(403)
    if not action_is_valid():
        abort(400)
    ops.delete(post, current_user)
    db.session.commit()
    flash(_("Your post is deleted."), "success")
    return redirect(_thread_url(found, post.number), 303)


# The moderators' pages are routes of this blueprint too.
from . import moderation_views  # noqa: E402, F401
