"""The discussion writes: check, mutate, flush; never commit.

Posting takes the thread's lock (a PostgreSQL advisory lock; SQLite's write
lock, which every writing request holds) before numbering the post, and the
unique ``(thread, number)`` and ``(author, submit token)`` constraints catch
what a lock cannot: a form sent twice stores one post.
"""

from __future__ import annotations

import datetime as dt

import nh3
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.accounts.models import User
from lms.contracts import NotificationKind
from lms.db import db, insert_unless_exists, is_unique_violation, lock_for_update, utcnow
from lms.notifications import notify

from ..markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_SCHEMES,
    ALLOWED_TAGS,
    FILTER_STYLE,
    render_markdown,
)
from ..models import Course
from .access import readers_among
from .models import DiscussionFollow, DiscussionPost, DiscussionReport, DiscussionThread

#: Posts on a page of a thread (and threads on a page of a space).
PAGE_SIZE = 50
#: How long an author may edit their post.
EDIT_WINDOW = dt.timedelta(minutes=30)
#: Advisory-lock namespace for a thread's posting on PostgreSQL.
_THREAD_LOCK = 0x44_0000_0000


#: The notices discussions send (declared in the plugin).
KIND_REPLY = "courses.discussion_reply"
KIND_HIDDEN = "courses.discussion_post_hidden"
NOTIFICATION_KINDS = (
    NotificationKind(
        KIND_REPLY, _l("Replies in discussions you follow"),
        _l("Someone replied in a discussion thread you started, replied to or follow."),
    ),
    NotificationKind(
        KIND_HIDDEN, _l("Your posts hidden by a moderator"),
        _l("A tutor or administrator hid one of your discussion posts, with their reason."),
    ),
)


class DiscussionError(Exception):
    """The action cannot be done; the message says why."""


def render_post(source: str, course_slug: str) -> str:
    """A post's Markdown as safe HTML: the lessons' rules, without images.

    Images are dropped because a post's image would be fetched from a server
    of the author's choosing by everyone who reads the thread.
    """
    return nh3.clean(
        render_markdown(source, course_slug),
        tags=set(ALLOWED_TAGS - {"img", "sup"}),
        attributes={t: set(a) for t, a in ALLOWED_ATTRIBUTES.items() if t != "img"},
        url_schemes=set(ALLOWED_SCHEMES),
        filter_style_properties=set(FILTER_STYLE),
        link_rel=None,
        strip_comments=True,
    )


def _existing(author_id: int, token: str) -> DiscussionPost | None:
    return db.session.scalar(
        select(DiscussionPost).where(
            DiscussionPost.author_id == author_id, DiscussionPost.submit_token == token
        )
    )


def follow(thread: DiscussionThread, user_id: int, on: bool = True) -> None:
    """Follow (or stop following) ``thread``; safe to repeat."""
    if on:
        exists = db.session.scalar(
            select(DiscussionFollow.id).where(
                DiscussionFollow.thread_id == thread.id, DiscussionFollow.user_id == user_id
            )
        )
        if exists is None:
            insert_unless_exists(DiscussionFollow(thread_id=thread.id, user_id=user_id))
    else:
        db.session.execute(
            DiscussionFollow.__table__.delete().where(
                DiscussionFollow.thread_id == thread.id, DiscussionFollow.user_id == user_id
            )
        )


