"""Issue 4's speed targets, measured in-process through Flask's test client.

:func:`cohort_matrix`: the progress matrix of a cohort of
:data:`COHORT_LEARNERS` learners on a course of :data:`LESSONS` lessons (and
one quiz per module) renders in under 300 ms server-side, in a number of SQL
queries that is the same for a cohort of :data:`SMALL_COHORT`; the baseline is
the tutor's list of groups, a small page of the same app through the same
client. The page shows a page of learners at a time with counts over all of
them (:func:`_shows_the_learners` checks the first and the last page), and
the CSV every learner. :func:`cohort_upload`: uploading a CSV of :data:`UPLOAD_ROWS` new
people, its preview and its confirmation take under 10 seconds together; the
baseline is bulk-inserting the same number of accounts, enrolments and
members in three statements.

The cohort data (course, cohorts, learners with a spread of progress rows and
quiz attempts, a tutor) is bulk-inserted into the generated dataset by
:func:`seed`, which both measures call (it adds nothing the second time).
Every request runs in its own context, as under a real server, so nothing of
one request (the session's identity map, Flask-Login's cached user) helps the
next.

They are registered in :data:`bench.measures.MEASURES`, so ``make bench``
runs them and ``python -m bench.run --only-measures cohort_matrix cohort_upload``
runs them alone. ``python -m bench.cohort_measures [--postgres [--postgres-url
URL]]`` does the same on a PostgreSQL database of one's choice (the shared
``bench`` database is emptied by every PostgreSQL run).
"""

from __future__ import annotations

import argparse
import contextvars
import datetime as dt
import io
import json
import random
import re
import statistics
import sys
import tempfile
import time
from html import unescape
from pathlib import Path

from .dataset import in_process_app
from .scenarios import TUTOR_EMAIL, TUTOR_PASSWORD

#: The bench's cohort course: :data:`MODULES` modules of :data:`LESSONS_PER_MODULE`
#: lessons, each module ending with a quiz.
COHORT_SLUG = "bench-forty-lessons"
MODULES = 8
LESSONS_PER_MODULE = 5
LESSONS = MODULES * LESSONS_PER_MODULE
#: Learners in the measured cohort, and in the small one whose query count must match.
COHORT_LEARNERS = 500
SMALL_COHORT = 5
#: Timed requests of the matrix and of the baseline (after one untimed); medians reported.
MATRIX_RUNS = 9
CSV_RUNS = 3
#: Rows of the bulk enrolment file (all new people), and of the untimed warm-up upload.
UPLOAD_ROWS = 1000
WARMUP_ROWS = 10
#: Targets from issue 4.
MATRIX_MAX_MS = 300
UPLOAD_MAX_S = 10

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_COHORTS = {
    "matrix": "Bench: five hundred learners",
    "small": "Bench: five learners",
    "warmup": "Bench: warm-up upload",
    "upload": "Bench: bulk upload",
    "raw": "Bench: bulk insert baseline",
}


def _isolated(call, *args, **kwargs):
    """Run a test-client request in a fresh context: its own app context and DB session."""
    return contextvars.Context().run(call, *args, **kwargs)


def _course(now: dt.datetime):
    """Add the course: 8 modules, a week apart, of 5 lessons and a quiz each."""
    from courses.models import KIND_LESSON, KIND_QUIZ, STATUS_PUBLISHED, Course, Item, Module
    from lms.db import db

    course = Course(
        slug=COHORT_SLUG, title="Bench: a forty-lesson course", status=STATUS_PUBLISHED,
        summary="Forty lessons and eight quizzes in eight modules.", outcomes=["Finish it"],
        topic="bench", published_dt=now, updated_dt=now, created_dt=now,
    )
    course.modules = []
    for m in range(MODULES):
        module = Module(key=f"m{m + 1}", title=f"Module {m + 1}", position=m,
                        unlock_after_days=7 * m)
        course.modules.append(module)
        for n in range(LESSONS_PER_MODULE):
            module.items.append(Item(
                course=course, key=f"m{m + 1}-lesson-{n + 1}", kind=KIND_LESSON,
                title=f"Lesson {m + 1}.{n + 1}", position=n, body_md="Text",
                body_html="<p>Text</p>", estimated_minutes=10,
            ))
        module.items.append(Item(
            course=course, key=f"m{m + 1}-quiz", kind=KIND_QUIZ, title=f"Quiz {m + 1}",
            position=LESSONS_PER_MODULE, pass_mark=80, max_attempts=0,
        ))
    db.session.add(course)
    db.session.flush()
    return course


