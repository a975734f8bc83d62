"""`flask distribution …`: the school node's sync (once, or as a service loop)."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from eduplatform.core.extensions import db

distribution_cli = AppGroup("distribution", help="校校通分发：校园节点同步")


def init_app(app: Flask) -> None:
    app.cli.add_command(distribution_cli)


@distribution_cli.command("sync")
@click.option("--loop", is_flag=True, help="Keep running (the node's service), a round every --interval s.")
@click.option("--interval", default=300.0, show_default=True)
def sync_command(loop: bool, interval: float) -> None:
    """Pull this school node's subscriptions from the city (EDU_NODE=school)."""
    from eduplatform.distribution import node

    if not node.is_school_node():
        raise click.ClickException("本实例不是校园节点（EDU_NODE=school）")
    while True:
        try:
            result = node.sync()
            click.echo(f"变更 {result.changes} 条，收到 {len(result.fetched)} 个文件，失败 {len(result.failed)} 个，"
                       f"撤下 {result.retired} 个，等待时段 {result.waiting} 个，下载 {result.downloaded_bytes} 字节")
        except node.SyncError as exc:
            db.session.rollback()
            click.echo(f"同步失败：{exc}", err=True)
            if not loop:
                raise SystemExit(1) from None
        if not loop:
            return
        time.sleep(interval)