def start_thread(
    *, course, cohort_id, item_id, author: User, title: str, body: str, token: str
) -> DiscussionThread:
    """Start a thread with its first post; the same ``token`` again returns the first thread."""
    earlier = _existing(author.id, token)
    if earlier is not None:
        return db.session.get(DiscussionThread, earlier.thread_id)
    now = utcnow()
    thread = DiscussionThread(
        course_id=course.id, cohort_id=cohort_id, item_id=item_id, author_id=author.id,
        title=title, created_dt=now, last_post_dt=now, post_count=1,
    )
    post = DiscussionPost(
        number=1, author_id=author.id, submit_token=token, body_md=body,
        body_html=render_post(body, course.slug), created_dt=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(thread)
            db.session.flush()
            post.thread_id = thread.id
            db.session.add(post)
            db.session.flush()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        earlier = _existing(author.id, token)
        return db.session.get(DiscussionThread, earlier.thread_id)
    follow(thread, author.id)
    return thread


def reply(thread: DiscussionThread, author: User, body: str, token: str,
          course_slug: str) -> DiscussionPost:
    """Add a reply (numbered last) and tell the thread's followers.

    :raises DiscussionError: the thread is locked.
    """
    earlier = _existing(author.id, token)
    if earlier is not None:
        return earlier
    lock_for_update(_THREAD_LOCK + thread.id)
    db.session.refresh(thread)
    if thread.is_locked:
        raise DiscussionError(_("This thread is locked: nobody can reply to it."))
    now = utcnow()
    post = DiscussionPost(
        thread_id=thread.id, number=thread.post_count + 1, author_id=author.id,
        submit_token=token, body_md=body, body_html=render_post(body, course_slug),
        created_dt=now,
    )
    if not insert_unless_exists(post):
        earlier = _existing(author.id, token)
        if earlier is not None:
            return earlier
        raise DiscussionError(_("Someone replied at the same moment. Please send again."))
    db.session.execute(
        update(DiscussionThread)
        .where(DiscussionThread.id == thread.id)
        .values(post_count=DiscussionThread.post_count + 1, last_post_dt=now)
    )
    followers = set(
        db.session.scalars(
            select(DiscussionFollow.user_id).where(DiscussionFollow.thread_id == thread.id)
        )
    )
    followers.discard(author.id)
    follow(thread, author.id)
    # Only those who may still read the thread: following it outlives leaving its space.
    course = db.session.get(Course, thread.course_id)
    notify(
        readers_among(course, thread.cohort_id, followers),
        KIND_REPLY,
        _l("New reply in “%(title)s”", title=thread.title),
        _l("%(name)s replied in “%(title)s”.", name=author.display_name, title=thread.title),
        url_for("courses_discuss.thread", thread_id=thread.id, page=page_of(post.number))
        + f"#post-{post.number}",
        actor_id=author.id,
    )
    return post


def page_of(number: int) -> int:
    """The page of a thread showing post ``number``."""
    return (number - 1) // PAGE_SIZE + 1


def can_edit(post: DiscussionPost, user_id: int, now: dt.datetime | None = None) -> bool:
    """The author may edit a visible post for :data:`EDIT_WINDOW` after posting it."""
    now = now or utcnow()
    return (
        post.author_id == user_id
        and post.deleted_dt is None
        and post.hidden_dt is None
        and now - post.created_dt <= EDIT_WINDOW
    )


def edit_refusal(post: DiscussionPost, thread: DiscussionThread, user_id: int) -> str | None:
    """Why ``user_id`` may not change ``post`` now, or ``None`` when they may.

    A locked thread takes no changes, from anyone (as it takes no replies, from
    moderators either: they unlock it first); otherwise :func:`can_edit` decides.
    """
    if thread.is_locked:
        return _("This thread is locked: its posts cannot be changed.")
    if not can_edit(post, user_id):
        return _("You can change a post only in the 30 minutes after posting it.")
    return None


def edit(post: DiscussionPost, thread: DiscussionThread, user: User, body: str,
         course_slug: str) -> None:
    """The author changes their post (see :func:`edit_refusal`).

    The thread's lock is taken and the thread read again, as for a reply, so a
    lock given while the author wrote is seen.

    :raises DiscussionError: the thread is locked, or the post cannot be changed any more.
    """
    lock_for_update(_THREAD_LOCK + thread.id)
    db.session.refresh(thread)
    refusal = edit_refusal(post, thread, user.id)
    if refusal is not None:
        raise DiscussionError(refusal)
    post.body_md = body
    post.body_html = render_post(body, course_slug)
    post.edited_dt = utcnow()
    db.session.flush()


def delete(post: DiscussionPost, user: User) -> None:
    """The author deletes their post: its words go, its place in the thread stays."""
    if post.author_id != user.id:
        raise DiscussionError(_("You can delete only your own posts."))
    if post.deleted_dt is None:
        post.deleted_dt = utcnow()
        post.body_md = ""
        post.body_html = ""
        db.session.flush()


def hide(post: DiscussionPost, thread: DiscussionThread, moderator: User, reason: str) -> None:
    """A moderator hides a post with a reason, which its author is told if they may still
    read the thread (:func:`~.access.readers_among`)."""
    if post.author_id == moderator.id:
        raise DiscussionError(_("You cannot moderate your own post."))
    post.hidden_dt = utcnow()
    post.hidden_reason = reason
    post.hidden_by_id = moderator.id
    db.session.execute(
        update(DiscussionReport)
        .where(DiscussionReport.post_id == post.id, DiscussionReport.resolved_dt.is_(None))
        .values(resolved_dt=utcnow(), resolved_by_id=moderator.id)
    )
    db.session.flush()
    audit.record(
        "courses.discussion.post_hidden", subject_type="discussion_post", subject_id=str(post.id),
        data={"thread_id": thread.id, "reason": reason},
    )
    if post.author_id is not None:
        # As for replies: an author who has since left the space would be told the thread's
        # title and sent a link answering 404. The post is hidden all the same.
        course = db.session.get(Course, thread.course_id)
        notify(
            readers_among(course, thread.cohort_id, [post.author_id]),
            KIND_HIDDEN,
            _l("A moderator hid your post in “%(title)s”", title=thread.title),
            _l("Your post was hidden. The moderator's reason: %(reason)s", reason=reason),
            url_for("courses_discuss.thread", thread_id=thread.id, page=page_of(post.number))
            + f"#post-{post.number}",
        )


def unhide(post: DiscussionPost, moderator: User) -> None:
    """Show a hidden post again.

    :raises DiscussionError: the post is not hidden (shown again by another moderator from
        a page opened before), so there is nothing to show or to audit.
    """
    if post.hidden_dt is None:
        raise DiscussionError(_("This post is not hidden."))
    post.hidden_dt = None
    post.hidden_reason = None
    post.hidden_by_id = None
    db.session.flush()
    audit.record(
        "courses.discussion.post_shown", subject_type="discussion_post", subject_id=str(post.id),
        data={"by": moderator.id},
    )


def set_flags(thread: DiscussionThread, *, locked: bool | None = None,
              pinned: bool | None = None) -> None:
    # The thread's lock, as replies and changes take it: a reply or a change being
    # written when the thread is locked is either in before the lock or refused.
    lock_for_update(_THREAD_LOCK + thread.id)
    if locked is not None:
        thread.is_locked = locked
    if pinned is not None:
        thread.is_pinned = pinned
    db.session.flush()
    audit.record(
        "courses.discussion.thread_flags", subject_type="discussion_thread",
        subject_id=str(thread.id), data={"locked": thread.is_locked, "pinned": thread.is_pinned},
    )


def report(post: DiscussionPost, reporter: User, reason: str) -> bool:
    """Report ``post`` to the moderators; return False when this person had reported it."""
    if post.author_id == reporter.id:
        raise DiscussionError(_("You cannot report your own post."))
    return insert_unless_exists(
        DiscussionReport(post_id=post.id, reporter_id=reporter.id, reason=reason))


def resolve(report_row: DiscussionReport, moderator: User) -> bool:
    """Close a report, leaving its post as it is (audited, as hiding and showing are).

    :return: whether it was open; one closed already (by another moderator, from a page
        opened before) is left as it is, with nothing written or audited.
    """
    # Conditional, so that two moderators closing it at once write (and audit) it once.
    closed = db.session.execute(
        update(DiscussionReport)
        .where(DiscussionReport.id == report_row.id, DiscussionReport.resolved_dt.is_(None))
        .values(resolved_dt=utcnow(), resolved_by_id=moderator.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(report_row)
    if closed.rowcount != 1:
        return False
    audit.record(
        "courses.discussion.report_resolved", subject_type="discussion_post",
        subject_id=str(report_row.post_id), data={"report_id": report_row.id},
    )
    return True
