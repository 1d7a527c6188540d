"""Profile the verification page and casting a vote in-process (``python -m bench.profile_views``).

Generates a dataset as ``make bench`` does (SQLite; PostgreSQL with ``--postgres``),
then drives the two views through Flask's test client under cProfile and prints
the top costs. A helper
for reading why a scenario misses its target; it measures nothing by itself.
"""

from __future__ import annotations

import contextvars
import cProfile
import io
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

from . import dataset
from .run import _app_settings
from .scenarios import BULK_PASSWORD


def _top(profile: cProfile.Profile, title: str, count: int = 60) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(count)
    print(f"==== {title}: by cumulative time")
    print(out.getvalue())
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(count)
    print(f"==== {title}: by own time")
    print(out.getvalue())


def _timed(title: str, send, requests: int) -> None:
    """Print the mean wall time of ``requests`` calls of ``send(n)``, unprofiled."""
    start = time.perf_counter()
    for n in range(requests):
        send(n)
    print(f"==== {title}: {(time.perf_counter() - start) * 1000 / requests:.2f} ms per request")


def _fresh(send, *args, **kwargs):
    """Send one request in a context of its own, as a served request is.

    The app context held open around the profile would otherwise be shared
    by every request: ``g`` (and the user Flask-Login keeps there) would
    outlive the request, and a commit would expire that user, who is then
    loaded again inside the vote's write.
    """
    return contextvars.Context().run(send, *args, **kwargs)


def main(requests: int = 300, backend: str = "sqlite") -> int:
    with tempfile.TemporaryDirectory(prefix="lms-profile-") as tmp_name:
        env, config = _app_settings(backend, Path(tmp_name))
        facts = dataset.generate(env, config, 100)
        with dataset.in_process_app(env, config) as app:
            # The test client speaks https (PREFERRED_URL_SCHEME), so production's
            # Secure cookies work; CSRF checks the referrer on https, as a browser sends it.
            client = app.test_client()
            client.environ_base["HTTP_REFERER"] = "https://localhost/"
            path = f"/certificates/verify/{facts['cert_code']}"
            assert b"status-valid" in client.get(path).data
            _timed(f"GET {path}", lambda n: _fresh(client.get, path), requests)
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(requests):
                _fresh(client.get, path)
            profile.disable()
            _top(profile, f"GET {path} x{requests}")

            csrf = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
            token = csrf.search(client.get("/account/login").text).group(1)
            answer = client.post("/account/login", data={
                "csrf_token": token, "email": facts["voters"][0], "password": BULK_PASSWORD})
            assert answer.status_code == 302, (answer.status, answer.text[:2000])
            ballot = f"/governance/proposals/{facts['vote_proposal_id']}/ballot"
            # The test client's session loses the CSRF token between the ballot page and
            # the POST (wrk's real cookies do not); the profile measures the vote, not CSRF.
            app.config["WTF_CSRF_ENABLED"] = False
            token = ""
            answer = client.post(ballot, data={"csrf_token": token, "choice": "for"})
            assert answer.status_code == 303 and answer.location.endswith("/ballot#your-vote"), (
                answer.status, answer.location, answer.text[-3000:])
            # Every vote sends the same session cookie, as wrk does: kept cookies
            # would pile up the "vote recorded" messages in the session.
            name = app.config["SESSION_COOKIE_NAME"]
            voter = app.test_client(use_cookies=False)
            voter.environ_base.update(client.environ_base,
                                      HTTP_COOKIE=f"{name}={client.get_cookie(name).value}")

            def vote(n):
                return _fresh(voter.post, ballot, data={"csrf_token": token,
                                                        "choice": ("for", "against")[n % 2]})

            _timed(f"POST {ballot}", vote, requests)
            profile = cProfile.Profile()
            profile.enable()
            for n in range(requests):
                vote(n)
            profile.disable()
            _top(profile, f"POST {ballot} x{requests}")
    return 0


if __name__ == "__main__":
    sys.exit(main(backend="postgres" if "--postgres" in sys.argv[1:] else "sqlite"))
