"""The scale benchmark's dataset: many users, enrolments, progress, quiz attempts,
certificates, members, ballots and audit entries, bulk-inserted with SQL.

:data:`LARGE` holds the sizes of issue 18's measurement (100,003 users, 310k
enrolments, 2.3M progress rows, 655k quiz attempts, 20k certificates, 10,000
members, 202k audit entries); the small dataset is :data:`SMALL_SHARE` of it.
``python -m bench.scale --scale 0.01`` shrinks both (to check that the bench
runs), and ``--set NAME=N`` changes one size of the large dataset.

Rows that only set the scene are inserted in batches through SQLAlchemy Core
(``INSERT`` with many parameter sets), consistent with the schema: every foreign
key points at a real row and every unique key holds. Progress can only be
recorded for items a course has, so ``progress`` is the most that is inserted
(learners finish at most every item of their courses): the JSON reports the
counts actually inserted. What the pages read through the plugins' rules
(ballots and their frozen rolls, the cohort with its tutor) goes through the
plugins' own operations, as in :mod:`bench.plugin_data`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections.abc import Iterable, Iterator

#: Sizes of the large dataset (issue 18's measurement on PostgreSQL 15).
LARGE: dict[str, int] = {
    "users": 100_000,
    "enrolments": 310_000,
    "progress": 2_300_000,
    "quiz_attempts": 655_000,
    "certificates": 20_000,
    "members": 10_000,
    "small_ballot": 200,
    "audit": 202_000,
}
#: The small dataset is this share of the large one (at least :data:`FLOOR`).
SMALL_SHARE = 0.01
FLOOR: dict[str, int] = {"users": 300, "members": 200, "small_ballot": 200}
BATCH = 20_000
PREFIX = "scale-user"
ADMIN_EMAIL = "scale-admin@example.org"
MEMBER_EMAIL = f"{PREFIX}-000000@example.org"  # the first generated user is a member


def sizes(scale: float = 1.0, overrides: dict[str, int] | None = None) -> dict[str, dict]:
    """The small and large sizes: ``LARGE`` times ``scale`` with ``overrides``, and its share."""
    large = {k: max(1, int(v * scale)) for k, v in LARGE.items()}
    large.update(overrides or {})
    small = {k: min(v, max(FLOOR.get(k, 1), int(v * SMALL_SHARE))) for k, v in large.items()}
    for size in (small, large):
        size["members"] = min(size["members"], size["users"])
        size["small_ballot"] = min(size["small_ballot"], size["members"])
    return {"small": small, "large": large}


def _batches(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(table, rows: Iterable[dict]) -> int:
    from sqlalchemy import insert

    from lms.db import db

    n = 0
    for batch in _batches(rows):
        db.session.execute(insert(table), batch)
        n += len(batch)
    return n


def _users(count: int, password_hash: str, now: dt.datetime) -> list[int]:
    from sqlalchemy import select

    from lms.accounts.models import User, UserRole
    from lms.db import db

    first = ("Ada", "Bea", "Cai", "Dev", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jun", "Kit", "Lea")
    last = ("Owen", "Park", "Quinn", "Rossi", "Silva", "Tanaka", "Ueda", "Vega", "Wu", "Xu")
    _insert(User, (
        {"email": f"{PREFIX}-{n:06d}@example.org",
         "display_name": f"{first[n % 12]} {last[(n // 12) % 10]} {n}",
         "password_hash": password_hash, "session_token": secrets.token_urlsafe(16),
         "is_active_account": True, "created_dt": now - dt.timedelta(minutes=n)}
        for n in range(count)
    ))
    ids = list(db.session.scalars(
        select(User.id).where(User.email.like(f"{PREFIX}-%")).order_by(User.email)
    ))
    _insert(UserRole, ({"user_id": uid, "role": "learner", "granted_dt": now} for uid in ids))
    return ids


def _courses():
    """Published courses with their items in order (the shipped curriculum)."""
    from sqlalchemy import select

    from courses.models import STATUS_PUBLISHED, Course, Item, Module
    from lms.db import db

    courses = list(db.session.scalars(
        select(Course).where(Course.status == STATUS_PUBLISHED, Course.slug.not_like("bench-%"))
        .order_by(Course.id)
    ))
    items = {
        c.id: list(db.session.execute(
            select(Item.id, Item.kind).join(Module, Module.id == Item.module_id)
            .where(Item.course_id == c.id).order_by(Module.position, Item.position)
        ).all())
        for c in courses
    }
    return courses, items


def _learning(user_ids: list[int], size: dict, rng: random.Random, now: dt.datetime) -> dict:
    """Enrolments, progress, quiz attempts and completions; return what was inserted."""
    from sqlalchemy import select

    from courses.models import KIND_QUIZ, Completion, Enrolment, Progress, QuizAttempt
    from lms.accounts.models import User
    from lms.db import db

    courses, items = _courses()
    per_user, extra = divmod(size["enrolments"], len(user_ids))
    per_user = min(per_user, len(courses))

    def enrolment_rows():
        for n, uid in enumerate(user_ids):
            k = min(len(courses), per_user + (1 if n < extra else 0))
            for j in range(k):
                course = courses[(n + j * 2) % len(courses)]
                yield {"user_id": uid, "course_id": course.id,
                       "enrolled_dt": now - dt.timedelta(days=rng.randint(1, 400))}

    enrolled = _insert(Enrolment, enrolment_rows())
    enrolments = db.session.execute(
        select(Enrolment.id, Enrolment.course_id, Enrolment.user_id)
        .join(User, User.id == Enrolment.user_id)
        .where(User.email.like(f"{PREFIX}-%"))
        .order_by(Enrolment.id)
    ).all()
    version = {c.id: c.version for c in courses}
    budget = {"progress": size["progress"], "quiz_attempts": size["quiz_attempts"],
              "certificates": size["certificates"]}
    completed: list[tuple[int, int, int]] = []
    attempts: list[dict] = []

    def progress_rows():
        mean = max(0.0, size["progress"] / max(len(enrolments), 1))
        for eid, course_id, uid in enrolments:
            course_items = items[course_id]
            done = min(len(course_items), int(rng.expovariate(1 / mean)) if mean else 0)
            done = min(done, budget["progress"])
            budget["progress"] -= done
            when = now - dt.timedelta(days=60)
            for item_id, kind in course_items[:done]:
                when += dt.timedelta(minutes=rng.randint(5, 900))
                score = None
                if kind == KIND_QUIZ:
                    score = float(rng.choice((80, 90, 100)))
                    tries = min(rng.choice((1, 1, 2, 3)), budget["quiz_attempts"])
                    budget["quiz_attempts"] -= tries
                    attempts.extend(
                        {"enrolment_id": eid, "item_id": item_id, "attempt_no": a,
                         "score": score if a == tries else 50.0, "passed": a == tries,
                         "answers": {}, "submitted_dt": when}
                        for a in range(1, tries + 1)
                    )
                yield {"enrolment_id": eid, "item_id": item_id, "completed_dt": when,
                       "score": score}
            if done and done == len(course_items):
                completed.append((eid, uid, course_id))

    progressed = _insert(Progress, progress_rows())
    # Quizzes learners tried and did not pass yet fill what is left of the attempts.
    quizzes = [(c, i) for c, its in items.items() for i, kind in its if kind == KIND_QUIZ]
    if quizzes:
        for eid, course_id, _uid in enrolments:
            if budget["quiz_attempts"] <= 0:
                break
            for qc, item_id in quizzes:
                if qc == course_id and budget["quiz_attempts"] > 0:
                    attempts.append({"enrolment_id": eid, "item_id": item_id, "attempt_no": 9,
                                     "score": 40.0, "passed": False, "answers": {},
                                     "submitted_dt": now})
                    budget["quiz_attempts"] -= 1
    tried = _insert(QuizAttempt, attempts)
    finished = completed[: size["certificates"]]
    _insert(Completion, (
        {"enrolment_id": eid, "user_id": uid, "course_id": cid, "course_version": version[cid],
         "completed_dt": now - dt.timedelta(days=1), "final_score": 90.0}
        for eid, uid, cid in finished
    ))
    return {"enrolments": enrolled, "progress": progressed, "quiz_attempts": tried,
            "completions": len(finished), "finished": finished, "courses": courses}


def _code(n: int) -> str:
    """The ``n``-th code in the certificates' own form (``5C00-0000-00A1``)."""
    from certificates.operations import CROCKFORD

    digits = []
    for _ in range(10):
        n, d = divmod(n, 32)
        digits.append(CROCKFORD[d])
    raw = "5C" + "".join(reversed(digits))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def _certificates(finished: list[tuple[int, int, int]], courses, now: dt.datetime) -> list[str]:
    """Certificate rows for the completions (the credential is a stand-in: pages only read
    the row's facts); return their codes."""
    from certificates.models import Certificate
    from lms.db import db  # noqa: F401 (the session the insert runs in)

    by_id = {c.id: c for c in courses}
    codes = [_code(n) for n in range(len(finished))]
    _insert(Certificate, (
        {"code": code, "user_id": uid, "enrolment_id": eid,
         "course_slug": by_id[cid].slug, "course_version": by_id[cid].version, "revision": 1,
         "learner_name": f"Learner {uid}", "learner_email": f"learner{uid}@example.org",
         "course_title": by_id[cid].title, "outcomes": [], "estimated_hours": 1.0,
         "final_score": 90.0, "completed_dt": now - dt.timedelta(days=1), "issued_dt": now,
         "status_index": n, "revoked_reason": "", "credential_json": "{}"}
        for n, (code, (eid, uid, cid)) in enumerate(zip(codes, finished, strict=True))
    ))
    return codes


