"""Users, roles, login, passwords and API tokens."""

from flask import Blueprint

from eduplatform.core.templating import NavItem
from eduplatform.core.workbench import WorkbenchPanel

bp = Blueprint("accounts", __name__)


def _can_list_users(user):
    from eduplatform.accounts.permissions import can_list_users

    return can_list_users(user)


def _can_manage_locks(user):
    from eduplatform.accounts.permissions import can_manage_locks

    return can_manage_locks(user)


NAV = [NavItem("系统管理", "用户管理", "accounts.user_list", _can_list_users),
       NavItem("系统管理", "登录锁定", "accounts.lock_list", _can_manage_locks)]


def init_app(app) -> None:
    from eduplatform.accounts import authentication, cli, people, sso

    authentication.init_app(app)
    sso.init_app(app)
    people.init_app(app)
    cli.init_app(app)


def _admin(user):
    from eduplatform.accounts.workbench import administers_accounts

    return administers_accounts(user)


def _accounts(user):
    from eduplatform.accounts.workbench import accounts_overview

    return accounts_overview(user)


WORKBENCH_PANELS = [WorkbenchPanel("mine", "accounts/_workbench.html", _accounts, when=_admin, order=5)]
