"""`flask resources …`: processing by hand and maintenance (the workers run it as jobs: resources/jobs.py)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from eduplatform.core.extensions import db

resources_cli = AppGroup("resources", help="教学资源库：后台处理与维护")


def init_app(app: Flask) -> None:
    app.cli.add_command(resources_cli)


def run_once(limit: int = 50) -> tuple[int, int]:
    """Process pending versions (one commit each) and refresh stale index entries (the body of the
    periodic ``resources.sweep`` job)."""
    from eduplatform.resources.processing import pending_versions, process_version, refresh_stale

    processed = 0
    for version in pending_versions(limit):
        process_version(version)
        db.session.commit()
        processed += 1
    refreshed = refresh_stale()
    db.session.commit()
    from eduplatform.resources.staging import remove_stale

    if remove_stale():  # files chosen a day ago whose form was never sent
        db.session.commit()
    return processed, refreshed


@resources_cli.command("process")
@click.option("--limit", default=50, show_default=True, help="Versions per round.")
def process(limit: int) -> None:
    """Once, by hand: extract text and make thumbnails for pending uploads; refresh stale search
    entries (the workers, `flask jobs worker`, do this as the periodic resources.sweep job)."""
    processed, refreshed = run_once(limit)
    click.echo(f"已处理 {processed} 个文件版本，刷新 {refreshed} 条索引")


@resources_cli.command("specs")
def specs() -> None:
    """List the resource types read from resource_specs/."""
    from eduplatform.resources.specs import get_specs

    for rtype in get_specs().types.values():
        click.echo(f"{rtype.code:<16} {rtype.label:<10} 元素 {len(rtype.elements):>2}  格式 {','.join(rtype.formats)}"
                   f"  规则 {len(rtype.rules)}")
