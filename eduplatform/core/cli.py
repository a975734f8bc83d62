"""Platform-wide commands: `flask --app eduplatform seed-demo | reindex | check | backup | restore`.

A domain's own commands live in its ``cli.py`` (e.g. accounts' ``create-user``).
"""

from __future__ import annotations

import importlib
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from eduplatform.core.extensions import db


def init_app(app: Flask) -> None:
    for command in (seed_demo, reindex, check, backup, restore):
        app.cli.add_command(command)


@click.command("seed-demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Allow seeding in production (never do this on a live system).")
def seed_demo(force: bool) -> None:
    """Create the demo city, districts, schools, accounts and content (idempotent)."""
    if current_app.config["ENV_NAME"] == "production" and not force:
        raise click.ClickException("生产环境不创建演示数据（如确需，请加 --force）")
    accounts = []
    for package in current_app.extensions["edu_domains"].values():
        name = f"{package.__name__}.seed"
        try:
            seed_module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        accounts.extend(seed_module.seed_demo(click.echo) or [])
        db.session.commit()
    if accounts:
        click.echo("\n演示账户 (demo accounts):")
        for username, password, description in accounts:
            click.echo(f"  {username:<14} {password:<14} {description}")


@click.command("reindex")
@with_appcontext
def reindex() -> None:
    """Rebuild the full-text index from the database."""
    from eduplatform.core.search import registry

    total = sum(registry.count_objects(spec) for spec in registry.searchable_kinds())
    with click.progressbar(length=total, label="重建索引", file=sys.stderr) as bar:
        indexed = registry.reindex(progress=bar.update)
    click.echo(f"已索引 {indexed} 条文档")


@click.command("check")
@with_appcontext
@click.option("--deep", is_flag=True, help="Also compare each object's size with its row.")
@click.option("--repair", is_flag=True,
              help="First remove stale temp files / incomplete multipart uploads and orphan objects.")
@click.option("--older-than-hours", "older_than", type=click.FloatRange(min=0), default=None,
              help="What counts as stale (default EDU_STORAGE_STALE_TEMP_HOURS, 24).")
def check(deep: bool, repair: bool, older_than: float | None) -> None:
    """Verify database ↔ storage ↔ search index consistency; report orphans and leftovers."""
    from eduplatform.core.consistency import check_consistency

    report = check_consistency(deep=deep, repair=repair, stale_hours=older_than)
    if repair:
        db.session.commit()  # the repair's audit entry
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        sys.exit(1)


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup(path: str) -> None:
    """Write the database and every stored object into one checked package (the index is rebuilt on restore)."""
    from eduplatform.core.backup import BackupError, write_backup

    try:
        summary = write_backup(path)
    except BackupError as exc:
        raise click.ClickException(exc.reason) from None
    click.echo(f"备份已写入 {summary.path}")
    for line in summary.lines():
        click.echo(line)


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Confirm that the current database is to be replaced.")
def restore(path: str, yes: bool) -> None:
    """Replace the database with a backup's, put back its objects, rebuild the index; then run `check`."""
    from eduplatform.core.backup import BackupError, open_backup, restore_backup

    try:
        open_backup(path).archive.close()  # refuse a broken package before asking anything
        if not yes:
            click.confirm("恢复将用备份替换当前数据库的全部内容，是否继续？", abort=True)
        summary = restore_backup(path)
    except BackupError as exc:
        raise click.ClickException(exc.reason) from None
    click.echo(f"已从 {summary.path} 恢复")
    for line in summary.lines():
        click.echo(line)
    click.echo("请运行 flask check 确认数据库、存储与索引一致")
