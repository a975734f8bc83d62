"""gunicorn settings for the platform: ``gunicorn -c deploy/gunicorn.conf.py``.

The app is built once in the master (``preload_app``) and jieba's dictionary, the vocabularies and
the compiled templates are loaded there before the fork and frozen (``eduplatform.core.prefork``), so
the workers share them copy-on-write instead of each loading its own (~170 MB for jieba alone).
The master's database pools and search-index handles are closed before the fork and each worker
drops the inherited pool again (``post_fork``): no connection or file handle is shared by two
processes. ``bench/bench_memory.py`` measures what each worker adds; ``bench/bench_pages.py`` the
throughput. Every setting can be overridden on the command line (``-w 8``) or by the environment
variables below.

Metrics: every worker writes its counters to files in ``PROMETHEUS_MULTIPROC_DIR`` (a fresh
directory of this server's own unless set; emptied when the server starts) and ``/metrics`` on any
worker adds all of them up. The access log carries each request's ``X-Request-ID``.
"""

import os
import shutil
import tempfile
from pathlib import Path

# Before the app (and prometheus_client) is imported: the value files of every worker go here.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="edu-prometheus-"))

wsgi_app = os.environ.get("EDU_WSGI_APP", "eduplatform:create_app()")
bind = os.environ.get("EDU_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("EDU_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("EDU_THREADS", "4"))
keepalive = 75
preload_app = True
# Large uploads stream through the app: do not let a slow client be killed mid-request.
timeout = int(os.environ.get("EDU_WORKER_TIMEOUT", "120"))
graceful_timeout = 30
# Restart workers now and then so that a slow leak cannot grow without bound (jittered, so that
# they do not restart together); 0 turns it off.
max_requests = int(os.environ.get("EDU_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("EDU_ACCESS_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s" rid=%({x-request-id}o)s'


def on_starting(server):
    """Empty the metrics directory: values of an earlier run's workers must not be added up."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    if directory.exists():
        for entry in directory.iterdir():
            if entry.is_file():
                entry.unlink()
            else:
                shutil.rmtree(entry, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """A worker's live gauges end with it (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def _flask_app(server):
    app = server.app.wsgi()
    return app if hasattr(app, "extensions") and "edu_domains" in getattr(app, "extensions", {}) else None


def when_ready(server):
    """In the master, after the app is loaded and before the first fork."""
    app = _flask_app(server)
    if app is not None:
        from eduplatform.core.prefork import prepare_for_fork

        prepare_for_fork(app)


def post_fork(server, worker):
    app = _flask_app(server)
    if app is not None:
        from eduplatform.core.prefork import after_fork

        after_fork(app)
