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


@distribution_cli.command("import-package")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_package_command(path: str) -> None:
    """Import a 校校通 offline package on this school node (checked whole before anything is written)."""
    from flask import current_app

    from eduplatform.distribution import node, offline
    from eduplatform.resources.packages import PackageRefused

    if not node.is_school_node() or not current_app.config.get("EDU_NODE_TOKEN"):
        raise click.ClickException("本实例不是校园节点（EDU_NODE=school，EDU_NODE_TOKEN）")
    try:
        with open(path, "rb") as handle:
            result = offline.import_on_node(handle, current_app.config["EDU_NODE_TOKEN"])
    except PackageRefused as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(f"导入完成：新增 {result['installed']} 个，撤下 {result['retired']} 个，已有 {result['skipped']} 个")


@distribution_cli.command("export-package")
@click.argument("push_id", type=int)
@click.argument("school_code")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--as-user", "username", required=True, help="The bureau staff account exporting it (audited).")
def export_package_command(push_id: int, school_code: str, out: str, username: str) -> None:
    """Write a push's offline package for one school (for a school without a link)."""
    import shutil

    import sqlalchemy as sa

    from eduplatform.accounts.models import User
    from eduplatform.distribution import offline, services
    from eduplatform.orgs.models import OrgUnit

    actor = db.session.scalar(sa.select(User).where(User.username == username))
    school = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == school_code))
    if actor is None or school is None:
        raise click.ClickException("账号或学校不存在")
    path = offline.export_for_school(actor, services.get_push(actor, push_id), school)
    shutil.move(path, out)
    db.session.commit()
    click.echo(f"已写出 {out}")
