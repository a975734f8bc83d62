"""The job system in one process (``JOBS_DISPATCH=manual``: jobs run by ``run_queued`` as a worker
would run them): sent only after the commit, idempotent, retried with exponential backoff, progress
on 我的任务, periodic jobs once per period, recovery of a dead worker's job, the administrator's retry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eduplatform.audit.models import AuditEntry
from eduplatform.core.db import utcnow
from eduplatform.core.extensions import db
from eduplatform.core.jobs import (
    Job,
    JobState,
    enqueue,
    register_job,
    run_job,
    run_queued,
    runner,
    scheduler,
    service,
)
from eduplatform.core.notices import Notice

CALLS: list = []


def effect(ctx, *, title: str) -> dict:
    db.session.add(Notice(realm="test", kind="effect", title=title))
    return {"title": title}


def flaky(ctx, *, fail_times: int) -> dict:
    CALLS.append(ctx.attempt)
    if ctx.attempt <= fail_times:
        raise RuntimeError(f"第 {ctx.attempt} 次故意失败")
    return {"attempt": ctx.attempt}


PROBE: dict = {}


def halfway(ctx) -> None:
    ctx.progress(40, "已处理四成")
    CALLS.append(PROBE["during"]())


register_job("test.effect", effect, label="测试：写一条通知")
register_job("test.flaky", flaky, label="测试：先失败后成功", max_attempts=3)
register_job("test.halfway", halfway, label="测试：进度")


def due(job) -> None:
    """Let the backoff pass."""
    db.session.execute(db.update(Job).where(Job.id == job.id).values(run_after=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def effects(title: str) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Notice).where(Notice.title == title))


@pytest.fixture
def sent(monkeypatch):
    """What would have gone to the broker (the message, not the row)."""
    calls = []
    monkeypatch.setattr(service, "send", lambda job_id, kind, countdown=0: calls.append((job_id, kind, countdown)))
    return calls


def test_a_job_is_sent_only_after_its_transaction_commits(people, sent):
    job = enqueue("test.effect", actor=people.teacher_a1, title="x")
    assert job.id and job.state == JobState.QUEUED and job.started_by_id == people.teacher_a1.id
    assert sent == []
    db.session.commit()
    assert sent == [(job.id, "test.effect", 0)]
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.kind == "job.started"))
    assert entry.actor_id == people.teacher_a1.id and entry.object_id == str(job.id)

    rolled = enqueue("test.effect", title="y")
    rolled_id = rolled.id
    db.session.rollback()
    db.session.commit()
    assert len(sent) == 1 and db.session.get(Job, rolled_id) is None


def test_a_finished_job_delivered_again_does_nothing(app):
    job = enqueue("test.effect", title="一次")
    db.session.commit()
    assert run_job(job.id) == "done"
    assert run_job(job.id) == "skipped"  # the broker gave it twice: the claim refuses the second
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.attempts == 1 and job.progress == 100
    assert job.result == {"title": "一次"} and effects("一次") == 1


def test_enqueue_with_a_key_while_one_waits_returns_it():
    first = enqueue("test.effect", dedupe_key="k", title="a")
    assert enqueue("test.effect", dedupe_key="k", title="a") is first
    db.session.commit()
    run_queued()
    assert enqueue("test.effect", dedupe_key="k", title="a") is not first  # the first is done


def test_a_failing_job_is_retried_with_exponential_backoff_then_succeeds(app, monkeypatch, sent):
    monkeypatch.setitem(app.config, "JOBS_RETRY_BASE_SECONDS", 10)
    CALLS.clear()
    job = enqueue("test.flaky", fail_times=2)
    db.session.commit()
    before = utcnow()
    assert run_job(job.id) == "retry"
    db.session.refresh(job)
    assert job.state == JobState.QUEUED and job.attempts == 1 and "第 1 次故意失败" in job.error
    assert timedelta(seconds=9) < job.run_after - before < timedelta(seconds=12)
    assert job.message == "第 1 次执行失败，10 秒后重试"
    assert sent[-1] == (job.id, "test.flaky", 10.0)  # sent again with the delay
    assert run_job(job.id) == "early" and run_queued() == {}  # not before its time

    due(job)
    assert run_job(job.id) == "retry"
    db.session.refresh(job)
    assert job.attempts == 2 and timedelta(seconds=19) < job.run_after - utcnow() < timedelta(seconds=21)
    assert sent[-1][2] == 20.0  # 10 · 2^(2−1)
    due(job)
    assert run_job(job.id) == "done"
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.result == {"attempt": 3} and job.error is None
    assert CALLS == [1, 2, 3]


def test_a_job_failing_every_attempt_fails_and_the_administrator_retries_it(app, people, client, auth):
    job = enqueue("test.flaky", fail_times=99, actor=people.teacher_a1)
    db.session.commit()
    assert run_queued(ignore_delay=True) == {"retry": 2, "failed": 1}
    db.session.refresh(job)
    assert job.state == JobState.FAILED and job.attempts == 3 and job.finished_at is not None
    assert job.message == "执行 3 次均失败"

    auth.login(people.teacher_a1)
    assert client.get("/admin/jobs").status_code == 403
    assert client.post(f"/admin/jobs/{job.id}/retry").status_code == 403
    mine = client.get("/jobs").get_data(as_text=True)
    assert "测试：先失败后成功" in mine and "失败" in mine and "故意失败" not in mine  # no traceback for users
    auth.logout()

    auth.login(people.sysadmin)
    page = client.get("/admin/jobs?state=failed").get_data(as_text=True)
    assert f'id="job-{job.id}"' in page and "第 3 次故意失败" in page and "重新执行" in page
    assert client.post(f"/admin/jobs/{job.id}/retry").status_code == 302
    db.session.refresh(job)
    assert job.state == JobState.QUEUED and job.attempts == 0
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.kind == "job.retried"))
    assert entry.actor_id == people.sysadmin.id and entry.object_id == str(job.id)
    client.post(f"/admin/jobs/{job.id}/retry")  # only a failed job is queued again: refused, not recorded
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.kind == "job.retried")) == 1


def test_progress_is_shown_to_its_starter_while_the_job_runs(app, people, client, auth):
    auth.login(people.teacher_a1)
    job = enqueue("test.halfway", actor=people.teacher_a1)
    db.session.commit()
    CALLS.clear()
    status = f"/jobs/{job.id}/status"
    # the handler reads the status and 我的任务 in the middle of its work, as the user's browser would
    PROBE["during"] = lambda: (client.get(status).get_json(), client.get("/jobs").get_data(as_text=True))
    assert run_job(job.id) == "done"
    seen, page = CALLS[0]
    assert seen["state"] == "running" and seen["state_label"] == "运行中" and seen["progress"] == 40
    assert seen["message"] == "已处理四成"
    assert 'aria-valuenow="40"' in page and 'http-equiv="refresh"' in page
    done = client.get(status).get_json()
    assert done["state_label"] == "已完成" and done["progress"] == 100
    auth.logout()
    auth.login(people.teacher_b1)
    assert client.get(status).status_code == 404  # another user's job does not exist for them


def test_periodic_jobs_start_once_per_period_however_many_schedulers(app, sent):
    now = utcnow()
    started = scheduler.tick(now)
    assert {"workflow.tick", "resources.sweep", "portal.publish_due"} <= set(started)
    assert scheduler.tick(now) == []  # a second scheduler at the same moment wins nothing
    queued = db.session.scalars(db.select(Job).where(Job.kind == "workflow.tick")).all()
    assert len(queued) == 1
    assert run_queued(kind="workflow.tick") == {"done": 1}
    db.session.refresh(queued[0])
    assert queued[0].result == {"reminded": 0, "overdue": 0, "escalated": 0, "deadlines": 0}
    later = scheduler.tick(now + timedelta(seconds=app.config["JOBS_WORKFLOW_TICK_SECONDS"] + 1))
    assert "workflow.tick" in later
    assert len(db.session.scalars(db.select(Job).where(Job.kind == "workflow.tick")).all()) == 2


def test_a_job_whose_worker_died_is_sent_again_and_taken_over(app, sent):
    job = enqueue("test.effect", title="接管")
    db.session.commit()
    # a worker claimed it, then died (its lease is no longer renewed)
    db.session.execute(db.update(Job).where(Job.id == job.id).values(
        state=JobState.RUNNING, attempts=1, worker="gone:1",
        heartbeat_at=utcnow() - timedelta(seconds=app.config["JOBS_LEASE_SECONDS"] + 5)))
    db.session.commit()
    sent.clear()
    assert runner.recover() == 1 and sent == [(job.id, "test.effect", 0)]
    assert run_job(job.id) == "done"
    db.session.refresh(job)
    assert job.attempts == 2 and effects("接管") == 1


def test_a_live_workers_job_is_not_taken_over(app):
    job = enqueue("test.effect", title="在办")
    db.session.commit()
    db.session.execute(db.update(Job).where(Job.id == job.id).values(
        state=JobState.RUNNING, attempts=1, worker="alive:1", heartbeat_at=utcnow()))
    db.session.commit()
    assert runner.recover() == 0
    assert run_job(job.id) == "busy" and effects("在办") == 0


def test_old_finished_jobs_and_their_files_are_cleaned_up(app, people, storage):
    import io

    from eduplatform.core.jobs.cleanup import cleanup_job
    from eduplatform.core.storage.models import StoredFile
    from eduplatform.core.storage.services import store_file

    now = utcnow()
    stored = store_file(io.BytesIO(b"a,b\n"), prefix="exports", filename="old.csv", content_type="text/csv")
    old_export = Job(kind="test.effect", started_by_id=people.auditor.id, state=JobState.DONE,
                     result_file_id=stored.id, finished_at=now - timedelta(days=31))
    recent_export = Job(kind="test.effect", started_by_id=people.auditor.id, state=JobState.DONE,
                        finished_at=now - timedelta(days=29))
    old_tick = Job(kind="workflow.tick", state=JobState.DONE, finished_at=now - timedelta(days=8))
    recent_tick = Job(kind="workflow.tick", state=JobState.DONE, finished_at=now - timedelta(days=6))
    waiting = Job(kind="test.effect", state=JobState.QUEUED, created_at=now - timedelta(days=90))
    db.session.add_all([old_export, recent_export, old_tick, recent_tick, waiting])
    db.session.commit()
    key = stored.key
    assert cleanup_job(None, now=now) == {"removed": 2, "files": 1}
    db.session.commit()
    left = set(db.session.scalars(db.select(Job.id)))
    assert left == {recent_export.id, recent_tick.id, waiting.id}
    assert db.session.get(StoredFile, stored.id) is None and not storage.exists(key)


def test_a_committed_job_reaches_a_real_redis_and_the_administrator_sees_the_queue(app, people, client, auth,
                                                                                 redis_url, monkeypatch):
    import redis

    monkeypatch.setitem(app.config, "JOBS_DISPATCH", "celery")
    monkeypatch.setitem(app.config, "JOBS_BROKER_URL", redis_url)
    monkeypatch.delitem(app.extensions, "edu_celery", raising=False)
    try:
        job = enqueue("test.effect", title="经由 Redis")
        assert redis.Redis.from_url(redis_url).llen("default") == 0  # nothing before the commit
        db.session.commit()
        assert redis.Redis.from_url(redis_url).llen("default") == 1
        db.session.refresh(job)
        assert job.sent_at is not None
        auth.login(people.sysadmin)
        page = client.get("/admin/jobs").get_data(as_text=True)
        assert "default：待取 <strong>1</strong> 条" in page and "previews：待取 <strong>0</strong> 条" in page
    finally:
        app.extensions.pop("edu_celery", None)


def test_an_unreachable_broker_leaves_the_job_queued_and_says_so(app, people, client, auth, monkeypatch):
    from tests.fixtures.storage import free_port

    monkeypatch.setitem(app.config, "JOBS_DISPATCH", "celery")
    monkeypatch.setitem(app.config, "JOBS_BROKER_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.delitem(app.extensions, "edu_celery", raising=False)
    try:
        job = enqueue("test.effect", title="无队列")
        db.session.commit()  # the request still succeeds
        db.session.refresh(job)
        assert job.state == JobState.QUEUED  # still there: the recovery sends it again after a lease
        auth.login(people.sysadmin)
        assert "无法连接消息队列" in client.get("/admin/jobs").get_data(as_text=True)
    finally:
        app.extensions.pop("edu_celery", None)