def _learners(course, cohort, prefix: str, count: int, password_hash: str,
              rng: random.Random, now: dt.datetime) -> None:
    """Bulk-insert ``count`` learners into ``cohort`` with a spread of progress.

    About 6% never started (and never set a password: invited), 10% finished,
    the rest somewhere in between; quizzes passed on the first or second try,
    and the quiz a learner is at tried and failed half the time.
    """
    from sqlalchemy import insert, select, update

    from courses.cohorts.models import SOURCE_UPLOAD, CohortMember
    from courses.models import KIND_QUIZ, Completion, Enrolment, Progress, QuizAttempt
    from lms.accounts.models import User
    from lms.db import db

    from .dataset import bulk_users

    items = [i for m in sorted(course.modules, key=lambda m: m.position)
             for i in sorted(m.items, key=lambda i: i.position)]
    user_ids = bulk_users(prefix, count, password_hash)
    done_counts = []
    for _ in user_ids:
        luck = rng.random()
        if luck < 0.06:
            done_counts.append(0)
        elif luck > 0.90:
            done_counts.append(len(items))
        else:
            done_counts.append(rng.randint(1, len(items) - 1))
    invited = [uid for uid, k in zip(user_ids, done_counts, strict=True) if k == 0]
    if invited:
        db.session.execute(update(User).where(User.id.in_(invited)).values(password_hash=None))
    enrolled = cohort.start_date
    rows = []
    for uid, k in zip(user_ids, done_counts, strict=True):
        last = now - dt.timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600))
        finished = k == len(items)
        rows.append({
            "user_id": uid, "course_id": course.id,
            "enrolled_dt": dt.datetime.combine(enrolled, dt.time(9), dt.UTC),
            "last_item_id": items[min(k, len(items) - 1)].id if k else None,
            "last_activity_dt": last if k else None,
            "completed_dt": last if finished else None,
            "completed_version": course.version if finished else None,
        })
    db.session.execute(insert(Enrolment), rows)
    enrolment_of = dict(db.session.execute(
        select(Enrolment.user_id, Enrolment.id)
        .where(Enrolment.course_id == course.id, Enrolment.user_id.in_(user_ids))
    ).all())
    joined = dt.datetime.combine(cohort.start_date, dt.time(9), dt.UTC)
    db.session.execute(insert(CohortMember), [
        {"cohort_id": cohort.id, "course_id": course.id, "user_id": uid,
         "enrolment_id": enrolment_of[uid], "source": SOURCE_UPLOAD, "joined_dt": joined}
        for uid in user_ids
    ])
    progress, attempts, completions = [], [], []
    for uid, k in zip(user_ids, done_counts, strict=True):
        eid = enrolment_of[uid]
        when = now - dt.timedelta(days=30)
        for item in items[:k]:
            when += dt.timedelta(minutes=rng.randint(5, 600))
            score = None
            if item.kind == KIND_QUIZ:
                score = float(rng.choice((80, 90, 100)))
                tries = 1 if rng.random() < 0.6 else 2
                for attempt_no in range(1, tries + 1):
                    passed = attempt_no == tries
                    attempts.append({
                        "enrolment_id": eid, "item_id": item.id, "attempt_no": attempt_no,
                        "score": score if passed else float(rng.choice((40, 50, 60))),
                        "passed": passed, "answers": {}, "submitted_dt": when,
                    })
            progress.append({"enrolment_id": eid, "item_id": item.id, "completed_dt": when,
                             "score": score})
        if 0 < k < len(items) and items[k].kind == KIND_QUIZ and rng.random() < 0.5:
            attempts.append({
                "enrolment_id": eid, "item_id": items[k].id, "attempt_no": 1, "score": 50.0,
                "passed": False, "answers": {}, "submitted_dt": when,
            })
        if k == len(items):
            completions.append({
                "enrolment_id": eid, "user_id": uid, "course_id": course.id,
                "course_version": course.version, "completed_dt": when, "final_score": 90.0,
            })
    for table, batch in ((Progress, progress), (QuizAttempt, attempts),
                         (Completion, completions)):
        if batch:
            db.session.execute(insert(table), batch)


