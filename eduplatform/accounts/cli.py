"""Account commands: `flask --app eduplatform create-user`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from eduplatform.accounts import services, sso
from eduplatform.accounts.models import Role
from eduplatform.core.errors import AppError
from eduplatform.core.extensions import db
from eduplatform.orgs.services import find_org


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(sso_hash_ids)


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


@click.command("sso-hash-ids")
@with_appcontext
def sso_hash_ids():
    """统一身份认证: store the HMAC of the ID numbers the rosters hold for accounts that lack one."""
    try:
        count = sso.fill_id_number_hashes()
    except RuntimeError as exc:
        raise click.ClickException(str(exc))
    db.session.commit()
    click.echo(f"已为 {count} 个账户生成身份证号比对值")
