"""Platform-wide commands: `flask --app eduplatform seed-demo | create-user | reindex | check`."""

from __future__ import annotations

import importlib
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from eduplatform.core.extensions import db


def init_app(app: Flask) -> None:
    for command in (seed_demo, create_user, reindex, check):
        app.cli.add_command(command)


@click.command("seed-demo")
@with_appcontext
@click.option("--force", is_flag=True, help="Allow seeding in production (never do this on a live system).")
def seed_demo(force: bool) -> None:
    """Create the demo city, districts, schools, accounts and content (idempotent)."""
    from eduplatform import DOMAINS

    if current_app.config["ENV_NAME"] == "production" and not force:
        raise click.ClickException("生产环境不创建演示数据（如确需，请加 --force）")
    accounts = []
    for name in DOMAINS:
        try:
            seed_module = importlib.import_module(f"{name}.seed")
        except ModuleNotFoundError as exc:
            if exc.name == f"{name}.seed":
                continue
            raise
        accounts.extend(seed_module.seed_demo(click.echo) or [])
        db.session.commit()
    if accounts:
        click.echo("\n演示账户 (demo accounts):")
        for username, password, description in accounts:
            click.echo(f"  {username:<14} {password:<14} {description}")


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--password", required=True, help="Initial password (must meet the password policy).")
@click.option("--role", "roles", required=True, multiple=True, help="Role code; repeat for several.")
@click.option("--org", "org_code", default=None, help="Org unit code (none for public users).")
@click.option("--name", "display_name", default=None, help="Display name (defaults to the username).")
@click.option("--no-change-required", is_flag=True, help="Do not force a password change at first login.")
def create_user(username, password, roles, org_code, display_name, no_change_required):
    """Create a user; the only way to create the three administrators (三员)."""
    from eduplatform.accounts import services
    from eduplatform.accounts.models import Role
    from eduplatform.core.errors import AppError
    from eduplatform.orgs.services import find_org

    try:
        role_set = {Role(r) for r in roles}
    except ValueError as exc:
        raise click.BadParameter(f"{exc}; 可选角色：{', '.join(r.value for r in Role)}", param_hint="--role")
    org = find_org(org_code)
    if org_code and org is None:
        raise click.BadParameter(f"单位代码 {org_code} 不存在", param_hint="--org")
    try:
        user, _ = services.create_user(None, username=username, display_name=display_name or username,
                                       roles=role_set, org=org, password=password,
                                       must_change_password=not no_change_required)
    except AppError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message)
    db.session.commit()
    click.echo(f"已创建用户 {user.username}（{'、'.join(user.role_labels)}）")


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
