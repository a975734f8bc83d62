"""Request ids in every log line and Prometheus metrics at ``/metrics``.

* **Request id**: ``X-Request-ID`` from the client (or nginx's ``$request_id``) when it is a sane
  token, else a new one; kept in ``g.request_id``, answered in the response header, added to every
  log record made during the request (``%(request_id)s``; ``-`` outside one) and to audit entries.
  gunicorn's access log writes it from the response header (``deploy/gunicorn.conf.py``).
* **Metrics** (``prometheus-client``): requests by endpoint, method and status, and a latency
  histogram by endpoint. Under gunicorn every worker writes its values to files in
  ``PROMETHEUS_MULTIPROC_DIR`` (set before the first import; ``deploy/gunicorn.conf.py`` gives a
  default and clears it at start) and ``/metrics`` adds them up across workers. Other parts add
  values read at scrape time (queue depth, jobs) through :func:`register_collector`.
* ``/metrics`` answers loopback clients (not when the request came through a proxy that is not
  trusted) or ``Authorization: Bearer <EDU_METRICS_TOKEN>``; anyone else gets 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable

from flask import Flask, Response, current_app, g, has_request_context, request

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
LOG_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"

#: Callables run at each scrape, each yielding prometheus ``Metric`` families (e.g. a
#: ``GaugeMetricFamily`` of queue depths): live values read where they are kept, so they add up the
#: same whatever the number of worker processes.
_collectors: list[Callable[[], Iterable]] = []

_metrics: dict = {}


def register_collector(collect: Callable[[], Iterable]) -> None:
    """Add metric families computed at scrape time (the job system's queues, for one)."""
    if collect not in _collectors:
        _collectors.append(collect)


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


# --- request ids in log records -------------------------------------------------------------

_factory_installed = False


def _install_record_factory() -> None:
    global _factory_installed
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = (current_request_id() or "-") if has_request_context() else "-"
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


def _configure_logging(app: Flask) -> None:
    """One handler on the root logger with the request id in the format (unless one is configured)."""
    root = logging.getLogger()
    if app.testing or root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL") or logging.INFO)


# --- metrics --------------------------------------------------------------------------------

def _instruments() -> dict:
    if not _metrics:
        from prometheus_client import Counter, Histogram

        _metrics["requests"] = Counter("edu_http_requests", "HTTP requests answered",
                                       ["endpoint", "method", "status"])
        _metrics["latency"] = Histogram(
            "edu_http_request_duration_seconds", "Time to answer a request (to its first byte)", ["endpoint"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
    return _metrics


def _start_request() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish_request(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    if started is not None and request.endpoint != "metrics":
        endpoint = request.endpoint or "unmatched"
        metrics = _instruments()
        metrics["requests"].labels(endpoint, request.method, str(response.status_code)).inc()
        metrics["latency"].labels(endpoint).observe(time.perf_counter() - started)
    return response


def _allowed() -> bool:
    config = current_app.config
    token = config.get("METRICS_TOKEN")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip(), token):
        return True
    if not config.get("METRICS_ALLOW_LOOPBACK", True):
        return False
    if "X-Forwarded-For" in request.headers and not config.get("TRUSTED_PROXY_COUNT"):
        return False  # through a proxy we do not read: the peer address is the proxy's
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


class _Registered:
    """The registered collectors, as one prometheus collector."""

    def collect(self):
        for collect in _collectors:
            try:
                yield from collect()
            except Exception:  # a broken source must not take the request metrics with it
                log.exception("metrics collector %r failed", collect)


def metrics_view():
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if not _allowed():
        return Response("Not Found", status=404, content_type="text/plain; charset=utf-8")
    extra = CollectorRegistry(auto_describe=False)
    extra.register(_Registered())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # every worker's files, added up
    else:
        registry = REGISTRY
    return Response(generate_latest(registry) + generate_latest(extra), content_type=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def init_app(app: Flask) -> None:
    _install_record_factory()
    _configure_logging(app)
    _instruments()
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
