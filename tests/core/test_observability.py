"""Request ids (header, log lines, audit entries) and /metrics's restriction, in one process; the
counts across gunicorn workers are in tests/cluster/test_metrics.py."""

from __future__ import annotations

import logging
import re

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core import observability
from eduplatform.core.extensions import db


def test_a_request_id_is_generated_or_taken_and_answered(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
    given = client.get("/healthz", headers={"X-Request-ID": "nginx-7f3a9c1d"}).headers["X-Request-ID"]
    assert given == "nginx-7f3a9c1d"
    for bad in ("short", "有中文的请求号码码码", "x" * 200, "a b c d e f g h"):
        answered = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert answered != bad and re.fullmatch(r"[0-9a-f]{32}", answered)


def test_log_lines_and_audit_entries_carry_the_request_id(app, client, caplog):
    with caplog.at_level(logging.WARNING, logger="eduplatform.test"), \
            app.test_request_context("/", headers={"X-Request-ID": "req-log-0001"}):
        app.preprocess_request()  # the app's before-request hooks, as in a request
        logging.getLogger("eduplatform.test").warning("一条日志")
        answer = app.process_response(app.make_response("ok"))
    line = logging.Formatter(observability.LOG_FORMAT).format(
        next(r for r in caplog.records if r.name == "eduplatform.test"))
    assert "[req-log-0001] eduplatform.test: 一条日志" in line and answer.headers["X-Request-ID"] == "req-log-0001"
    outside = logging.getLogger("eduplatform.test").makeRecord("x", logging.INFO, "f", 1, "m", (), None)
    assert outside.request_id == "-"

    client.post("/login", data={"username": "nobody", "password": "x"}, headers={"X-Request-ID": "req-audit-01"})
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.kind == "login.failed"))
    assert entry.request_id == "req-audit-01"


def _scrape(client, **kwargs):
    return client.get("/metrics", **kwargs)


def test_metrics_are_answered_to_loopback_and_count_requests(client):
    for _ in range(3):
        client.get("/healthz")
    client.get("/no-such-page")
    page = _scrape(client)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/plain")
    text = page.get_data(as_text=True)
    assert re.search(r'edu_http_requests_total\{endpoint="home.healthz",method="GET",status="200"\} [1-9]', text)
    assert 'edu_http_requests_total{endpoint="unmatched",method="GET",status="404"}' in text
    assert 'edu_http_request_duration_seconds_bucket{endpoint="home.healthz",le="0.005"}' in text
    assert 'endpoint="metrics"' not in text  # scrapes are not counted


@pytest.mark.parametrize("environ", [{"REMOTE_ADDR": "203.0.113.4"},
                                     {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.4"}])
def test_metrics_are_hidden_from_others(client, environ):
    assert _scrape(client, environ_base=environ).status_code == 404


def test_metrics_with_the_token(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-metrics-token")
    monkeypatch.setitem(app.config, "METRICS_ALLOW_LOOPBACK", False)
    remote = {"REMOTE_ADDR": "203.0.113.4"}
    assert _scrape(client).status_code == 404  # loopback alone no longer does
    assert _scrape(client, environ_base=remote, headers={"Authorization": "Bearer wrong"}).status_code == 404
    ok = _scrape(client, environ_base=remote, headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert ok.status_code == 200


def test_registered_collectors_add_values_at_scrape_time(client, monkeypatch):
    from prometheus_client.core import GaugeMetricFamily

    depth = {"default": 7}

    def queues():
        family = GaugeMetricFamily("edu_job_queue_depth", "Jobs waiting", labels=["queue"])
        for name, n in depth.items():
            family.add_metric([name], n)
        yield family

    def broken():
        raise RuntimeError("broker down")
        yield  # pragma: no cover

    monkeypatch.setattr(observability, "_collectors", [])
    observability.register_collector(queues)
    observability.register_collector(broken)
    assert 'edu_job_queue_depth{queue="default"} 7.0' in _scrape(client).get_data(as_text=True)
    depth["default"] = 2
    text = _scrape(client).get_data(as_text=True)
    assert 'edu_job_queue_depth{queue="default"} 2.0' in text and "edu_http_requests_total" in text