def seed() -> dict[str, int]:
    """Add the cohort data once; return the ids the measures need (by cohort key)."""
    from sqlalchemy import select

    from courses.cohorts.models import Cohort, CohortTutor
    from courses.models import Course
    from lms.accounts import operations as accounts
    from lms.accounts.models import User
    from lms.db import db

    course = db.session.scalar(select(Course).where(Course.slug == COHORT_SLUG))
    if course is None:
        now = dt.datetime.now(dt.UTC)
        rng = random.Random(4)  # the same spread of progress in every run
        course = _course(now)
        tutor = accounts.create_user(TUTOR_EMAIL, "Bench Tutor", TUTOR_PASSWORD, ("tutor",))
        start = now.date() - dt.timedelta(days=30)
        cohorts = {}
        for key, name in _COHORTS.items():
            cohort = Cohort(course_id=course.id, name=name, start_date=start,
                            end_date=start + dt.timedelta(days=90), capacity=None)
            db.session.add(cohort)
            db.session.flush()
            db.session.add(CohortTutor(cohort_id=cohort.id, user_id=tutor.id))
            cohorts[key] = cohort
        # Every generated account shares one real argon2id hash (see bench.dataset).
        shared_hash = db.session.scalar(
            select(User.password_hash).where(User.email.like("bench-user-%")).limit(1)
        )
        _learners(course, cohorts["matrix"], "bench-cohort", COHORT_LEARNERS, shared_hash,
                  rng, now)
        _learners(course, cohorts["small"], "bench-smallcohort", SMALL_COHORT, shared_hash,
                  rng, now)
        from . import marking_data

        marking_data.seed(tutor.id, "bench-cohort-")
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
    ids = dict(db.session.execute(
        select(Cohort.name, Cohort.id).where(Cohort.course_id == course.id)
    ).all())
    db.session.commit()  # end the read: the requests that follow write (SQLite's lock)
    return {key: ids[name] for key, name in _COHORTS.items()}


