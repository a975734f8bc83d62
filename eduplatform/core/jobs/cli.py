"""``flask jobs …``: the worker (with the scheduler beside it), and maintenance by hand."""

from __future__ import annotations

import socket

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="后台任务：工作进程、定时任务与维护")


@jobs_cli.command("worker")
@click.option("--concurrency", "-c", default=2, show_default=True, help="Jobs run at once.")
@click.option("--pool", default="threads", show_default=True, type=click.Choice(["threads", "solo", "prefork"]))
@click.option("--queues", "-Q", default="default,previews", show_default=True)
@click.option("--beat/--no-beat", default=True, show_default=True,
              help="Run the scheduler (periodic jobs, recovery, leases) in this worker too.")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(concurrency: int, pool: str, queues: str, beat: bool, loglevel: str) -> None:
    """Run jobs from the broker (Redis, or the embedded SQLite transport)."""
    from eduplatform.core.jobs.celery_app import broker_url
    from eduplatform.core.jobs.scheduler import SchedulerThread
    from eduplatform.core.jobs.worker import worker_celery

    app = current_app._get_current_object()
    celery = worker_celery(app)
    click.echo(f"后台任务工作进程：{broker_url(app.config).split('@')[-1]}，队列 {queues}")
    thread = SchedulerThread(app, interval=float(app.config.get("JOBS_SCHEDULER_INTERVAL", 15)), schedule=beat)
    thread.start()
    celery.Worker(pool=pool, concurrency=concurrency, queues=queues.split(","), loglevel=loglevel,
                  hostname=f"edu@{socket.gethostname()}", without_mingle=True,
                  without_gossip=True).start()


@jobs_cli.command("run")
@click.option("--kind", default=None, help="Only jobs of this kind.")
def run(kind: str | None) -> None:
    """Run the queued jobs that are due in this process, then stop."""
    from eduplatform.core.jobs.runner import run_queued

    counts = run_queued(kind=kind)
    click.echo("，".join(f"{k} {v}" for k, v in counts.items()) or "没有待执行的任务")


@jobs_cli.command("enqueue")
@click.argument("kind")
@click.option("--arg", "args", multiple=True, help="key=value (a number when it looks like one); repeatable.")
def enqueue_job(kind: str, args: tuple[str, ...]) -> None:
    """Queue a job of KIND by hand (e.g. workflow.tick); it is sent to the workers after the commit."""
    from eduplatform.core.extensions import db
    from eduplatform.core.jobs.service import enqueue

    values: dict = {}
    for item in args:
        key, _, value = item.partition("=")
        values[key] = int(value) if value.lstrip("-").isdigit() else value
    try:
        job = enqueue(kind, **values)
    except KeyError as exc:
        raise click.ClickException(f"未注册的任务类型：{kind}") from exc
    db.session.commit()
    click.echo(f"已排队：任务 {job.id}")


@jobs_cli.command("tick")
def tick() -> None:
    """One scheduler round: enqueue the periodic jobs that are due, resend lost ones."""
    from eduplatform.core.jobs.scheduler import tick as run_tick

    started = run_tick()
    click.echo("已启动：" + ("、".join(started) if started else "无"))


@jobs_cli.command("list")
@click.option("--state", default=None)
@click.option("--limit", default=20, show_default=True)
def list_jobs(state: str | None, limit: int) -> None:
    """The latest jobs."""
    import sqlalchemy as sa

    from eduplatform.core.extensions import db
    from eduplatform.core.jobs.models import Job

    query = sa.select(Job).order_by(Job.id.desc()).limit(limit)
    if state:
        query = query.where(Job.state == state)
    for job in db.session.scalars(query):
        click.echo(f"{job.id:>6} {job.state.label:<4} {job.progress:>3}% {job.kind:<32} 尝试 {job.attempts}/"
                   f"{job.max_attempts} {job.message}")
