"""Metrics for Prometheus (closed to the public), request ids and structured logs."""

from __future__ import annotations

import json
import logging
import re

from lms.observability import JsonFormatter, RequestObserver, TextFormatter


def test_metrics_are_closed_to_the_public(app, make_app, make_user, login):
    assert app.test_client().get("/metrics").status_code == 404
    assert login(make_user()).get("/metrics").status_code == 404
    assert login(make_user(roles=("admin",))).get("/metrics").status_code == 200
    tokened = make_app({"LMS_METRICS_TOKEN": "s3cret-scrape-token"}).test_client()
    assert tokened.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert tokened.get(
        "/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"}
    ).status_code == 200
    networked = make_app({"LMS_METRICS_NETWORKS": "10.1.0.0/16, 127.0.0.1"}).test_client()
    assert networked.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert networked.get("/metrics", environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code == 404


def test_metrics_show_latency_by_endpoint_and_the_jobs(app, make_user, login):
    admin = login(make_user(roles=("admin",)))
    app.test_client().get("/healthz")
    body = admin.get("/metrics").get_data(as_text=True)
    assert re.search(
        r'lms_request_duration_seconds_count\{endpoint="health.healthz",method="GET",'
        r'status="2xx"\} [1-9]', body
    )
    assert 'lms_jobs{state="failed"} 0.0' in body
    assert "lms_job_queue_depth" in body
    assert "lms_job_failures_total" in body


def test_every_response_carries_a_request_id(app):
    client = app.test_client()
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", first) and first != second
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-id.42"})
    assert kept.headers["X-Request-ID"] == "proxy-id.42"
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id; <script>"})
    assert re.fullmatch(r"[0-9a-f]{16}", forged.headers["X-Request-ID"])


def test_log_lines_carry_the_request_id(app):
    records: list[logging.LogRecord] = []
    lines: list[str] = []

    def wsgi(environ, start_response):
        record = logging.LogRecord("lms.test", logging.WARNING, __file__, 1, "hello %s", ("you",),
                                   None)
        records.append(record)
        lines.append(JsonFormatter().format(record))
        lines.append(TextFormatter().format(record))
        start_response("200 OK", [])
        return [b""]

    seen = {}
    RequestObserver(wsgi)(
        {"REQUEST_METHOD": "GET", "HTTP_X_REQUEST_ID": "abc123"},
        lambda status, headers, exc_info=None: seen.update(headers),
    )
    assert seen["X-Request-ID"] == "abc123"
    entry = json.loads(lines[0])
    assert entry["request_id"] == "abc123"
    assert (entry["level"], entry["logger"], entry["msg"]) == ("warning", "lms.test", "hello you")
    assert "[abc123] hello you" in lines[1]
    outside = json.loads(JsonFormatter().format(records[0]))
    assert "request_id" not in outside