def _client(app):
    """A test client logged in as the bench tutor through the real login form."""
    client = app.test_client()
    # The test client speaks https (PREFERRED_URL_SCHEME in production), so Secure
    # cookies work; CSRF checks the referrer on https, as a browser sends it.
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    token = _token(client, "/account/login")
    answer = _isolated(client.post, "/account/login", data={
        "csrf_token": token, "email": TUTOR_EMAIL, "password": TUTOR_PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"bench: the tutor could not log in ({answer.status})")
    return client


def _token(client, path: str) -> str:
    page = _isolated(client.get, path)
    match = _CSRF.search(page.get_data(as_text=True))
    if page.status_code != 200 or match is None:
        raise SystemExit(f"bench: no form on {path} ({page.status})")
    return match.group(1)


def _get_ms(client, path: str) -> tuple[float, object]:
    def run():
        # The body is read in the request's own context, as a server does: a streamed
        # body (the CSV) runs, and reads the database, while it is read.
        start = time.perf_counter()
        response = client.get(path)
        body = response.get_data()
        return (time.perf_counter() - start) * 1000, response, body

    elapsed, response, body = _isolated(run)
    if response.status_code != 200:
        raise SystemExit(f"bench: GET {path} answered {response.status}")
    return elapsed, body


def _queries(client, path: str) -> int:
    from .measures import counting_queries

    with counting_queries() as seen:
        _get_ms(client, path)
    return len(seen)


def _pages() -> int:
    from courses.cohorts.matrix_views import MATRIX_PAGE_SIZE

    return -(-COHORT_LEARNERS // MATRIX_PAGE_SIZE)


def _shows_the_learners(cohort_id: int, html: str, page: int) -> bool:
    """Whether ``html`` is the matrix's page ``page`` as it must be.

    The page counts every learner, says which of them it shows, and lists
    exactly those (by name, in the phone summary and in the grid) with the
    percentage each learner sees on their own pages (:func:`progress_for`,
    worked out here apart from the matrix's own SQL).
    """
    from markupsafe import escape
    from sqlalchemy import func, select

    from courses.cohorts.matrix_views import MATRIX_PAGE_SIZE
    from courses.cohorts.models import CohortMember
    from courses.models import Enrolment
    from courses.progress import progress_for
    from lms.accounts.models import User
    from lms.db import db

    rows = db.session.execute(
        select(User.display_name, Enrolment)
        .join(CohortMember, CohortMember.user_id == User.id)
        .join(Enrolment, Enrolment.id == CohortMember.enrolment_id)
        .where(CohortMember.cohort_id == cohort_id)
        .order_by(func.lower(User.display_name), User.id)
    ).all()
    first = (page - 1) * MATRIX_PAGE_SIZE
    shown = rows[first : first + MATRIX_PAGE_SIZE]
    progress = progress_for([e for _name, e in shown])
    db.session.commit()  # end the read: the requests that follow write (SQLite's lock)
    grid = html[html.find("<tbody>"):html.find("</tbody>")]
    summary = html[html.find('<ul class="matrix-summary"'):]
    summary = summary[:summary.find("</ul>")]
    named = [unescape(n) for n in
             re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', grid)]
    percents = [int(p) for p in re.findall(r"</th>\s*<td>(\d+)%</td>", grid)]
    return (
        len(rows) == COHORT_LEARNERS
        and f"{COHORT_LEARNERS} learners" in html
        and f"learners {first + 1} to {first + len(shown)} of {COHORT_LEARNERS} shown" in html
        and named == [name for name, _e in shown]
        and percents == [progress[e.id].percent for _name, e in shown]
        and summary.count("<li") == len(shown)
        and all(f"<bdi>{escape(name)}</bdi></a>: {progress[e.id].percent}% done" in summary
                for name, e in shown)
    )


def cohort_matrix(env: dict[str, str], settings: dict, backend: str,
                  _facts: dict) -> list[dict]:
    """Issue 4: the matrix of 500 learners by 48 items, under 300 ms server-side, in as
    many queries as for 5 learners; against the tutor's list of groups."""
    from .measures import entry

    with in_process_app(env, settings) as app:
        cohorts = seed()
        client = _client(app)
        path = f"/courses/cohorts/{cohorts['matrix']}/progress"
        baseline_path = "/courses/cohorts/"
        _ms, page = _get_ms(client, path)
        last_page = _get_ms(client, f"{path}?page={_pages()}")[1]
        right = _shows_the_learners(cohorts["matrix"], page.decode(), 1)
        right = right and _shows_the_learners(cohorts["matrix"], last_page.decode(), _pages())
        _get_ms(client, baseline_path)
        times, baseline = [], []
        for _ in range(MATRIX_RUNS):
            # Interleaved, so that load from elsewhere weighs on both alike.
            times.append(_get_ms(client, path)[0])
            baseline.append(_get_ms(client, baseline_path)[0])
        queries = _queries(client, path)
        small_queries = _queries(client, f"/courses/cohorts/{cohorts['small']}/progress")
        csv_path = f"/courses/cohorts/{cohorts['matrix']}/progress.csv"
        _ms, body = _get_ms(client, csv_path)
        right = right and body.decode("utf-8").count("\n") == COHORT_LEARNERS + 1
        csv_ms = statistics.median(_get_ms(client, csv_path)[0] for _ in range(CSV_RUNS))
    return [entry(
        f"cohort matrix {COHORT_LEARNERS} x {LESSONS + MODULES} items", backend,
        statistics.median(times), "ms", MATRIX_MAX_MS,
        baseline=statistics.median(baseline), baseline_name="list of groups page",
        passed=right and queries == small_queries,
        queries=queries, queries_small_cohort=small_queries, runs=MATRIX_RUNS,
        min_ms=round(min(times), 2), max_ms=round(max(times), 2), csv_ms=round(csv_ms, 2),
        bytes=len(page),
    )]


def _csv(prefix: str, rows: int) -> bytes:
    lines = ["email,name"] + [
        f"{prefix}-{n:06d}@example.org,{prefix.replace('-', ' ').title()} {n}"
        for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def _upload(client, cohort_id: int, prefix: str, rows: int) -> dict[str, float]:
    """Upload, preview and confirm a file of ``rows`` new people; seconds per step."""
    path = f"/courses/cohorts/{cohort_id}/upload"
    token = _token(client, path)
    data = _csv(prefix, rows)
    steps = {}
    start = time.perf_counter()
    answer = _isolated(client.post, path, content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(data), f"{prefix}.csv")})
    steps["upload_s"] = time.perf_counter() - start
    if answer.status_code != 303:
        raise SystemExit(f"bench: the upload answered {answer.status}:"
                         f" {answer.get_data(as_text=True)[-2000:]}")
    preview = answer.location
    start = time.perf_counter()
    page = _isolated(client.get, preview)
    steps["preview_s"] = time.perf_counter() - start
    html = page.get_data(as_text=True)
    if f"{rows} new accounts, invited by email" not in html:
        raise SystemExit(f"bench: the preview does not plan {rows} new accounts")
    confirm = f"{preview}/confirm"
    token = _CSRF.search(html).group(1)
    start = time.perf_counter()
    answer = _isolated(client.post, confirm, data={"csrf_token": token})
    steps["confirm_s"] = time.perf_counter() - start
    if answer.status_code != 303:
        raise SystemExit(f"bench: the confirmation answered {answer.status}")
    return steps


def _raw_insert(cohort_id: int, course_id: int, prefix: str, rows: int) -> float:
    """Seconds to bulk-insert ``rows`` accounts, enrolments and members, and commit."""
    from sqlalchemy import insert, select

    from courses.cohorts.models import SOURCE_UPLOAD, CohortMember
    from courses.models import Enrolment
    from lms.accounts.models import User
    from lms.db import db

    now = dt.datetime.now(dt.UTC)
    emails = [f"{prefix}-{n:06d}@example.org" for n in range(rows)]
    start = time.perf_counter()
    db.session.execute(insert(User), [
        {"email": e, "display_name": e.split("@")[0], "password_hash": None,
         "session_token": f"raw-{n}", "is_active_account": True, "created_dt": now}
        for n, e in enumerate(emails)
    ])
    users = list(db.session.scalars(select(User.id).where(User.email.in_(emails))))
    db.session.execute(insert(Enrolment), [
        {"user_id": uid, "course_id": course_id, "enrolled_dt": now} for uid in users
    ])
    enrolments = db.session.execute(
        select(Enrolment.user_id, Enrolment.id)
        .where(Enrolment.course_id == course_id, Enrolment.user_id.in_(users))
    ).all()
    db.session.execute(insert(CohortMember), [
        {"cohort_id": cohort_id, "course_id": course_id, "user_id": uid, "enrolment_id": eid,
         "source": SOURCE_UPLOAD, "joined_dt": now}
        for uid, eid in enrolments
    ])
    db.session.commit()
    return time.perf_counter() - start


def cohort_upload(env: dict[str, str], settings: dict, backend: str,
                  _facts: dict) -> list[dict]:
    """Issue 4: bulk enrolment of 1,000 new people (upload, preview, confirm) under
    10 s; against bulk-inserting their accounts, enrolments and members."""
    from sqlalchemy import func, select

    from courses.cohorts.models import Cohort, CohortMember
    from lms.db import db
    from lms.mail import OutboxMessage

    from .measures import entry

    with in_process_app(env, settings) as app:
        cohorts = seed()
        client = _client(app)
        _upload(client, cohorts["warmup"], "bench-warmup-invitee", WARMUP_ROWS)
        steps = _upload(client, cohorts["upload"], "bench-invitee", UPLOAD_ROWS)
        total = sum(steps.values())
        members = db.session.scalar(
            select(func.count()).select_from(CohortMember)
            .where(CohortMember.cohort_id == cohorts["upload"])
        )
        mails = db.session.scalar(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.recipient.like("bench-invitee-%"))
        )
        course_id = db.session.scalar(
            select(Cohort.course_id).where(Cohort.id == cohorts["raw"])
        )
        db.session.commit()
        baseline = _raw_insert(cohorts["raw"], course_id, "bench-raw-invitee", UPLOAD_ROWS)
    return [entry(
        f"cohort upload {UPLOAD_ROWS:,} rows", backend, total, "s", UPLOAD_MAX_S,
        baseline=baseline, baseline_name="bulk insert of the rows",
        passed=members == UPLOAD_ROWS and mails == UPLOAD_ROWS,
        members=members, invitations=mails,
        **{k: round(v, 3) for k, v in steps.items()},
    )]


MEASURES = (cohort_matrix, cohort_upload)


def main(argv: list[str] | None = None) -> int:
    """Generate a dataset as ``make bench`` does and run only the cohort measures."""
    from . import dataset
    from .run import RESULTS, _app_settings, _measures_table

    p = argparse.ArgumentParser(prog="python -m bench.cohort_measures",
                                description=main.__doc__)
    p.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    p.add_argument("--postgres-url", default=dataset.POSTGRES_URL,
                   help="the PostgreSQL database (emptied first; default: %(default)s)")
    p.add_argument("--users", type=int, default=1000, help="generated users in the dataset")
    p.add_argument("--output", type=Path, default=RESULTS.with_name("cohorts.json"),
                   help="where to write the JSON")
    args = p.parse_args(argv)
    backend = "postgres" if args.postgres else "sqlite"
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp_name:
        env, settings = _app_settings("sqlite", Path(tmp_name))
        if args.postgres:
            dataset.prepare_postgres(args.postgres_url)
            env["LMS_DATABASE_URL"] = settings["LMS_DATABASE_URL"] = args.postgres_url
        print(f"bench: generating the {backend} dataset ({args.users} users) ...", flush=True)
        facts = dataset.generate(env, settings, args.users)
        entries = []
        for measure in MEASURES:
            print(f"bench: measuring {measure.__name__} on {backend} ...", flush=True)
            entries.extend(measure(env, settings, backend, facts))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"scenarios": entries}, indent=2) + "\n")
    print()
    print(_measures_table(entries))
    for e in entries:
        extra = {k: v for k, v in e.items() if k not in (
            "kind", "name", "backend", "value", "unit", "target", "max", "pass", "baseline",
            "baseline_name", "ratio")}
        print(f"{e['name']}: {extra}")
    print(f"\nwritten to {args.output}")
    return 0 if all(e["pass"] for e in entries) else 1


if __name__ == "__main__":
    sys.exit(main())
