"""The Celery application of a Flask app: configured from its config, one task that runs a job row.

Broker: ``JOBS_BROKER_URL`` — Redis in production (``CELERY_BROKER_URL`` or ``EDU_REDIS_URL``); with
neither, kombu's SQLAlchemy transport over a SQLite file beside the database (``jobs-broker.sqlite``
in the data dir), so ``make run`` needs no server. Results are not kept by Celery: the ``jobs`` table
is the truth. Senders name the one task (``eduplatform.jobs.run``); the worker registers it
(``worker.py``), so this module needs nothing of the runner.
"""

from __future__ import annotations

from celery import Celery
from flask import Flask, current_app

from eduplatform.core.db import PLAIN_SQLITE


def broker_url(config) -> str:
    url = config.get("JOBS_BROKER_URL")
    if url:
        return url
    return f"sqla+sqlite:///{config['DATA_DIR']}/jobs-broker.sqlite"


def make_celery(app: Flask) -> Celery:
    url = broker_url(app.config)
    celery = Celery("eduplatform", broker=url, set_as_current=False)
    options: dict = {}
    if url.startswith(("redis://", "rediss://")):
        # A message taken but not acknowledged (worker killed) is given again after this long; the
        # jobs table's lease guards against running it twice meanwhile.
        options["visibility_timeout"] = int(app.config.get("JOBS_VISIBILITY_TIMEOUT", 3600))
        # how often a worker looks for such messages (kombu's defaults: every 10 × 10 s)
        options["unacked_restore_interval"] = int(app.config.get("JOBS_REDIS_RESTORE_INTERVAL", 10))
        options["unacked_restore_throttle"] = int(app.config.get("JOBS_REDIS_RESTORE_THROTTLE", 10))
    elif url.startswith("sqla+sqlite"):
        # kombu begins its own transactions (BEGIN IMMEDIATE): not the platform's lazy BEGIN (core/db.py)
        options["execution_options"] = {PLAIN_SQLITE: True}
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="default",
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options=options,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        enable_utc=True,
    )

    return celery


def get_celery(app: Flask | None = None) -> Celery:
    app = app or current_app._get_current_object()
    celery = app.extensions.get("edu_celery")
    if celery is None:
        celery = app.extensions["edu_celery"] = make_celery(app)
    return celery


def broker_depths(queues: list[str], app: Flask | None = None) -> dict[str, int] | None:
    """Messages waiting in each queue of the broker (None when the broker cannot be reached)."""
    celery = get_celery(app)
    try:
        with celery.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1)
            depths = {}
            for queue in queues:
                try:
                    depths[queue] = conn.default_channel.queue_declare(queue=queue, passive=True).message_count
                except conn.channel_errors:  # never declared: nothing has been sent to it
                    depths[queue] = 0
            return depths
    except Exception:  # noqa: BLE001 - the page says the broker is unreachable instead
        return None
