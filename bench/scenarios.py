"""What ``make bench`` measures. Later issues append :class:`Scenario` objects to ``SCENARIOS``.

A scenario is one request driven by wrk against the real app. With ``login``
set, the runner logs that account in through the real login form first and
sends its session cookie with every request. ``backend`` pins a scenario to
one database ("sqlite" or "postgres"); ``None`` means the run's backend
(SQLite, or PostgreSQL with ``--postgres``). ``target_ratio`` is the least
share of the bare Flask app's requests per second the scenario must reach and
``max_p95_ms`` the latency its 95th percentile must stay under; ``None``
reports the numbers without a target.

A ``POST`` scenario sends a form: with ``csrf_from`` set, the runner opens
that page as the logged-in account and scrapes its CSRF token into the body,
as a browser would. Before measuring, one request made with http.client must
answer ``expect_status`` (and contain ``expect_text``, or redirect to a
``Location`` containing ``expect_location``); during the load, wrk's Lua
script counts every other status, and every redirect to the login page, as
an error, and a scenario with errors fails.

A path may name facts of the generated dataset in braces (``{cert_code}``,
``{vote_proposal_id}``; see :func:`bench.plugin_data.seed`). With ``voters``
set, every wrk connection is a different member, logged in through the form,
with their own session cookie and CSRF token (one wrk thread per connection),
and ``forms`` are the form fields each connection's requests cycle through.

The measurements that are not requests (issuing certificates, counting a
ballot) are in :mod:`bench.measures`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The account every dataset contains (see :mod:`bench.dataset`).
LEARNER_EMAIL = "bench-learner@example.org"
LEARNER_PASSWORD = "bench learner passphrase"  # noqa: S105 (a generated dataset's account)
LEARNER = (LEARNER_EMAIL, LEARNER_PASSWORD)
#: The learner's API token (made by the dataset with these scopes) that the API scenarios send.
API_TOKEN = "lmsat_bench-learner-token-for-the-api-scenarios"  # noqa: S105 (generated dataset)
API_SCOPES = ("courses:catalogue:read", "courses:progress:read")
API_HEADERS = {"Authorization": f"Bearer {API_TOKEN}"}
#: The password of every bulk-inserted user (the voters log in with it).
BULK_PASSWORD = "bench bulk passphrase"  # noqa: S105 (a generated dataset's accounts)
#: A member of the co-op (one of the counted ballot's roll) for the member's dashboard.
MEMBER = ("bench-member-000000@example.org", BULK_PASSWORD)
#: The tutor of the cohort measures' groups (made by bench.cohort_measures.seed).
TUTOR_EMAIL = "bench-tutor@example.org"
TUTOR_PASSWORD = "bench tutor passphrase"  # noqa: S105 (a generated dataset's account)
TUTOR = (TUTOR_EMAIL, TUTOR_PASSWORD)

#: A shipped course (imported by ``flask lms init``) the learner is enrolled in.
COURSE_SLUG = "what-is-a-co-operative"
#: A lesson with a lesson before and an item after it, for the lesson page.
LESSON_VIEWED = "seven-principles"
#: The lesson the learner marks complete (again and again: a repeated click).
LESSON_COMPLETED = "co-operative-identity"

#: The shipped course whose completions get certificates (the learner's, to verify,
#: and the bulk issue's).
CERT_SLUG = "platform-co-operatives"
#: Certificates issued by ``flask certificates issue`` in one run.
BULK_ISSUE = 1000
#: Certificates issued in-process, untimed then timed, for the time per certificate.
ISSUE_WARMUP = 3
ISSUE_SAMPLES = 50
#: Members on the roll of the counted ballot, each with a vote.
TALLY_MEMBERS = 10_000
#: Concurrent voters, each a member with their own session (one wrk connection each).
VOTERS = 32


@dataclass(frozen=True)
class Scenario:
    """One measured request.

    :param name: shown in the table and the JSON.
    :param path: the URL path (with query string) requested.
    :param target_ratio: least ``rps / baseline_rps`` to pass; ``None``: report only.
    :param max_p95_ms: the 95th percentile must be under this; ``None``: no latency target.
    :param login: ``(email, password)`` to log in as before measuring.
    :param backend: "sqlite" or "postgres"; ``None``: the run's backend.
    :param method: "GET" or "POST".
    :param csrf_from: the page to scrape a CSRF token from into the POST body.
    :param expect_status: the status every request must get.
    :param expect_text: text the warm-up response's body must contain.
    :param expect_location: text the warm-up redirect's ``Location`` must contain.
    :param headers: extra request headers.
    :param voters: each connection logs in as a different voter (``connections = VOTERS``).
    :param forms: form fields besides the CSRF token; requests cycle through them.
    :param floor: the floor scenario (by name) this one's targets are shares of; it
        is measured in the same run (``--only`` adds it).
    :param floor_ratio: least ``rps / floor rps`` to pass.
    :param floor_p95_factor: the p95 may be at most this many times the floor's p95.
    :param max_p95_backend: ``max_p95_ms`` applies on this backend only (``None``: all).
    :param twin: the scenario (by name) this one is the same page of, another way (in
        another language); measured in the same run (``--only`` adds it).
    :param twin_ratio: least ``rps / twin's rps`` to pass.
    """

    name: str
    path: str
    target_ratio: float | None = None
    max_p95_ms: float | None = None
    login: tuple[str, str] | None = None
    backend: str | None = None
    method: str = "GET"
    csrf_from: str | None = None
    expect_status: int = 200
    expect_text: str | None = None
    expect_location: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    voters: bool = False
    forms: tuple[dict[str, str], ...] = ({},)
    floor: str | None = None
    floor_ratio: float | None = None
    floor_p95_factor: float | None = None
    max_p95_backend: str | None = None
    twin: str | None = None
    twin_ratio: float | None = None


#: The floors (bench.served_app) the pages' targets are shares of.
LAYOUT_FLOOR = "signed-in floor, layout"
WRITE_FLOOR = "signed-in floor, audited write"
PUBLIC_FLOOR = "public floor, one query"


def _learn(key: str) -> str:
    return f"/courses/{COURSE_SLUG}/learn/{key}"


SCENARIOS: list[Scenario] = [
    # The load balancers' probe runs the public floor's own query (``SELECT 1`` on a pooled
    # connection in autocommit), so its target is a share of that floor, in the same run, as
    # issue 18 restated the others: a share of the bare app is out of reach wherever a query
    # costs more than half of it (PostgreSQL's round trip).
    Scenario("healthz", "/healthz", floor=PUBLIC_FLOOR, floor_ratio=0.9),
    Scenario("login page", "/account/login"),
    # The most any signed-in page can reach (see bench.served_app): reported, no target.
    Scenario("signed-in floor, plain", "/_bench/floor-plain", login=LEARNER,
             expect_text='id="bench-floor"'),
    Scenario(LAYOUT_FLOOR, "/_bench/floor-layout", login=LEARNER,
             expect_text='id="bench-floor"'),
    # Issue 18's targets are shares of the floors measured in the same run (the old
    # shares of the bare app sat above what any signed-in page of the stack reaches):
    # every signed-in page >= 0.6 of the layout floor, p95 < 50 ms on SQLite.
    Scenario(
        "lesson view",
        _learn(LESSON_VIEWED),
        max_p95_ms=50,
        max_p95_backend="sqlite",
        floor=LAYOUT_FLOOR,
        floor_ratio=0.6,
        login=LEARNER,
        expect_text='id="lesson-title"',
    ),
    # The same lesson in Urdu (right to left, the catalogue's strings, the course's
    # translation looked up): the same share of the floor, and within 5% of the English
    # page's rate in the same run. The learner has chosen no language, so the browser's
    # (Accept-Language) decides; the page must come back in Urdu.
    Scenario(
        "lesson view, Urdu",
        _learn(LESSON_VIEWED),
        max_p95_ms=50,
        max_p95_backend="sqlite",
        floor=LAYOUT_FLOOR,
        floor_ratio=0.6,
        twin="lesson view",
        twin_ratio=0.95,
        login=LEARNER,
        headers={"Accept-Language": "ur"},
        expect_text='lang="ur" dir="rtl"',
    ),
    Scenario(
        "dashboard",
        "/",
        max_p95_ms=50,
        max_p95_backend="sqlite",
        floor=LAYOUT_FLOOR,
        floor_ratio=0.6,
        login=LEARNER,
        expect_text="<main",
    ),
    # The tutor's dashboard (their groups, learners at risk, modules opening) over the
    # cohort measures' groups of 500 and 5 learners, and a member's (votes waiting).
    Scenario(
        "tutor dashboard",
        "/",
        max_p95_ms=50,
        max_p95_backend="sqlite",
        floor=LAYOUT_FLOOR,
        floor_ratio=0.6,
        login=TUTOR,
        expect_text="<main",
    ),
    Scenario(
        "member dashboard",
        "/",
        max_p95_ms=50,
        max_p95_backend="sqlite",
        floor=LAYOUT_FLOOR,
        floor_ratio=0.6,
        login=MEMBER,
        expect_text="<main",
    ),
    Scenario(
        "course outline",
        f"/courses/{COURSE_SLUG}",
        max_p95_ms=50,
        max_p95_backend="sqlite",
        floor=LAYOUT_FLOOR,
        floor_ratio=0.6,
        login=LEARNER,
        expect_text="<main",
    ),
    # Marking a lesson complete (>= 0.6 of the audited-write floor). The first request
    # records it; every later one is the repeated click, which reads (user, course with
    # enrolment and lesson, outline), writes nothing and redirects as the first did.
    Scenario(
        "mark complete",
        _learn(LESSON_COMPLETED) + "/complete",
        floor=WRITE_FLOOR,
        floor_ratio=0.6,
        login=LEARNER,
        method="POST",
        csrf_from=_learn(LESSON_COMPLETED),
        expect_status=303,
        expect_location=_learn(LESSON_VIEWED),
    ),
    # The API with a token (issue 21): the catalogue and the learner's progress, each
    # >= 0.6 of the public floor (a token request reads the token, its user and roles in
    # one query, then the page's own).
    Scenario(
        "api courses",
        "/api/v1/courses/",
        floor=PUBLIC_FLOOR,
        floor_ratio=0.6,
        headers=API_HEADERS,
        expect_text='"next_cursor"',
    ),
    Scenario(
        "api my progress",
        "/api/v1/courses/my/enrolments",
        floor=PUBLIC_FLOOR,
        floor_ratio=0.6,
        headers=API_HEADERS,
        expect_text='"progress"',
    ),
    # The most any public page that reads the database can reach (see
    # bench.served_app): reported, no target.
    Scenario(PUBLIC_FLOOR, "/_bench/floor-query",
             expect_text='id="bench-floor">Floor 1<'),
    # The public verification page (>= 0.6 of the public floor), with the lookup rate
    # limit raised (not switched off) for the bench; the code is the learner's
    # certificate, so every request finds it valid.
    Scenario(
        "certificate verify",
        "/certificates/verify/{cert_code}",
        floor=PUBLIC_FLOOR,
        floor_ratio=0.6,
        expect_text="status-valid",
    ),
    # The least any audited write by a member can take with the vote's 32
    # members at once (see bench.served_app): reported, no target.
    Scenario(
        WRITE_FLOOR,
        "/_bench/floor-write",
        method="POST",
        # A CSRF token belongs to the session, not to a form: the ballot page's does.
        csrf_from="/governance/proposals/{vote_proposal_id}/ballot",
        expect_status=303,
        expect_location="#bench-written",
        expect_text="#bench-written",
        voters=True,
    ),
    # 32 members voting at once, each changing their vote (for, against, for, ...) on
    # every request, which the rules allow; its p95 at most 1.25 x the audited-write
    # floor's (the same 32 members, a form that records an audit entry). A
    # recorded vote redirects to the member's vote on the ballot page (the
    # anchor, also in the redirect's body, which wrk checks); a refusal
    # redirects to the ballot page without it.
    Scenario(
        "cast vote",
        "/governance/proposals/{vote_proposal_id}/ballot",
        floor=WRITE_FLOOR,
        floor_p95_factor=1.25,
        method="POST",
        csrf_from="/governance/proposals/{vote_proposal_id}/ballot",
        expect_status=303,
        expect_location="/ballot#your-vote",
        expect_text="/ballot#your-vote",
        voters=True,
        forms=({"choice": "for"}, {"choice": "against"}),
    ),
]
