"""Measurements that are not requests: issuing certificates and counting a ballot.

Each returns an entry for the results JSON beside the wrk scenarios, of kind
``"measure"``: ``value`` in ``unit`` against ``target`` (``value < max`` to
pass), and, where the issue asks for one, a ``baseline`` measured in the same
run with the ``ratio`` of the two. They run on the generated dataset before
the app is served, so nothing else competes for the CPU.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .cohort_measures import cohort_matrix, cohort_upload
from .dataset import ROOT, in_process_app
from .page_weight import page_weight
from .scenarios import BULK_ISSUE, CERT_SLUG, ISSUE_SAMPLES, ISSUE_WARMUP

#: Timed runs of the tally (after one untimed run); the median is reported.
TALLY_RUNS = 7


def entry(name: str, backend: str, value: float, unit: str, max_value: float, *,
          baseline: float | None = None, baseline_name: str | None = None,
          passed: bool = True, **details) -> dict:
    """One measure's result; it passes when ``value < max_value`` and ``passed``."""
    ratio = value / baseline if baseline else None
    return {
        "kind": "measure",
        "name": name,
        "backend": backend,
        "value": round(value, 2),
        "unit": unit,
        "target": f"< {max_value:g} {unit}",
        "max": max_value,
        "pass": passed and value < max_value,
        "baseline": None if baseline is None else round(baseline, 2),
        "baseline_name": baseline_name,
        "ratio": None if ratio is None else round(ratio, 2),
        **details,
    }


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Collect the SQL statements the app's engine runs inside the block."""
    from sqlalchemy import event

    from lms import directread
    from lms.db import db

    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    directread.observers.append(seen.append)  # reads that skip the engine's events
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        directread.observers.remove(seen.append)


def _tally_once(ballot_id: int) -> tuple[float, int, object]:
    """Time ``governance.operations.tally`` of a freshly loaded ballot; count its queries."""
    from governance import operations as gov
    from governance.models import Ballot
    from lms.db import db

    db.session.rollback()
    ballot = db.session.get(Ballot, ballot_id)
    with counting_queries() as queries:
        start = time.perf_counter()
        counted = gov.tally(ballot)
        elapsed = (time.perf_counter() - start) * 1000
    return elapsed, len(queries), counted


def tally(env: dict[str, str], settings: dict, backend: str, facts: dict) -> list[dict]:
    """Issue 6: count the ballot of 10,000 members who all voted; under 200 ms in a
    constant number of queries (the same as for the 32-voter ballot)."""
    with in_process_app(env, settings):
        _tally_once(facts["tally_ballot_id"])
        runs = [_tally_once(facts["tally_ballot_id"]) for _ in range(TALLY_RUNS)]
        _ms, small_queries, _small = _tally_once(facts["vote_ballot_id"])
    times = [ms for ms, _q, _c in runs]
    queries = runs[0][1]
    counted = runs[0][2]
    right = counted.eligible == counted.turnout == counted.roll_count
    return [entry(
        f"tally {counted.eligible:,} members", backend, statistics.median(times), "ms", 200,
        passed=right and all(q == queries for _ms, q, _c in runs) and queries == small_queries,
        queries=queries, queries_small_ballot=small_queries, runs=TALLY_RUNS,
        min_ms=round(min(times), 2), eligible=counted.eligible, turnout=counted.turnout,
    )]


def _plain_render(cert) -> float:
    """Time WeasyPrint rendering the certificate's own page as a plain PDF: the same
    HTML and CSS (fonts through the same fetcher, loaded into a font configuration
    as WeasyPrint documents for ``@font-face``), no PDF/A, no attachment, nothing
    kept from one render to the next."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from certificates import operations as cert_ops
    from certificates import pdf
    from certificates.design import design_for

    design = design_for(cert.course_slug)
    html = pdf.render_html(cert_ops.page_data(cert), design.html)
    start = time.perf_counter()
    fetcher = pdf.url_fetcher()
    fonts = FontConfiguration()
    css = CSS(string=design.css, url_fetcher=fetcher, base_url="data:,", font_config=fonts)
    HTML(string=html, url_fetcher=fetcher, base_url="data:,").write_pdf(
        stylesheets=[css], font_config=fonts
    )
    return (time.perf_counter() - start) * 1000


def certificate_issue(env: dict[str, str], settings: dict, backend: str,
                      _facts: dict) -> list[dict]:
    """Issue 5: one certificate (sign, render PDF/A-3b, store, commit), warm, on one
    core, against a plain WeasyPrint render of the same page in the same run."""
    from sqlalchemy import select

    from certificates import bulk
    from certificates import operations as cert_ops
    from certificates.models import Certificate
    from lms.db import db

    with in_process_app(env, settings):
        pending = [c for c in bulk.completions_lacking_certificate(CERT_SLUG)
                   if c.email.startswith("bench-sample-")]
        db.session.commit()
        if len(pending) != ISSUE_WARMUP + ISSUE_SAMPLES:
            raise SystemExit(f"bench: expected {ISSUE_WARMUP + ISSUE_SAMPLES} completions to"
                             f" issue, found {len(pending)}")
        issue_ms = []
        for n, completion in enumerate(pending):
            start = time.perf_counter()
            cert = cert_ops.issue(completion, actor_id=None)
            db.session.commit()
            elapsed = (time.perf_counter() - start) * 1000
            if cert is None or cert.pdf_sha256 is None:
                raise SystemExit("bench: a certificate was not issued with its PDF")
            if n >= ISSUE_WARMUP:
                issue_ms.append(elapsed)
        certs = db.session.scalars(
            select(Certificate).where(Certificate.learner_email.like("bench-sample-%"))
            .order_by(Certificate.id)
        ).all()
        plain = [_plain_render(c) for c in certs]
        db.session.commit()
    plain_ms = statistics.mean(plain[ISSUE_WARMUP:])
    return [entry(
        "certificate issue", backend, statistics.mean(issue_ms), "ms", 100,
        baseline=plain_ms, baseline_name="plain WeasyPrint render",
        samples=len(issue_ms), p95_ms=round(statistics.quantiles(issue_ms, n=20)[-1], 2),
    )]


def bulk_issue(env: dict[str, str], settings: dict, backend: str, _facts: dict) -> list[dict]:
    """Issue 5: ``flask certificates issue --course SLUG`` for 1,000 completions, as an
    operator runs it (PDFs rendered by one worker process per CPU)."""
    from sqlalchemy import func, select

    from certificates.models import Certificate
    from lms.db import db

    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "certificates", "issue",
         "--course", CERT_SLUG],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench: flask certificates issue failed: {done.stderr[-2000:]}")
    with in_process_app(env, settings):
        issued = db.session.scalar(
            select(func.count()).select_from(Certificate)
            .where(Certificate.learner_email.like("bench-graduate-%"),
                   Certificate.pdf_sha256.is_not(None))
        )
    return [entry(
        f"bulk issue {BULK_ISSUE:,} certificates", backend, elapsed, "s", 60,
        passed=issued == BULK_ISSUE, issued=issued,
        per_certificate_ms=round(elapsed * 1000 / BULK_ISSUE, 2), cpus=os.cpu_count(),
    )]


MEASURES = (tally, certificate_issue, bulk_issue, cohort_matrix, cohort_upload, page_weight)
