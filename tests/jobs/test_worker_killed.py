"""``kill -9`` of a worker in the middle of a job: the job is delivered again and its effect happens
once — on each transport, with real worker processes (``flask jobs worker``) on a database of their own.

* SQLite transport (kombu's SQLAlchemy transport, the embedded default): a message taken by a killed
  worker stays invisible in ``kombu_message``; the jobs table's lease expires and the scheduler's
  recovery sends the job again.
* Redis: the killed worker's unacknowledged message is restored by Redis's visibility timeout —
  the second worker runs without the scheduler (``--no-beat``), so only the broker gives it back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from eduplatform import ROOT_DIR

APP = "tests.jobs.worker_app:make_app()"


class Platform:
    """A migrated SQLite database and data dir, and the environment of its processes."""

    def __init__(self, tmp_path: Path, broker: str | None, **env):
        self.dir = tmp_path
        self.db_url = f"sqlite:///{tmp_path / 'platform.db'}"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT_DIR), "EDU_ENV": "development",
                    "EDU_DATA_DIR": str(tmp_path / "data"), "EDU_DATABASE_URL": self.db_url,
                    "SECRET_KEY": "worker-test", "EDU_JOBS_DISPATCH": "celery",
                    "EDU_JOBS_SCHEDULER_INTERVAL": "1", "EDU_RESOURCES_PREVIEWS": "0", **env}
        self.env.pop("CELERY_BROKER_URL", None)
        self.env.pop("EDU_REDIS_URL", None)
        if broker:
            self.env["CELERY_BROKER_URL"] = broker
        self.workers: list[subprocess.Popen] = []
        self.flask("db", "upgrade")
        self.engine = sa.create_engine(self.db_url)

    def flask(self, *args) -> str:
        done = subprocess.run([sys.executable, "-m", "flask", "--app", APP, *args], cwd=ROOT_DIR, env=self.env, check=False,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def start_worker(self, *extra) -> subprocess.Popen:
        with open(self.dir / f"worker-{len(self.workers) + 1}.log", "w") as log:  # the child keeps its copy
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", APP, "jobs", "worker", "--pool", "solo", "--loglevel",
                 "INFO", *extra], cwd=ROOT_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.workers.append(process)
        return process

    def job(self, job_id: int):
        with self.engine.connect() as conn:
            return conn.execute(sa.text("SELECT state, progress, message, attempts, worker, sent_at FROM jobs WHERE id = :id"),
                                {"id": job_id}).one()

    def effects(self, marker: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM notices WHERE title = :m"), {"m": marker}).scalar()

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.dir.glob("worker-*.log")))

    def stop(self):
        for process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.engine.dispose()


def wait_for(predicate, timeout: float, what: str, platform: Platform):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s\n{platform.logs()}")


def kill_in_the_middle_and_redeliver(platform: Platform, second_worker_args=(), *, resent: bool) -> None:
    """``resent``: whether the scheduler's recovery sent the job again (else the broker redelivered)."""
    marker = f"effect-{uuid.uuid4().hex[:8]}"
    first = platform.start_worker()
    out = platform.flask("jobs", "enqueue", "test.slow_effect", "--arg", f"marker={marker}",
                         "--arg", f"hold_dir={platform.dir}")
    job_id = int(out.rsplit("任务", 1)[1])
    started = platform.dir / f"started-{job_id}"
    wait_for(started.exists, 60, "the first worker started the job", platform)
    # Progress is visible to others while the job runs (a connection of the test's own).
    running = platform.job(job_id)
    assert (running.state, running.progress, running.message, running.attempts) == ("running", 50, "处理中：已完成一半", 1)
    assert running.worker.endswith(f":{first.pid}")
    sent_before = running.sent_at
    os.killpg(first.pid, signal.SIGKILL)  # kill -9 of the worker, mid-job
    first.wait(timeout=10)
    assert platform.effects(marker) == 0  # the killed attempt's effect was never committed
    platform.start_worker(*second_worker_args)
    wait_for(lambda: platform.job(job_id).state == "done", 90, "the job delivered again and finished", platform)
    done = platform.job(job_id)
    assert done.attempts == 2 and done.progress == 100
    assert (done.sent_at != sent_before) is resent
    assert platform.effects(marker) == 1
    time.sleep(3)  # any further delivery (recovery, the broker) would run within this
    assert platform.job(job_id).attempts == 2 and platform.effects(marker) == 1


@pytest.mark.nodb
def test_sqlite_transport_worker_killed_mid_job_the_job_runs_again_once(tmp_path):
    platform = Platform(tmp_path, broker=None, EDU_JOBS_LEASE_SECONDS="3")
    try:
        kill_in_the_middle_and_redeliver(platform, resent=True)
        # The broker's messages live in a file of their own (not the platform's database), and the one
        # the killed worker took is still there, invisible: the broker never gave it back.
        broker = sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'jobs-broker.sqlite'}")
        with broker.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM kombu_message WHERE visible = 0")).scalar() >= 1
        broker.dispose()
        assert "kombu_message" not in sa.inspect(platform.engine).get_table_names()
    finally:
        platform.stop()


@pytest.mark.nodb
def test_redis_worker_killed_mid_job_the_broker_redelivers_and_the_job_runs_once(tmp_path, redis_url):
    platform = Platform(tmp_path, broker=redis_url, EDU_JOBS_LEASE_SECONDS="3",
                        EDU_JOBS_VISIBILITY_TIMEOUT="4", EDU_JOBS_REDIS_RESTORE_INTERVAL="1",
                        EDU_JOBS_REDIS_RESTORE_THROTTLE="1")
    try:
        kill_in_the_middle_and_redeliver(platform, second_worker_args=("--no-beat",), resent=False)
        import redis

        client = redis.Redis.from_url(redis_url)
        assert client.hlen("unacked") == 0  # acknowledged at last
    finally:
        platform.stop()