def _governance(user_ids: list[int], size: dict, now: dt.datetime) -> dict:
    """Members; a ballot whose roll is ``small_ballot`` members, then one of all members,
    each with everyone's vote."""
    from sqlalchemy import insert

    from governance.models import ACTIVE, Membership, Vote
    from lms.db import db

    from .plugin_data import _open

    members = user_ids[: size["members"]]
    classes = ("learner", "worker", "supporter")

    def join(ids, offset):
        if not ids:  # an empty parameter list would insert one row of defaults
            return
        db.session.execute(insert(Membership), [
            {"user_id": uid, "member_class": classes[(n + offset) % 3], "status": ACTIVE,
             "applied_dt": now - dt.timedelta(days=90), "joined_dt": now - dt.timedelta(days=60),
             "note": ""}
            for n, uid in enumerate(ids)
        ])
        db.session.flush()

    def votes(ballot_id, ids):
        choices = ("for", "for", "for", "against", "against", "abstain")
        _insert(Vote, ({"ballot_id": ballot_id, "user_id": uid, "choice": choices[n % 6],
                        "cast_dt": now} for n, uid in enumerate(ids)))

    first = members[: size["small_ballot"]]
    join(first, 0)
    _p, small_ballot = _open(members[0], "Scale: a ballot of the first members")
    votes(small_ballot.id, first)
    join(members[len(first):], len(first))
    _p, whole_ballot = _open(members[0], "Scale: a ballot of every member")
    votes(whole_ballot.id, members)
    return {"small_ballot_id": small_ballot.id, "whole_ballot_id": whole_ballot.id,
            "members": len(members)}


