"""Bulk issue and re-render for a course or one of its cohorts, shared by the CLI and
the admin pages.

A run covers a course's completions, or only those of a cohort's learners (its
roster, from the cohort directory, ``lms.contracts.CohortDirectory``): the
queries below take the cohort's learner ids; who may act on what is
:mod:`certificates.permissions`' business.

Both are generators that do one step at a time (a certificate, or a batch of
them) and leave the commit to the caller (the edge: the CLI command or the
view), which commits after each step. A run killed half way therefore leaves
only whole certificates (row, credential, PDF and the learner's mail commit together),
and running it again carries on where it stopped: "lacking a certificate" is
re-read and the unique constraint refuses a second certificate for the same
learner and version.

Rendering a PDF costs far more than the rest of an issue, so a bulk issue may
render in worker processes (``workers``): this process drafts each certificate
(its code, a free status index, the signed credential) and hands the page to a
worker, which runs the same :func:`certificates.pdf.render_pdf` as a single
issue does; then, per batch, it writes the rendered certificates in one
transaction through :func:`certificates.operations.issue_prepared`. No
transaction is open while it waits for the workers (the first step only reads,
and its commit ends that), so on SQLite the write lock is held only for the
writes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Collection, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import (
    JSON,
    Float,
    Integer,
    Select,
    String,
    and_,
    column,
    exists,
    inspect,
    or_,
    select,
    table,
)

from lms.contracts import CompletionSnapshot
from lms.db import UTCDateTime, db, utcnow

from . import operations, pdf, signing
from .design import design_for
from .models import STATUS_LIST_SIZE, Certificate
from .permissions import own_certificate_refusal

log = logging.getLogger(__name__)

#: Pages handed to the workers beyond the batch being written, per worker: enough to
#: keep every worker busy while this process signs, writes and commits.
_AHEAD_PER_WORKER = 4

# The completions are the courses plugin's records. Plugins never import each other, so
# they are read as plain columns; a completion-source contract in lms/contracts.py would
# replace this (see docs/architecture.md).
_completion = table(
    "courses_completion",
    column("enrolment_id", Integer),
    column("user_id", Integer),
    column("course_id", Integer),
    column("course_version", Integer),
    column("completed_dt", UTCDateTime()),
    column("final_score", Float),
)
_course = table(
    "courses_course",
    column("id", Integer),
    column("slug", String),
    column("title", String),
    column("outcomes", JSON),
    column("estimated_hours", Float),
)
_user = table(
    "lms_user", column("id", Integer), column("display_name", String), column("email", String),
    column("locale", String),
)


def course_exists(course_slug: str) -> bool:
    """Whether the courses plugin has a course with this short name (slug).

    Read like the completions, from its table; when that table is missing (the
    courses plugin was never installed here) no course is known.
    """
    connection = db.session.connection()
    if not inspect(connection).has_table(_course.name):
        return False
    found = connection.execute(
        select(_course.c.id).where(_course.c.slug == course_slug).limit(1)
    ).first()
    return found is not None


@dataclass
class Summary:
    """What a bulk run did."""

    done: int = 0
    skipped: int = 0


def completions_lacking_certificate(
    course_slug: str, learner_ids: Collection[int] | None = None,
    *, excluding_holder: int | None = None,
) -> list[CompletionSnapshot]:
    """Completions of ``course_slug`` whose learner has no certificate for that version.

    :param learner_ids: only these learners' (a cohort's roster); None: every learner's.
    :param excluding_holder: leave out this learner's (the person running the issue:
        nobody issues their own certificate).
    """
    has_certificate = exists().where(
        and_(
            Certificate.user_id == _completion.c.user_id,
            Certificate.course_slug == _course.c.slug,
            Certificate.course_version == _completion.c.course_version,
        )
    )
    query = (
        select(_completion, _course.c.slug, _course.c.title, _course.c.outcomes,
               _course.c.estimated_hours, _user.c.display_name, _user.c.email,
               _user.c.locale)
        .join(_course, _course.c.id == _completion.c.course_id)
        .join(_user, _user.c.id == _completion.c.user_id)
        .where(_course.c.slug == course_slug, ~has_certificate)
        .order_by(_completion.c.completed_dt, _completion.c.enrolment_id)
    )
    if learner_ids is not None:
        query = query.where(_completion.c.user_id.in_(list(learner_ids)))
    if excluding_holder is not None:
        query = query.where(_completion.c.user_id != excluding_holder)
    rows = db.session.execute(query).all()
    return [
        CompletionSnapshot(
            enrolment_id=r.enrolment_id, user_id=r.user_id, display_name=r.display_name,
            email=r.email, course_slug=r.slug, course_title=r.title,
            course_version=r.course_version, completed_dt=r.completed_dt,
            final_score=r.final_score, outcomes=tuple(r.outcomes or ()),
            estimated_hours=r.estimated_hours, language=r.locale,
        )
        for r in rows
    ]


def issue_missing(
    completions: list[CompletionSnapshot],
    summary: Summary,
    *,
    actor_id: int | None,
    workers: int = 0,
    batch: int = 1,
) -> Iterator[int]:
    """Issue each completion's certificate; after each batch, yield its size so the
    caller commits (with ``workers``, a first step of 0 has only read).

    :param workers: processes rendering the PDFs; 0 renders each one here, as
        :func:`certificates.operations.issue` does.
    :param batch: certificates per step (per transaction, as the caller commits
        after each step).
    """
    if workers > 0 and completions:
        yield from _issue_with_workers(completions, summary, actor_id=actor_id,
                                       workers=workers, batch=batch)
        return
    for start in range(0, len(completions), batch):
        chunk = completions[start : start + batch]
        for completion in chunk:
            if own_certificate_refusal(completion.user_id, actor_id) is not None:
                summary.skipped += 1  # nobody issues their own certificate
                continue
            _count(summary, operations.issue(completion, actor_id=actor_id))
        yield len(chunk)


def _count(summary: Summary, cert: Certificate | None) -> None:
    if cert is None:
        summary.skipped += 1
    else:
        summary.done += 1


class _Drafts:
    """Drafts certificates without touching the database: what they need is read once.

    The courses' validity and templates are read when the run starts, and so
    are the status indexes in use: each draft draws a code and a status index
    not taken then nor by an earlier draft, and its credential is signed over
    them. If one is taken by the time it is written (a completion issued
    meanwhile), :func:`certificates.operations.issue_prepared` draws again.
    """

    def __init__(self, completions: list[CompletionSnapshot]):
        slugs = {c.course_slug for c in completions}
        self.months = {slug: operations.validity_months(slug) for slug in slugs}
        self.designs = {slug: design_for(slug) for slug in slugs}
        self.taken = set(db.session.scalars(select(Certificate.status_index)))

    def _free_index(self) -> int:
        for _attempt in range(64):
            index = secrets.randbelow(STATUS_LIST_SIZE)
            if index not in self.taken:
                break
        self.taken.add(index)
        return index

    def draft(self, completion: CompletionSnapshot) -> Certificate:
        """A signed certificate for ``completion``, not in the session."""
        slug = completion.course_slug
        cert = operations.new_certificate(completion, months=self.months[slug], now=utcnow())
        cert.code = operations.new_code()
        cert.status_index = self._free_index()
        cert.credential_json = signing.sign(cert)
        return cert

    def render_job(self, cert: Certificate) -> tuple[tuple, dict]:
        return operations.render_arguments(cert, self.designs[cert.course_slug])


def _exit_with(parent_pid: int) -> None:
    """Worker initializer: end this worker within a second of ``parent_pid``'s end.

    A pool's workers wait for work on pipes they hold both ends of, so when the
    process that runs the pool is killed (not shut down) they would wait for ever.
    POSIX only (on Windows, ``os.kill(pid, 0)`` sends Ctrl-C).
    """
    if os.name != "posix":
        return

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


@contextmanager
def render_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """``workers`` processes rendering PDFs; shut down (queued pages dropped) on exit.

    They are started by a fork server (spawned where there is none), not forked
    from this process: the app here may hold threads (the rate limiter's timer)
    and database connections that a forked child must not share. The fork
    server imports WeasyPrint once for all the workers. A worker ends by itself
    when this process is killed.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint", "certificates.pdf"])
    else:
        context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_exit_with, initargs=(os.getpid(),))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _rendered(cert: Certificate, job: Future) -> bytes | None:
    """The job's PDF; None (the PDF stays pending) when the template failed to render."""
    try:
        return job.result()
    except BrokenProcessPool:
        raise  # a worker died: stop the run rather than issue the rest without PDFs
    except Exception:
        log.exception("rendering certificate %s failed; it stays pending", cert.code)
        return None


