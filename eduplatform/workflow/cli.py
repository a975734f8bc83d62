"""`flask --app eduplatform workflow-tick` (by hand: the workers run it as the periodic ``workflow.tick``
job) and `workflow-check` (validate every definition)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from eduplatform.core.extensions import db


def init_app(app) -> None:
    from datetime import timedelta

    from eduplatform.core.jobs import register_job

    app.cli.add_command(workflow_tick)
    app.cli.add_command(workflow_check)
    register_job(TICK_JOB, tick_job, label="业务流程到期扫描（提醒、逾期、督办）", max_attempts=1,
                 every=timedelta(seconds=int(app.config.get("JOBS_WORKFLOW_TICK_SECONDS", 300))))


TICK_JOB = "workflow.tick"


def tick_job(ctx) -> dict:
    """The periodic job: one pass of the tick (its claims make a second run harmless)."""
    from dataclasses import asdict

    from eduplatform.workflow.tick import run_tick

    return asdict(run_tick())


@click.command("workflow-tick")
@with_appcontext
def workflow_tick() -> None:
    """Send reminders, mark overdue tasks, escalate and flag passed deadlines (idempotent; the job
    workers run it every JOBS_WORKFLOW_TICK_SECONDS as the ``workflow.tick`` job)."""
    from eduplatform.workflow.tick import run_tick

    report = run_tick()
    db.session.commit()
    for line in report.lines():
        click.echo(line)


@click.command("workflow-check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def workflow_check(paths) -> None:
    """Load process definitions (the registered ones, or the given files) and report problems."""
    from eduplatform.workflow.definitions import DefinitionError, load_definition
    from eduplatform.workflow.registry import all_processes

    failed = False
    if not paths:
        for process in all_processes():
            click.echo(f"✓ {process.key} v{process.version}  {process.name}  ({process.origin})")
        return
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                process = load_definition(fh.read(), origin=path)
        except DefinitionError as exc:
            failed = True
            click.echo(f"✗ {exc}", err=True)
        else:
            click.echo(f"✓ {process.key} v{process.version}  {process.name}")
    if failed:
        raise SystemExit(1)