def _audit(count: int, actor_ids: list[int], now: dt.datetime) -> int:
    """Entries spread over a dozen actions and subject types, chained after the log's end
    with stand-in hashes (the pages read them; ``audit verify`` would reject them)."""
    from sqlalchemy import select

    from lms.audit import GENESIS, AuditEvent
    from lms.db import db

    last_seq, last_hash = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.is_not(None))
        .order_by(AuditEvent.seq.desc()).limit(1)
    ).first() or (0, GENESIS)
    kinds = [("courses.lesson.completed", "item"), ("courses.enrolment.created", "enrolment"),
             ("certificates.certificate.issued", "certificate"), ("lms.user.registered", "user"),
             ("governance.vote.cast", "ballot"), ("lms.role.granted", "user"),
             ("courses.quiz.submitted", "item"), ("governance.membership.approved", "membership"),
             ("certificates.certificate.rerendered", "certificate"),
             ("courses.course.published", "course"), ("lms.user.password_changed", "user"),
             ("governance.proposal.raised", "proposal")]

    def rows():
        prev = last_hash
        for n in range(count):
            seq = last_seq + 1 + n
            digest = hashlib.sha256(f"scale-{seq}".encode()).hexdigest()
            action, subject = kinds[n % len(kinds)]
            yield {"seq": seq,
                   "occurred_dt": now - dt.timedelta(seconds=count - n),
                   "actor_id": actor_ids[n % len(actor_ids)], "action": action,
                   "subject_type": subject, "subject_id": str(n), "data": {"n": n},
                   "prev_hash": prev, "hash": digest}
            prev = digest

    return _insert(AuditEvent.__table__, rows())


def build(size: dict, password_hash: str) -> dict:
    """Fill the migrated database of the current app with ``size``; return its facts."""
    from sqlalchemy import text

    from courses import operations as course_ops
    from lms.accounts import operations as accounts
    from lms.db import db

    from . import cohort_measures
    from .scenarios import COURSE_SLUG, LEARNER_EMAIL, LEARNER_PASSWORD

    now = dt.datetime.now(dt.UTC)
    rng = random.Random(18)
    admin = accounts.create_user(ADMIN_EMAIL, "Scale Admin", LEARNER_PASSWORD, ("admin",))
    learner = accounts.create_user(LEARNER_EMAIL, "Bench Learner", LEARNER_PASSWORD)
    from courses.models import Course

    course = db.session.scalar(db.select(Course).where(Course.slug == COURSE_SLUG))
    course_ops.enrol(learner, course)
    db.session.commit()
    user_ids = _users(size["users"], password_hash, now)
    db.session.commit()
    learning = _learning(user_ids, size, rng, now)
    db.session.commit()
    codes = _certificates(learning.pop("finished"), learning.pop("courses"), now)
    db.session.commit()
    facts = _governance(user_ids, size, now)
    db.session.commit()
    audited = _audit(size["audit"], [admin.id, *user_ids[:50]], now)
    db.session.commit()
    cohorts = cohort_measures.seed()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    facts.update(learning)
    facts.update({
        "users": len(user_ids) + 1, "certificates": len(codes), "audit": audited,
        "cert_code": codes[len(codes) // 2] if codes else None,
        "matrix_cohort_id": cohorts["matrix"], "small_cohort_id": cohorts["small"],
        "search_term": str(len(user_ids) // 2),
    })
    return facts
