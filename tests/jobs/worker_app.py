"""The app a test's worker process runs (``flask --app "tests.jobs.worker_app:make_app()" jobs worker``):
the platform as configured by the ``EDU_`` environment, plus the test's job kinds."""

from __future__ import annotations

import os
import time
from pathlib import Path

from eduplatform import create_app
from eduplatform.core.extensions import db
from eduplatform.core.jobs import register_job
from eduplatform.core.notices import Notice


def slow_effect(ctx, *, marker: str, hold_dir: str) -> dict:
    """Progress, then its effect (a notice) in the job's transaction; the first attempt stops in the
    middle (holding the uncommitted effect) until the test kills its worker."""
    ctx.progress(50, "处理中：已完成一半")
    db.session.add(Notice(realm="test", kind="effect", title=marker))
    db.session.flush()
    if ctx.attempt == 1:
        Path(hold_dir, f"started-{ctx.job_id}").write_text(str(os.getpid()))
        time.sleep(300)
    return {"attempt": ctx.attempt}


def register_test_kinds() -> None:
    register_job("test.slow_effect", slow_effect, label="测试：中途被杀的任务", max_attempts=3)


def make_app():
    app = create_app()
    register_test_kinds()
    return app
