"""Load once in a pre-forking server's master what every worker only reads, then fork.

``deploy/gunicorn.conf.py`` (``preload_app``) calls :func:`prepare_for_fork` in the master once the
app is built and :func:`after_fork` in each worker. Loaded in the master: jieba's dictionary (the
largest part of a worker, ~170 MB of Python objects), the analyzer, the shared vocabularies and the
教材目录, every template compiled. Then the master closes what must not be shared across a fork — the
database pools (a connection used by two processes corrupts its protocol stream) and the search
index's open files and searchers (each worker opens its own) — and ``gc.freeze()`` moves every object
into the permanent generation, so the collector never writes to their pages and they stay shared
copy-on-write instead of being copied into each worker.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

from flask import Flask

log = logging.getLogger(__name__)


def prepare_for_fork(app: Flask) -> None:
    from eduplatform.core import textbooks, vocabularies
    from eduplatform.core.extensions import db
    from eduplatform.core.search.analysis import analyze, chinese_analyzer, ensure_jieba

    index_dir = app.config.get("SEARCH_INDEX_DIR")
    ensure_jieba(Path(index_dir).parent if index_dir else None)
    chinese_analyzer()
    analyze("预热分词词典")
    vocabularies.shared()
    textbooks.shared()
    for name in app.jinja_env.list_templates(filter_func=lambda n: n.endswith((".html", ".txt", ".xml"))):
        try:
            app.jinja_env.get_template(name)
        except Exception:  # a template that only compiles in its context is compiled on first use
            log.debug("template %s not precompiled", name, exc_info=True)
    for warm in app.extensions.get("edu_prefork", []):
        warm(app)
    close_shared_handles(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    gc.collect()
    gc.freeze()


def close_shared_handles(app: Flask) -> None:
    search = app.extensions.get("edu_search")
    if search is not None and hasattr(search, "close"):
        search.close()


def after_fork(app: Flask) -> None:
    """In the worker: never touch a connection the master (or a sibling) may hold."""
    from eduplatform.core.extensions import db

    with app.app_context():
        db.engine.dispose(close=False)
    close_shared_handles(app)
