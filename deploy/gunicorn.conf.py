"""gunicorn settings for the platform: ``gunicorn -c deploy/gunicorn.conf.py``.

The app is built once in the master (``preload_app``) and jieba's dictionary, the vocabularies and
the compiled templates are loaded there before the fork and frozen (``eduplatform.core.prefork``), so
the workers share them copy-on-write instead of each loading its own (~170 MB for jieba alone).
The master's database pools and search-index handles are closed before the fork and each worker
drops the inherited pool again (``post_fork``): no connection or file handle is shared by two
processes. ``bench/bench_memory.py`` measures what each worker adds; ``bench/bench_pages.py`` the
throughput. Every setting can be overridden on the command line (``-w 8``) or by the environment
variables below.
"""

import os

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