def _issue_with_workers(
    completions: list[CompletionSnapshot], summary: Summary, *, actor_id: int | None,
    workers: int, batch: int,
) -> Iterator[int]:
    drafts = _Drafts(completions)
    yield 0  # the caller's commit ends the reading transaction before any waiting
    todo = iter(completions)
    ahead: deque[tuple[Certificate, Future]] = deque()
    window = batch + workers * _AHEAD_PER_WORKER
    with render_pool(workers) as pool:

        def hand_out() -> None:
            for completion in islice(todo, window - len(ahead)):
                cert = drafts.draft(completion)
                args, kwargs = drafts.render_job(cert)
                ahead.append((cert, pool.submit(pdf.render_pdf, *args, **kwargs)))

        hand_out()
        while ahead:
            chunk = [ahead.popleft() for _ in range(min(batch, len(ahead)))]
            hand_out()
            # Wait for the whole batch first, then write it: the transaction (and,
            # on SQLite, the write lock) lasts only as long as the writes.
            ready = [(cert, _rendered(cert, job)) for cert, job in chunk]
            for cert, data in ready:
                if own_certificate_refusal(cert.user_id, actor_id) is not None:
                    summary.skipped += 1  # nobody issues their own certificate
                    continue
                _count(summary, operations.issue_prepared(cert, data, actor_id=actor_id))
            yield len(chunk)


