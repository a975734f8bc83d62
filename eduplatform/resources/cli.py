"""`flask resources …`: the processing worker and maintenance."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from eduplatform.core.extensions import db

resources_cli = AppGroup("resources", help="教学资源库：后台处理与维护")


def init_app(app: Flask) -> None:
    app.cli.add_command(resources_cli)


def run_once(limit: int = 50) -> tuple[int, int]:
    """Process pending versions (one commit each), the registered jobs, and refresh stale index entries."""
    from eduplatform.resources.processing import pending_versions, process_version, refresh_stale

    processed = 0
    for version in pending_versions(limit):
        process_version(version)
        db.session.commit()
        processed += 1
    from eduplatform.resources import WORKER_JOBS

    for job in WORKER_JOBS.values():  # other domains' files made the same way (courses' lessons)
        processed += job(limit)
    refreshed = refresh_stale()
    db.session.commit()
    from eduplatform.resources.staging import remove_stale

    if remove_stale():  # files chosen a day ago whose form was never sent
        db.session.commit()
    return processed, refreshed


@resources_cli.command("process")
@click.option("--loop", is_flag=True, help="Keep running (the production worker), polling every --interval s.")
@click.option("--interval", default=5.0, show_default=True)
@click.option("--limit", default=50, show_default=True, help="Versions per round.")
def process(loop: bool, interval: float, limit: int) -> None:
    """Extract text and make thumbnails for new uploads; refresh stale search entries."""
    while True:
        processed, refreshed = run_once(limit)
        if processed or refreshed or not loop:
            click.echo(f"已处理 {processed} 个文件版本，刷新 {refreshed} 条索引")
        if not loop:
            return
        if not processed:
            time.sleep(interval)


@resources_cli.command("specs")
def specs() -> None:
    """List the resource types read from resource_specs/."""
    from eduplatform.resources.specs import get_specs

    for rtype in get_specs().types.values():
        click.echo(f"{rtype.code:<16} {rtype.label:<10} 元素 {len(rtype.elements):>2}  格式 {','.join(rtype.formats)}"
                   f"  规则 {len(rtype.rules)}")