def certificates_of(
    course_slug: str, learner_ids: Collection[int] | None = None, *, among: Select | None = None,
    excluding_holder: int | None = None,
) -> list[int]:
    """Ids of the course's certificates that are not revoked, oldest first.

    :param learner_ids: only these learners' (a cohort's roster); None: every learner's.
    :param among: only the certificates this query of :class:`Certificate` selects
        (the acting user's :func:`certificates.permissions.visible_certificates`).
    :param excluding_holder: leave out this person's own certificates (the actor's).
    """
    query = (select(Certificate) if among is None else among).with_only_columns(Certificate.id)
    query = query.where(
        Certificate.course_slug == course_slug, Certificate.revoked_dt.is_(None)
    ).order_by(Certificate.id)
    if learner_ids is not None:
        query = query.where(Certificate.user_id.in_(list(learner_ids)))
    if excluding_holder is not None:
        query = query.where(
            or_(Certificate.user_id.is_(None), Certificate.user_id != excluding_holder)
        )
    return list(db.session.scalars(query))


def rerender_all(ids: list[int], summary: Summary, *, actor_id: int | None) -> Iterator[int]:
    """Re-render each certificate with its course's current template; yield after each.

    A revoked certificate, or the actor's own, is skipped.
    """
    for cert_id in ids:
        cert = db.session.get(Certificate, cert_id)
        if (cert is None or cert.revoked_dt is not None
                or own_certificate_refusal(cert.user_id, actor_id) is not None):
            summary.skipped += 1
        else:
            operations.rerender(cert, actor_id=actor_id)
            summary.done += 1
        yield cert_id
